"""The camera and the ground of a scene: where the horizon is, how high the camera stands, where one can walk.

The paper's photos share no geometry: the horizon sits anywhere, the camera is high or low, and
the ground in front is often water, furniture or a wall. A :class:`Geometry` states the ranges a
scene's camera is drawn from and the layouts of its ground:

* the horizon ``y_h`` (camera pitch), uniform in ``horizon``;
* the camera's height, as the height ``k (1 - y_h)`` of a person with feet at the bottom edge,
  log-uniform in ``bottom_height`` (a quarter of the canvas: a high camera; over 1: a low one);
  the camera rule's factor ``k`` follows (:func:`draw_camera`);
* one ground layout of :data:`LAYOUTS` (where the place's obstacle, water or furniture, covers
  the ground, :func:`draw_layout`);
* posts of standard height (:data:`POST_HEIGHT` people), drawn by the same camera rule: the cue
  that shows how high the camera stands (:func:`draw_posts`).

:data:`WORLD_GEOMETRY` is the world of the book; :data:`NARROW_GEOMETRY` the world of earlier
versions (each place's own narrow horizon band, ``k`` near 1, open ground, no posts), kept to
show in chapter 1 that one fixed placement solved it.

Shown in chapter 1.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from ..config import check_types, strict_from_dict
from ..labels import STANDARD_HEIGHTS

__all__ = ["GEOMETRIES", "Geometry", "LAYOUTS", "MAX_CAMERA_K", "NARROW_GEOMETRY", "PERSON_HEIGHTS", "POST_HEIGHT", "WORLD_GEOMETRY", "WORLD_VERSION", "draw_camera",
           "draw_layout", "draw_posts", "fill_poly"]

#: Version of the world's rules, recorded with every rendered source: a dataset resumed after the world
#: changed renders its sources again (1: the narrow world of earlier versions; 2: varied geometry, posts).
WORLD_VERSION = 2
#: Ground layouts: where the place's obstacle (water, rock, furniture, ...) covers the ground.
LAYOUTS: tuple[str, ...] = ("open", "foreground", "one_side", "path", "patches", "far_shore")
#: Height of a post (lamp post, pillar) in standard people: it stands by the camera rule.
POST_HEIGHT = STANDARD_HEIGHTS["post"]
#: Heights (fractions of the canvas) of the people of the world's photos: every scene leaves room for one.
PERSON_HEIGHTS = (0.2, 0.8)
#: The largest camera factor drawn from a bottom height (a camera a sixth of a person's height up).
MAX_CAMERA_K = 6.0
_HORIZON_BOUNDS = (0.05, 0.9)
_BOTTOM_BOUNDS = (0.1, 4.0)
_K_BOUNDS = (0.1, 10.0)
_MAX_POSTS = 8


def _check_range(name: str, r: tuple[float, float] | None, bounds: tuple[float, float]) -> None:
    if r is None:
        return
    if len(r) != 2:
        raise ValueError(f"{name} must be a [low, high] pair, got {list(r)}")
    lo, hi = r
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise ValueError(f"{name} must be finite, got {list(r)}")
    if lo > hi:
        raise ValueError(f"{name}: the low bound {lo} is above the high bound {hi}")
    if lo < bounds[0] or hi > bounds[1]:
        raise ValueError(f"{name} must lie within [{bounds[0]}, {bounds[1]}], got {list(r)}")


@dataclass(frozen=True)
class Geometry:
    """The ranges a scene's camera and ground are drawn from (see the module docstring)."""

    #: range of the horizon y_h (fraction of the canvas from the top); None: each place's own band
    horizon: tuple[float, float] | None = (0.15, 0.8)
    #: range of the height of a person with feet at the bottom edge, drawn log-uniformly
    bottom_height: tuple[float, float] | None = (0.25, 2.5)
    #: range of the camera rule's factor k, drawn uniformly (used when bottom_height is None)
    camera_k: tuple[float, float] | None = None
    #: the ground layouts a scene draws from (uniformly)
    layouts: tuple[str, ...] = LAYOUTS
    #: how many posts of standard height stand in a scene, low and high
    posts: tuple[int, int] = (2, 4)

    def __post_init__(self) -> None:
        check_types(self)
        _check_range("horizon", self.horizon, _HORIZON_BOUNDS)
        _check_range("bottom_height", self.bottom_height, _BOTTOM_BOUNDS)
        _check_range("camera_k", self.camera_k, _K_BOUNDS)
        if (self.bottom_height is None) == (self.camera_k is None):
            raise ValueError("give exactly one of bottom_height and camera_k")
        if not self.layouts:
            raise ValueError(f"layouts must name at least one of {LAYOUTS}")
        if bad := [v for v in self.layouts if v not in LAYOUTS]:
            raise ValueError(f"layouts: unknown layout {bad[0]!r}; choose from {', '.join(LAYOUTS)}")
        _check_range("posts", self.posts, (0, _MAX_POSTS))

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Geometry":
        d = {k: tuple(v) if isinstance(v, list) else v for k, v in d.items()}
        return strict_from_dict(cls, d, "world geometry")


WORLD_GEOMETRY = Geometry()
NARROW_GEOMETRY = Geometry(horizon=None, bottom_height=None, camera_k=(0.95, 1.15), layouts=("open",), posts=(0, 0))
#: The named geometries: ``"varied"`` (the book's world) and ``"narrow"`` (earlier versions).
GEOMETRIES = {"varied": WORLD_GEOMETRY, "narrow": NARROW_GEOMETRY}


