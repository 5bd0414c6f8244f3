"""Colour transfer and blending of the pasted foreground."""
import numpy as np
import pytest

from artlib import world
from artlib.compose import Placement, paste
from artlib.harmonize import harmonize, reinhard


@pytest.fixture(scope="module")
def scene():
    ws = world.make_world_sample(5, 2, 64)
    return ws.scene.background, ws.sprite, Placement(0.5, 0.85, 0.45)


def test_off_and_alpha_is_the_plain_paste(scene):
    bg, sprite, p = scene
    np.testing.assert_array_equal(harmonize(bg, sprite, p), paste(bg, sprite, p))


def test_reinhard_matches_the_background_statistics_inside_the_mask():
    rng = np.random.default_rng(0)
    fg = rng.uniform(0.6, 0.9, (40, 40, 3)).astype(np.float32)
    bg = rng.uniform(0.0, 0.4, (40, 40, 3)).astype(np.float32)
    mask = np.zeros((40, 40), bool)
    mask[10:30, 10:30] = True
    out = reinhard(fg, mask, bg)
    import cv2

    lab = lambda a: cv2.cvtColor(np.clip(a, 0, 1).astype(np.float32), cv2.COLOR_RGB2Lab)  # noqa: E731
    np.testing.assert_allclose(lab(out)[mask].mean(0), lab(bg).reshape(-1, 3).mean(0), atol=1.0)
    np.testing.assert_allclose(lab(out)[mask].std(0), lab(bg).reshape(-1, 3).std(0), rtol=0.1, atol=0.5)
    np.testing.assert_array_equal(out[~mask], fg[~mask])  # outside the mask: untouched


def test_poisson_changes_only_near_the_person(scene):
    bg, sprite, p = scene
    out = harmonize(bg, sprite, p, blend="poisson")
    plain = paste(bg, sprite, p)
    x0, x1 = int((p.x - 0.15) * 64), int((p.x + 0.15) * 64)
    far = np.ones((64, 64), bool)
    far[int((p.y - p.scale - 0.05) * 64) :, x0:x1] = False
    assert np.abs(out - plain)[far].max() < 2 / 255 and np.abs(out - plain).max() > 0
    assert out.shape == bg.shape and 0 <= out.min() and out.max() <= 1


def test_bad_options(scene):
    bg, sprite, p = scene
    with pytest.raises(ValueError, match="colour must be one of"):
        harmonize(bg, sprite, p, colour="sepia")
    with pytest.raises(ValueError, match="blend must be one of"):
        harmonize(bg, sprite, p, blend="feather")
