import numpy as np
import pytest
import torch

from artlib.compose import (
    Placement, box_iou, paste, paste_torch, placement_box, render_foreground, render_foreground_torch,
)

#: numpy (separable bilinear weights) and torch (grid_sample) implement the same bilinear map;
#: they differ only by float32 rounding.
TOLERANCE = 1e-4


def _sprite(h=20, w=9, seed=0):
    rng = np.random.default_rng(seed)
    s = rng.uniform(0, 1, (h, w, 4)).astype(np.float32)
    s[..., 3] = (rng.uniform(0, 1, (h, w)) > 0.3).astype(np.float32)
    return s


@pytest.mark.parametrize("p", [Placement(0.5, 0.9, 0.4), Placement(0.13, 0.55, 0.23), Placement(0.95, 1.05, 0.7), Placement(0.3, 0.37, 0.61)])
def test_numpy_and_torch_paste_agree(p):
    rng = np.random.default_rng(1)
    bg = rng.uniform(0, 1, (48, 40, 3)).astype(np.float32)
    spr = _sprite()
    a = paste(bg, spr, p)
    t = paste_torch(
        torch.from_numpy(bg).permute(2, 0, 1)[None], torch.from_numpy(spr).permute(2, 0, 1)[None],
        torch.tensor([p.x]), torch.tensor([p.y]), torch.tensor([p.scale]),
    )[0].permute(1, 2, 0).numpy()
    assert np.abs(a - t).max() < TOLERANCE
    assert not np.allclose(a, bg)  # something was pasted


def test_identity_placement_copies_the_sprite():
    spr = _sprite(16, 8)
    fg = render_foreground(spr, Placement(0.5, 1.0, 0.5), (32, 32))
    # a 16 px sprite at scale 0.5 of a 32 px canvas, centred: pixel-aligned, no resampling
    np.testing.assert_allclose(fg[16:, 12:20, 3], spr[..., 3], atol=1e-6)
    np.testing.assert_allclose(fg[16:, 12:20, :3], spr[..., :3] * spr[..., 3:], atol=1e-6)
    assert fg[:16].max() == 0 and fg[:, :12].max() == 0


def test_gradient_wrt_placement_is_finite_and_nonzero():
    spr = torch.from_numpy(_sprite()).permute(2, 0, 1)[None]
    bg = torch.rand(1, 3, 40, 40, generator=torch.Generator().manual_seed(0))
    xyz = torch.tensor([0.4, 0.8, 0.5], requires_grad=True)
    out = paste_torch(bg, spr, xyz[0:1], xyz[1:2], xyz[2:3])
    (out * torch.linspace(0, 1, 40)).sum().backward()
    assert torch.isfinite(xyz.grad).all() and xyz.grad.abs().sum() > 0


def test_box_and_iou():
    box = placement_box((20, 10), Placement(0.5, 0.9, 0.4), (100, 100))
    np.testing.assert_allclose(box, [0.4, 0.5, 0.6, 0.9])
    assert box_iou(box, box) == pytest.approx(1.0)
    assert box_iou(box, box + np.array([1, 0, 1, 0])) == 0.0
    half = np.array([0.4, 0.7, 0.6, 0.9])
    assert box_iou(box, half) == pytest.approx(0.5)
    assert box_iou(np.stack([box, half]), box).shape == (2,)


def test_placement_validation():
    with pytest.raises(ValueError, match="scale"):
        Placement(0.5, 0.5, 0.0)
    with pytest.raises(ValueError, match="finite"):
        Placement(float("nan"), 0.5, 0.2)
    assert Placement(0.5, 0.5, 0.2).moved(0.1, -0.1, 2.0) == Placement(0.6, 0.4, 0.4)


def test_empty_alpha_is_refused():
    spr = _sprite()
    spr[..., 3] = 0
    with pytest.raises(ValueError, match="alpha is empty"):
        render_foreground(spr, Placement(0.5, 0.9, 0.4), (32, 32))


def test_foreground_larger_than_canvas_is_refused():
    with pytest.raises(ValueError, match="larger than the canvas"):
        paste(np.zeros((32, 32, 3), np.float32), _sprite(), Placement(0.5, 1.0, 1.3))
    with pytest.raises(ValueError, match="larger than the canvas"):  # too wide
        paste(np.zeros((32, 32, 3), np.float32), _sprite(10, 30), Placement(0.5, 1.0, 0.5))


def test_bad_shapes_are_refused():
    with pytest.raises(ValueError, match=r"\(H, W, 4\)"):
        render_foreground(np.zeros((10, 10, 3)), Placement(0.5, 0.5, 0.2), (20, 20))
    with pytest.raises(ValueError, match=r"\(B, 4, h, w\)"):
        render_foreground_torch(torch.zeros(1, 3, 5, 5), *(torch.ones(1),) * 3, (8, 8))


def test_off_canvas_placement_gives_empty_foreground():
    fg = render_foreground(_sprite(), Placement(3.0, 3.0, 0.3), (16, 16))
    assert fg.max() == 0


def test_alpha_extent_is_the_tight_box_and_its_placement():
    from artlib.compose import alpha_extent

    alpha = np.zeros((10, 20), np.float32)
    alpha[2:8, 5:9] = 1.0
    alpha[0, 0] = 0.04  # below the threshold
    (rows, cols), p = alpha_extent(alpha)
    assert (rows, cols) == (slice(2, 8), slice(5, 9))
    assert p.as_tuple() == pytest.approx((7 / 20, 0.8, 0.6))
    assert alpha_extent(np.zeros((4, 4))) is None
