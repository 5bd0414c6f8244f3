"""The world's oracle: is a placement physically plausible, does an outfit fit a place?

The book's placement and retrieval measures use it; it never makes a training label.

Shown in chapter 1; it judges the placements of chapters 2 to 5.
"""
from __future__ import annotations

import numpy as np

from ..compose import Placement, box_width
from .geometry import PERSON_HEIGHTS
from .labels import LABELS, WALKABLE, WALKABLE_LABELS
from .people import ASPECT, COMPATIBLE
from .places import PLACE_SPECS, Scene

__all__ = ["CANVAS_MARGIN", "HEIGHT_TOLERANCE", "compatible", "implausible_reasons", "is_plausible",
           "perspective_height", "plausible_mask", "sample_placement"]

#: Oracle tolerance on the person's height relative to the camera-height rule.
HEIGHT_TOLERANCE = 0.25
#: Oracle tolerance on how far the person's box may leave the canvas (normalised units).
CANVAS_MARGIN = 0.02



def perspective_height(scene: Scene, y: np.ndarray | float) -> np.ndarray | float:
    """Height (fraction of canvas) of a standing person with feet at ``y``: ``camera_k (y - y_h)``.

    The camera rule: people shrink towards the horizon ``y_h``, in proportion to the distance
    of their feet below it. Only ``scene.camera_k`` and ``scene.horizon`` are read:

    >>> from types import SimpleNamespace
    >>> float(perspective_height(SimpleNamespace(camera_k=1.2, horizon=0.4), 0.9))
    0.6
    """
    return scene.camera_k * (np.asarray(y, np.float64) - scene.horizon)


def plausible_mask(
    scene: Scene, x: np.ndarray, y: np.ndarray, scale: np.ndarray, aspect: float = ASPECT
) -> np.ndarray:
    """Vectorised oracle: which placements ``(x, y, scale)`` are physically plausible.

    A placement is plausible when all three hold:

    1. the anchor (feet) lies below the horizon, on a walkable label;
    2. ``|scale / perspective_height(y) - 1| <= HEIGHT_TOLERANCE`` (0.25, which covers the
       people's own height spread of +-8%);
    3. the person's box leaves the canvas by at most ``CANVAS_MARGIN`` (0.02) on any side.
    """
    x, y, scale = np.broadcast_arrays(*(np.asarray(v, np.float64) for v in (x, y, scale)))
    H, W = scene.labels.shape
    col = np.clip((x * W).astype(np.int64), 0, W - 1)
    row = np.clip((y * H - 0.5).astype(np.int64), 0, H - 1)
    on_ground = WALKABLE[scene.labels[row, col]] & (y > scene.horizon) & (y <= 1 + CANVAS_MARGIN) & (x >= 0) & (x <= 1)
    ph = perspective_height(scene, y)
    with np.errstate(divide="ignore", invalid="ignore"):
        height_ok = (ph > 0) & (np.abs(scale / np.where(ph > 0, ph, 1) - 1) <= HEIGHT_TOLERANCE)
    half_w = box_width(scale, aspect, (H, W)) / 2
    inside = (x - half_w >= -CANVAS_MARGIN) & (x + half_w <= 1 + CANVAS_MARGIN) & (y - scale >= -CANVAS_MARGIN)
    return on_ground & height_ok & inside


def implausible_reasons(scene: Scene, placement: Placement, aspect: float = ASPECT) -> list[str]:
    """Which of the oracle's rules a placement breaks (an empty list: plausible), in words."""
    x, y, s = placement.as_tuple()
    H, W = scene.labels.shape
    reasons = []
    label = LABELS[scene.labels[min(H - 1, max(0, int(y * H - 0.5))), min(W - 1, max(0, int(x * W)))]]
    if y <= scene.horizon:
        reasons.append("feet above the horizon")
    elif label not in WALKABLE_LABELS:
        reasons.append(f"feet on {label}, not walkable")
    ph = float(perspective_height(scene, y))
    if ph > 0 and abs(s / ph - 1) > HEIGHT_TOLERANCE:
        reasons.append(f"{'too tall' if s > ph else 'too small'} for where the feet are ({s / ph:.2f} x the camera rule)")
    half = box_width(s, aspect, (H, W)) / 2
    if x - half < -CANVAS_MARGIN or x + half > 1 + CANVAS_MARGIN or y - s < -CANVAS_MARGIN or y > 1 + CANVAS_MARGIN:
        reasons.append("leaves the canvas")
    return reasons


def is_plausible(scene: Scene, placement: Placement) -> bool:
    """The placement oracle for one placement (see :func:`plausible_mask` for the rules)."""
    return bool(plausible_mask(scene, placement.x, placement.y, placement.scale))


def compatible(outfit: str, place: str) -> bool:
    """The content oracle: does this outfit fit this place (:data:`COMPATIBLE`)?"""
    if outfit not in COMPATIBLE:
        raise ValueError(f"unknown outfit {outfit!r}")
    if place not in PLACE_SPECS:
        raise ValueError(f"unknown place {place!r}")
    return place in COMPATIBLE[outfit]


_NUDGE = np.array([[0, 0], [-1, 0], [1, 0], [0, -1], [0, 1]], np.float64)


def sample_placement(
    scene: Scene, rng: np.random.Generator, height_factor: float = 1.0, min_scale: float = PERSON_HEIGHTS[0],
    max_scale: float = PERSON_HEIGHTS[1], tries: int = 2000, margin: float = 1 / 32,
) -> Placement:
    """Draw a plausible placement: feet on walkable ground, height by the camera rule.

    Feet rows are drawn uniformly where the person's height (``height_factor`` times the camera
    rule) lies between ``min_scale`` and ``max_scale`` of the canvas (the paper's photos show
    people large in frame), then ``x`` uniformly; a draw is kept when the oracle accepts it with
    the feet moved by ``margin`` in each direction too, so that it stays plausible at any
    resolution whose pixels are no larger than about half the margin (where ``tries`` draws find
    none, the margin is halved, then dropped). Raises ``RuntimeError`` if none is found.
    """
    k = scene.camera_k * height_factor
    lo = scene.horizon + min_scale / k
    hi = min(1.0, scene.horizon + max_scale / k)
    if k > 1:  # the head stays on the canvas: k (y - y_h) <= y + CANVAS_MARGIN
        hi = min(hi, (k * scene.horizon + CANVAS_MARGIN) / (k - 1))
    for m in (margin, margin / 2, 0.0):  # a narrow walkable region may not afford the full margin
        for _ in range(tries if lo < hi else 0):
            y = float(rng.uniform(lo, hi))
            scale = float(perspective_height(scene, y)) * height_factor
            half = scale * ASPECT / 2
            x = float(rng.uniform(half, 1 - half))
            xs, ys = x + m * _NUDGE[:, 0], y + m * _NUDGE[:, 1]
            if plausible_mask(scene, xs, ys, perspective_height(scene, ys) * height_factor).all():
                return Placement(x, y, scale)
    raise RuntimeError(f"no plausible placement of height {min_scale}..{max_scale} in this {scene.place!r} scene "
                       f"(horizon {scene.horizon:.2f}, camera factor {scene.camera_k:.2f}, layout {scene.layout!r})")
