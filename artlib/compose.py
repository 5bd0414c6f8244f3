"""Placing a foreground on a canvas: placements, boxes, alpha pasting (numpy and torch).

Conventions used by the whole book:

* Coordinates are *normalised canvas units*: ``x`` is a fraction of the canvas width and
  ``y`` a fraction of its height, both in [0, 1], origin at the top-left corner.
* A :class:`Placement` ``(x, y, scale)`` puts the foreground's **anchor**, the bottom-centre
  of its bounding box (the feet of a standing person), at ``(x, y)``; ``scale`` is the
  foreground's height as a fraction of the canvas height. The paper's search space
  ``(x, y, scale)`` (Section 4.1) is exactly this triple.
* A *sprite* is a tightly cropped foreground, ``(h, w, 4)`` RGBA with straight alpha,
  values in [0, 1] (or uint8). Pasting resamples the sprite once, bilinearly, with the
  pixel-centre convention of ``torch.nn.functional.grid_sample(align_corners=False)``, on
  premultiplied colour, so :func:`paste` and :func:`paste_torch` agree to float precision
  (see ``tests/test_compose.py`` for the tolerance) and the torch version is differentiable
  in ``(x, y, scale)``.

Shown in chapter 1 (the composites of the dataset) and chapter 4 (the placements searched).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

# torch is imported inside the functions that use it, so a module that only needs placements or
# boxes does not import it (nor leaves a lazy stand-in in sys.modules, which matplotlib probes).

__all__ = [
    "CUT_SHARE", "PLACEMENT_KEYS", "Placement", "alpha_extent", "as_float_image", "box_iou", "cut_at_bottom", "box_width", "composite", "image_to_tensor", "paste", "paste_torch", "placement_box", "placement_theta",
    "premultiply", "reduce_sprite", "render_foreground", "render_foreground_torch", "sprite_width", "unpremultiply",
]


#: The names of a placement's three numbers, in order (JSON keys, table columns, sliders).
PLACEMENT_KEYS = ("x", "y", "scale")


@dataclass(frozen=True)
class Placement:
    """Where a foreground stands: anchor ``(x, y)`` (bottom-centre) and ``scale``.

    ``scale`` is the foreground's height as a fraction of the canvas height.
    """

    x: float
    y: float
    scale: float

    def __post_init__(self) -> None:
        for name in PLACEMENT_KEYS:
            v = getattr(self, name)
            if not isinstance(v, (int, float, np.floating, np.integer)) or not math.isfinite(v):
                raise ValueError(f"Placement.{name} must be a finite number, got {v!r}")
        if self.scale <= 0:
            raise ValueError(f"Placement.scale must be > 0, got {self.scale}")

    def moved(self, dx: float, dy: float, ratio: float) -> "Placement":
        """The placement shifted by ``(dx, dy)`` and scaled by ``ratio`` about its anchor."""
        return Placement(float(self.x + dx), float(self.y + dy), float(self.scale * ratio))

    def distance(self, other: "Placement") -> float:
        """Euclidean distance between two anchors, in normalised canvas units."""
        return float(math.hypot(self.x - other.x, self.y - other.y))

    def as_tuple(self) -> tuple[float, float, float]:
        """``(x, y, scale)`` as Python floats."""
        return (float(self.x), float(self.y), float(self.scale))

    def as_array(self) -> np.ndarray:
        """``(1, 3)`` float64: the placement as the one row that the batched scorers take."""
        return np.array([self.as_tuple()], np.float64)

    def to_dict(self, digits: int | None = None) -> dict[str, float]:
        """``{"x": ..., "y": ..., "scale": ...}`` for JSON, rounded to ``digits`` when given.

        >>> Placement(0.5, 0.9, 0.25).to_dict()
        {'x': 0.5, 'y': 0.9, 'scale': 0.25}
        """
        return {k: (v if digits is None else round(v, digits)) for k, v in zip(PLACEMENT_KEYS, self.as_tuple())}

    @classmethod
    def of(cls, xyz) -> "Placement":
        """A placement from any three numbers ``(x, y, scale)``: a list, a numpy row, a tensor row, a dict.

        >>> Placement.of(np.array([0.5, 0.9, 0.25]))
        Placement(x=0.5, y=0.9, scale=0.25)
        >>> Placement.of({"x": 0.5, "y": 0.9, "scale": 0.25}) == Placement(0.5, 0.9, 0.25)
        True
        """
        if isinstance(xyz, dict):
            xyz = [xyz[k] for k in PLACEMENT_KEYS]
        values = [float(v) for v in xyz]
        if len(values) != 3:
            raise ValueError(f"a placement is three numbers (x, y, scale), got {len(values)}")
        return cls(*values)


def as_float_image(img: np.ndarray, channels: int, what: str) -> np.ndarray:
    """``img`` as float32 in [0, 1]: uint8 is scaled; a float image must already lie in [0, 1]."""
    img = np.asarray(img)
    if img.ndim != 3 or img.shape[2] != channels:
        raise ValueError(f"{what} must have shape (H, W, {channels}), got {img.shape}")
    if img.shape[0] == 0 or img.shape[1] == 0:
        raise ValueError(f"{what} is empty: {img.shape[0]} x {img.shape[1]} pixels")
    if img.dtype == np.uint8:
        return img.astype(np.float32) / 255.0
    if not np.issubdtype(img.dtype, np.floating):
        raise ValueError(f"{what} must be uint8 or float in [0, 1], got dtype {img.dtype}")
    lo, hi = float(np.min(img)), float(np.max(img))
    if not (lo >= -1e-6 and hi <= 1 + 1e-6):  # also false for NaN
        raise ValueError(f"{what} must be uint8 or float in [0, 1], got float values in [{lo:g}, {hi:g}]")
    return img.astype(np.float32, copy=False)


def premultiply(rgba: np.ndarray) -> np.ndarray:
    """``(..., 4)`` straight RGBA -> premultiplied (colour times alpha)."""
    return np.concatenate([rgba[..., :3] * rgba[..., 3:], rgba[..., 3:]], axis=-1)


def unpremultiply(pre: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """``(..., 4)`` premultiplied RGBA -> straight, colour clipped to [0, 1] (0 where alpha <= ``eps``)."""
    a = pre[..., 3:]
    rgb = np.where(a > eps, pre[..., :3] / np.maximum(a, eps), 0.0)
    return np.concatenate([np.clip(rgb, 0, 1), a], axis=-1)


def image_to_tensor(image: np.ndarray) -> torch.Tensor:
    """An ``(H, W, C)`` image array as a ``(1, C, H, W)`` tensor of the same dtype, sharing its memory
    where it is contiguous (kornia's ``image_to_tensor`` for one image).

    >>> tuple(image_to_tensor(np.zeros((4, 6, 3), np.float32)).shape)
    (1, 3, 4, 6)
    """
    import torch

    return torch.from_numpy(np.ascontiguousarray(image)).permute(2, 0, 1)[None]


def reduce_sprite(sprite: np.ndarray, max_height: int) -> np.ndarray:
    """A straight-alpha RGBA sprite ``(h, w, 4)`` float reduced to at most ``max_height`` rows.

    A sprite is drawn at most as tall as the canvas, so detail beyond the canvas's height is
    never seen; a full-resolution photo's sprite would only cost memory in every placement
    rendered. The reduction averages premultiplied colour (area resampling), so no dark fringe
    appears at the edge; a sprite already small enough is returned unchanged.
    """
    import torch

    h, w = sprite.shape[:2]
    if max_height < 1:
        raise ValueError(f"max_height must be >= 1, got {max_height}")
    if h <= max_height:
        return sprite
    size = (max_height, max(1, round(w * max_height / h)))
    pre = image_to_tensor(premultiply(np.asarray(sprite, np.float32)))
    small = torch.nn.functional.interpolate(pre, size=size, mode="area")[0].permute(1, 2, 0).numpy()
    return np.ascontiguousarray(unpremultiply(small).astype(np.float32))


def box_width(scale, aspect, canvas_hw: tuple[int, int] = (1, 1)):
    """Width of a box of height ``scale`` and width/height ``aspect``, as a fraction of the canvas width.

    ``canvas_hw`` matters only for a canvas that is not square (fractions of its height and width).
    """
    H, W = canvas_hw
    return scale * aspect * (H / W)


def sprite_width(sprite_hw: tuple[int, int], scale, canvas_hw: tuple[int, int]):
    """Width of a pasted sprite as a fraction of the canvas width (``scale`` a number or a tensor):
    the one formula of a sprite's width, used wherever a box is drawn."""
    (h, w), (H, W) = sprite_hw, canvas_hw
    return scale * (H / W) * (w / h)


def placement_box(
    sprite_hw: tuple[int, int], placement: Placement, canvas_hw: tuple[int, int]
) -> np.ndarray:
    """Bounding box ``(x0, y0, x1, y1)`` of a pasted sprite, normalised canvas units.

    The box stands on the anchor ``(x, y)`` (its bottom centre), ``scale`` of the canvas tall,
    as wide as the sprite's aspect makes it. A 100 x 50 sprite, feet at the bottom centre, half
    the height of a square canvas:

    >>> placement_box((100, 50), Placement(0.5, 1.0, 0.5), (100, 100)).tolist()
    [0.375, 0.5, 0.625, 1.0]
    """
    sw = sprite_width(sprite_hw, placement.scale, canvas_hw)
    return np.array(
        [placement.x - sw / 2, placement.y - placement.scale, placement.x + sw / 2, placement.y],
        dtype=np.float64,
    )


def alpha_extent(alpha: np.ndarray, threshold: float = 0.05) -> tuple[tuple[slice, slice], Placement] | None:
    """The tight box of ``alpha > threshold`` in an ``(H, W)`` frame and the placement of that box.

    Returns ``((rows, cols), placement)`` (array slices of the box; its bottom centre and height
    as fractions of the frame), or ``None`` when no pixel is above the threshold. The inverse of
    :func:`render_foreground` for a person cut out where they stood.
    """
    ys, xs = np.nonzero(alpha > threshold)
    if not len(ys):
        return None
    H, W = alpha.shape
    y0, y1, x0, x1 = int(ys.min()), int(ys.max()) + 1, int(xs.min()), int(xs.max()) + 1
    return (slice(y0, y1), slice(x0, x1)), Placement((x0 + x1) / 2 / W, y1 / H, (y1 - y0) / H)


#: A person is cut by the frame's bottom edge when one unbroken run of their alpha in the frame's
#: last row spans at least this share of their widest row (a torso does; feet do not).
CUT_SHARE = 0.5


def _longest_run(row: np.ndarray) -> int:
    """The length of the longest run of True in a 1-d bool array."""
    padded = np.concatenate([[0], row.astype(np.int8), [0]])
    edges = np.flatnonzero(np.diff(padded))
    return int((edges[1::2] - edges[::2]).max(initial=0))


def cut_at_bottom(alpha: np.ndarray, threshold: float = 0.5, share: float = CUT_SHARE) -> bool:
    """Whether the frame's bottom edge cuts the person of a full-frame ``(H, W)`` alpha.

    A half-length portrait, the commonest photo of a person, ends at the photo's bottom edge
    across the torso: in the last row, one unbroken run of ``alpha > threshold`` spans at least
    ``share`` of the person's widest row. A standing person whose feet touch the edge does not
    (two feet, or feet together, are narrower than half the shoulders and arms). Only a
    full-frame cut-out can tell: a tight crop always ends at its last row.
    """
    a = np.asarray(alpha) > threshold
    if a.ndim != 2 or not a.any():
        return False
    widest = max(_longest_run(r) for r in a[np.flatnonzero(a.any(1))])
    return _longest_run(a[-1]) >= share * widest


def box_iou(a: np.ndarray, b: np.ndarray) -> np.ndarray | float:
    """Intersection over union of boxes ``(..., 4)`` as ``(x0, y0, x1, y1)``; broadcasts.

    >>> float(box_iou(np.array([0, 0, 1, 1.0]), np.array([0.5, 0, 1.5, 1])))  # half overlap: 0.5 / 1.5
    0.3333333333333333
    """
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape[-1] != 4 or b.shape[-1] != 4:
        raise ValueError(f"boxes must end in 4 coordinates, got {a.shape} and {b.shape}")
    iw = np.clip(np.minimum(a[..., 2], b[..., 2]) - np.maximum(a[..., 0], b[..., 0]), 0, None)
    ih = np.clip(np.minimum(a[..., 3], b[..., 3]) - np.maximum(a[..., 1], b[..., 1]), 0, None)
    inter = iw * ih
    area = lambda z: np.clip(z[..., 2] - z[..., 0], 0, None) * np.clip(z[..., 3] - z[..., 1], 0, None)
    union = area(a) + area(b) - inter
    out = np.where(union > 0, inter / np.where(union > 0, union, 1.0), 0.0)
    return float(out) if out.ndim == 0 else out


def _check_fits(sprite_hw: tuple[int, int], placement: Placement, canvas_hw: tuple[int, int]) -> None:
    x0, y0, x1, y1 = placement_box(sprite_hw, placement, canvas_hw)
    if (x1 - x0) > 1 + 1e-9 or (y1 - y0) > 1 + 1e-9:
        H, W = canvas_hw
        raise ValueError(
            f"foreground larger than the canvas: a {sprite_hw[0]}x{sprite_hw[1]} sprite at scale "
            f"{placement.scale:.3f} covers {(y1 - y0) * H:.0f}x{(x1 - x0) * W:.0f} px on a {H}x{W} canvas"
        )


def render_foreground(
    sprite: np.ndarray, placement: Placement, canvas_hw: tuple[int, int]
) -> np.ndarray:
    """Resample a sprite onto an empty canvas: the paper's F (or a moved F').

    Args:
        sprite: ``(h, w, 4)`` RGBA, straight alpha, uint8 or float in [0, 1].
        placement: where the sprite's anchor goes.
        canvas_hw: ``(H, W)`` of the canvas.

    Returns:
        ``(H, W, 4)`` float32 RGBA with **premultiplied** colour (RGB on black).

    Raises:
        ValueError: if the sprite's alpha is empty or it is larger than the canvas.
    """
    spr = as_float_image(sprite, 4, "sprite")
    if float(spr[..., 3].max(initial=0.0)) <= 0.0:
        raise ValueError("foreground alpha is empty: nothing to paste")
    h, w = spr.shape[:2]
    H, W = canvas_hw
    _check_fits((h, w), placement, canvas_hw)
    pre = premultiply(spr)
    out = np.zeros((H, W, 4), np.float32)
    x0, y0, x1, y1 = placement_box((h, w), placement, canvas_hw)
    r0, r1 = max(0, int(math.floor(y0 * H)) - 1), min(H, int(math.ceil(y1 * H)) + 1)
    c0, c1 = max(0, int(math.floor(x0 * W)) - 1), min(W, int(math.ceil(x1 * W)) + 1)
    if r0 >= r1 or c0 >= c1:
        return out  # entirely off the canvas
    rows = (np.arange(r0, r1) + 0.5) / H
    cols = (np.arange(c0, c1) + 0.5) / W
    # canvas pixel centre -> sprite pixel index (same map as paste_torch's affine grid)
    si = (rows - y0) / (y1 - y0) * h - 0.5
    sj = (cols - x0) / (x1 - x0) * w - 0.5
    # the map is axis-aligned, so bilinear sampling is separable: rows, then columns
    wr, wc = _linear_weights(si, h), _linear_weights(sj, w)
    tmp = (wr @ pre.reshape(h, w * 4)).reshape(len(si), w, 4)  # (rows, w, 4)
    out[r0:r1, c0:c1] = np.matmul(wc, tmp)  # (cols, w) @ (rows, w, 4) -> (rows, cols, 4)
    return out


def _linear_weights(coords: np.ndarray, n: int) -> np.ndarray:
    """``(len(coords), n)`` matrix of 1-D linear interpolation weights, zero outside [0, n).

    Row ``k`` samples position ``coords[k]`` (in pixel-index units) of a length-``n``
    signal padded with zeros: the 1-D factor of ``grid_sample(padding_mode="zeros")``.
    """
    i0 = np.floor(coords).astype(np.int64)
    f = (coords - i0).astype(np.float32)
    out = np.zeros((len(coords), n), np.float32)
    k = np.arange(len(coords))
    for idx, wgt in ((i0, 1.0 - f), (i0 + 1, f)):
        ok = (idx >= 0) & (idx < n)
        out[k[ok], idx[ok]] = wgt[ok]
    return out


def composite(background: np.ndarray, foreground: np.ndarray) -> np.ndarray:
    """Alpha-blend a premultiplied ``(H, W, 4)`` foreground over a ``(H, W, 3)`` background."""
    bg = as_float_image(background, 3, "background")
    fg = as_float_image(foreground, 4, "foreground")
    if bg.shape[:2] != fg.shape[:2]:
        raise ValueError(f"background {bg.shape[:2]} and foreground {fg.shape[:2]} differ in size")
    return fg[..., :3] + (1.0 - fg[..., 3:]) * bg


def paste(background: np.ndarray, sprite: np.ndarray, placement: Placement) -> np.ndarray:
    """Paste an RGBA sprite on a background at a placement (alpha blending).

    Args:
        background: ``(H, W, 3)`` uint8 or float in [0, 1].
        sprite: ``(h, w, 4)`` RGBA, straight alpha.
        placement: anchor and scale of the sprite.

    Returns:
        ``(H, W, 3)`` float32 composite in [0, 1].
    """
    bg = as_float_image(background, 3, "background")
    return composite(bg, render_foreground(sprite, placement, bg.shape[:2]))


def placement_theta(
    x: torch.Tensor, y: torch.Tensor, scale: torch.Tensor, sprite_hw: tuple[int, int], canvas_hw: tuple[int, int]
) -> torch.Tensor:
    """Affine ``theta`` ``(B, 2, 3)`` mapping canvas grid coordinates to sprite coordinates.

    With ``align_corners=False`` both grids span [-1, 1] edge to edge, so a canvas point
    ``u = (cx + 1) / 2`` lands on sprite fraction ``(u - left) / width``.
    """
    import torch

    (h, w), (H, W) = sprite_hw, canvas_hw
    sw = sprite_width((h, w), scale, (H, W))
    left, top = x - sw / 2, y - scale
    zero = torch.zeros_like(x)
    row0 = torch.stack([1 / sw, zero, (1 - 2 * left) / sw - 1], dim=-1)
    row1 = torch.stack([zero, 1 / scale, (1 - 2 * top) / scale - 1], dim=-1)
    return torch.stack([row0, row1], dim=-2)


def _check_placement_tensors(x: torch.Tensor, y: torch.Tensor, scale: torch.Tensor) -> None:
    """Refuse non-finite placements and non-positive scales (they give NaN or mirrored images)."""
    import torch

    with torch.no_grad():
        if not (torch.isfinite(x).all() and torch.isfinite(y).all() and torch.isfinite(scale).all()):
            raise ValueError("placement x, y and scale must be finite")
        if not (scale > 0).all():
            raise ValueError(f"placement scale must be > 0, got {float(scale.min()):g}")


def render_foreground_torch(
    sprite: torch.Tensor,
    x: torch.Tensor,
    y: torch.Tensor,
    scale: torch.Tensor,
    canvas_hw: tuple[int, int],
) -> torch.Tensor:
    """Differentiable :func:`render_foreground`: ``(B, 4, h, w)`` straight RGBA -> ``(B, 4, H, W)``.

    The result has premultiplied colour. ``x``, ``y``, ``scale`` are ``(B,)`` tensors and
    may require grad.
    """
    import torch

    if sprite.ndim != 4 or sprite.shape[1] != 4:
        raise ValueError(f"sprite must have shape (B, 4, h, w), got {tuple(sprite.shape)}")
    _check_placement_tensors(x, y, scale)
    pre = torch.cat([sprite[:, :3] * sprite[:, 3:], sprite[:, 3:]], dim=1)
    theta = placement_theta(x, y, scale, tuple(sprite.shape[-2:]), canvas_hw).to(sprite.dtype)
    grid = torch.nn.functional.affine_grid(theta, [sprite.shape[0], 4, *canvas_hw], align_corners=False)
    return torch.nn.functional.grid_sample(pre, grid, mode="bilinear", padding_mode="zeros", align_corners=False)


def paste_torch(
    background: torch.Tensor,
    sprite: torch.Tensor,
    x: torch.Tensor,
    y: torch.Tensor,
    scale: torch.Tensor,
) -> torch.Tensor:
    """Differentiable :func:`paste`: ``(B, 3, H, W)`` background, ``(B, 4, h, w)`` sprite.

    Returns the ``(B, 3, H, W)`` composite; gradients flow to ``x``, ``y`` and ``scale``
    through ``affine_grid``/``grid_sample``.
    """
    import torch

    if background.ndim != 4 or background.shape[1] != 3:
        raise ValueError(f"background must have shape (B, 3, H, W), got {tuple(background.shape)}")
    fg = render_foreground_torch(sprite, x, y, scale, tuple(background.shape[-2:]))
    return fg[:, :3] + (1 - fg[:, 3:]) * background
