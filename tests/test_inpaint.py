import numpy as np
import pytest

from artlib import world
from artlib.compose import box_iou, render_foreground
from artlib.inpaint import hole_mask, inpaint_background, locate_hole


def test_hole_mask_dilates_alpha():
    a = np.zeros((32, 32), np.float32)
    a[10:20, 12:16] = 1
    m = hole_mask(a, dilate=0.05)
    assert m[10:20, 12:16].min() == 255 and m.sum() > (a > 0).sum() * 255 and m[0, 0] == 0


def test_inpainting_removes_the_person_and_the_hole_is_found():
    hits = 0
    for i in range(16):
        ws = world.make_world_sample(2, i, 96)
        fg = render_foreground(ws.sprite, ws.placement, (96, 96))
        filled = inpaint_background(ws.image, fg[..., 3])
        inside = fg[..., 3] > 0.5
        # the fill is closer to the clean background than the person was
        assert np.abs(filled - ws.scene.background)[inside].mean() < np.abs(ws.image - ws.scene.background)[inside].mean()
        g = locate_hole(filled)
        hits += g is not None and box_iou(g, ws.box) >= 0.3
        clean = locate_hole(ws.scene.background)
        assert clean is None or box_iou(clean, ws.box) < 0.3
    # found in about 60% of filled backgrounds of the varied world (88% in the narrow one):
    # posts and obstacle edges raise the texture that the locator compares with
    assert hits >= 8


def test_shape_errors():
    with pytest.raises(ValueError, match="differ in size"):
        inpaint_background(np.zeros((8, 8, 3)), np.zeros((4, 4)))
    with pytest.raises(ValueError, match=r"\(H, W\)"):
        hole_mask(np.zeros((4, 4, 1)))