def draw_camera(geometry: Geometry, place_band: tuple[float, float], rng: np.random.Generator) -> tuple[float, float]:
    """Draw a scene's horizon ``y_h`` and camera factor ``k`` (``place_band``: the place's own horizon band).

    The bottom height is drawn log-uniformly up to ``MAX_CAMERA_K (1 - y_h)`` at most: a camera so
    low leaves people of :data:`PERSON_HEIGHTS` a band of feet rows under a tenth of the canvas.
    """
    hz = float(rng.uniform(*(geometry.horizon or place_band)))
    if geometry.bottom_height is not None:
        lo, hi = geometry.bottom_height
        hi = max(lo, min(hi, MAX_CAMERA_K * (1.0 - hz)))
        return hz, float(math.exp(rng.uniform(math.log(lo), math.log(hi)))) / (1.0 - hz)
    return hz, float(rng.uniform(*geometry.camera_k))


def fill_poly(img: np.ndarray, pts: np.ndarray, value: int) -> None:
    """Fill a polygon given in normalised ``(x, y)`` coordinates (pixel centres, 4 fractional bits)."""
    H, W = img.shape[:2]
    p = np.round((np.asarray(pts) * np.array([W, H]) - 0.5) * 16).astype(np.int32)
    cv2.fillPoly(img, [p], int(value), cv2.LINE_8, shift=4)


def _ellipse(img: np.ndarray, cx: float, cy: float, rx: float, ry: float, value: int) -> None:
    H, W = img.shape
    centre = (int(round((cx * W - 0.5) * 16)), int(round((cy * H - 0.5) * 16)))
    axes = (max(16, int(rx * W * 16)), max(16, int(ry * H * 16)))
    cv2.ellipse(img, centre, axes, 0, 0, 360, int(value), -1, cv2.LINE_8, shift=4)


def draw_layout(lab: np.ndarray, layout: str, hz: float, k: float, ground: int, obstacle: int,
                rng: np.random.Generator) -> None:
    """Cover part of the ground (rows below ``hz``) with ``obstacle`` following ``layout``.

    ``foreground``: a band along the bottom edge; ``one_side``: the ground on one side;
    ``path``: everything but a path of ``ground`` from the far ground to the bottom edge;
    ``patches``: two to five pools or tables, sized by the camera rule ``k``; ``far_shore``: a
    band below the horizon (a lake, a far shore), walkable ground in front.
    """
    g = 1.0 - hz
    if layout == "foreground":
        a, b = 1 - g * rng.uniform(0.2, 0.45), 1 - g * rng.uniform(0.2, 0.45)
        fill_poly(lab, np.array([[0, a], [1, b], [1, 1.01], [0, 1.01]]), obstacle)
    elif layout == "one_side":
        e, far = rng.uniform(0.35, 0.65), rng.uniform(0.3, 0.6)
        xs = np.array([[0, hz], [e * far, hz], [e, 1.01], [0, 1.01]])
        fill_poly(lab, xs if rng.random() < 0.5 else np.stack([1 - xs[:, 0], xs[:, 1]], 1), obstacle)
    elif layout == "path":
        fill_poly(lab, np.array([[0, hz], [1, hz], [1, 1.01], [0, 1.01]]), obstacle)
        top, bottom, w = rng.uniform(0.3, 0.7), rng.uniform(0.15, 0.85), rng.uniform(0.08, 0.25)
        y0 = hz + g * rng.uniform(0.05, 0.2)
        fill_poly(lab, np.array([[top - 0.03, y0], [top + 0.03, y0], [bottom + w, 1.01], [bottom - w, 1.01]]), ground)
    elif layout == "patches":
        for _ in range(rng.integers(2, 6)):
            cy = hz + g * rng.uniform(0.15, 0.95)
            r = min(0.2, k * (cy - hz) * rng.uniform(0.3, 0.6))
            _ellipse(lab, rng.uniform(0.05, 0.95), cy, r * 1.4, r * 0.5, obstacle)
    elif layout == "far_shore":
        a, b = hz + g * rng.uniform(0.3, 0.6), hz + g * rng.uniform(0.3, 0.6)
        fill_poly(lab, np.array([[0, hz], [1, hz], [1, b], [0, a]]), obstacle)
    elif layout != "open":
        raise ValueError(f"unknown layout {layout!r}; choose from {', '.join(LAYOUTS)}")


def _post_feet_bound(hz: float, k: float) -> float:
    """The lowest feet row whose post still shows its top (``y - POST_HEIGHT k (y - y_h) >= 0.02``)."""
    rk = POST_HEIGHT * k
    return 1.0 if rk <= 1 else min(1.0, (rk * hz - 0.02) / (rk - 1))


def draw_posts(lab: np.ndarray, n: int, hz: float, k: float, post: int, rng: np.random.Generator) -> list[tuple]:
    """Draw ``n`` posts of :data:`POST_HEIGHT` people on the ground by the camera rule.

    Feet rows are spread over the depth (one stratum each), so that two posts give the
    camera rule's slope; each post's top stays on the canvas where the camera allows.
    Returns the posts as ``(x, feet_y, height)`` in normalised units.
    """
    lo, hi = hz + 0.1 * (1 - hz), max(hz + 0.05 * (1 - hz), _post_feet_bound(hz, k))
    lo = min(lo, hi - 0.02)
    out = []
    for i, j in enumerate(rng.permutation(n)):
        y = float(lo + (hi - lo) * (j + rng.uniform(0.1, 0.9)) / n)
        x = float(rng.uniform(0.04, 0.96))
        h = POST_HEIGHT * k * (y - hz)
        w = 0.02 + 0.04 * h
        fill_poly(lab, np.array([[x - w / 2, y - h], [x + w / 2, y - h], [x + w / 2, y], [x - w / 2, y]]), post)
        out.append((x, y, h))
    return out
