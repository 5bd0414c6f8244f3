"""The feasible placements of a person on a canvas: the box inside the canvas, the scale in range.

Geometry shared by the placement search (:mod:`artlib.adjust`) and the placement map's training
(:mod:`artlib.train.placement_map`), so it sits below both. A placement is ``(x, y, scale)`` as in
:mod:`artlib.compose`: ``x`` the feet's centre and ``y`` the feet's row as fractions of the canvas,
``scale`` the person's height as a fraction of the canvas height. It is feasible when the box lies
inside the canvas (``scale * aspect / 2 <= x <= 1 - scale * aspect / 2``, ``scale <= y <= 1``) and
``scale_min <= scale <= scale_max``; with ``feet_at_bottom`` (a person the photo cut at its bottom
edge) ``y = 1``. With a ``camera`` rule ``(horizon, k)`` (a photo's, :func:`artlib.photos.read_camera`)
the scale must also lie within ``camera_factor`` of the rule's height at the feet, ``k (y -
horizon)``: the camera band, so that no search puts a person at several times the height of
the people around them. Every function here takes any settings object with those fields
(:class:`FeasibleSet`, :class:`artlib.adjust.AdjustConfig`); one without ``camera`` has no band.

Shown in chapter 4.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import numpy as np

from .compose import sprite_width

if TYPE_CHECKING:
    import torch

__all__ = ["FeasibleSet", "camera_band", "check_on_canvas", "full_grid", "in_band", "grid_placements", "project", "project_torch", "random_placements"]


@dataclass(frozen=True)
class FeasibleSet:
    """The range of placements a search considers (the defaults of :class:`artlib.adjust.AdjustConfig`)."""

    scale_min: float = 0.1
    scale_max: float = 0.9
    feet_at_bottom: bool = False
    camera: tuple[float, float] | None = None
    camera_factor: float = 1.3


class _Feasible(Protocol):
    scale_min: float
    scale_max: float
    feet_at_bottom: bool


class _Grid(_Feasible, Protocol):
    grid: tuple[int, int, int]


def check_on_canvas(placement, what: str = "start") -> None:
    """The one rule for a placement given from outside (a search's start, ``retouch --start``): on the
    canvas, ``x`` and ``y`` in [0, 1] and ``scale`` in (0, 1]. A search projects it onto the feasible
    set from there.

    Raises:
        ValueError: naming ``what`` and the bounds (NaN fails every bound).
    """
    x, y, s = (float(v) for v in placement.as_tuple())
    if not (0 <= x <= 1 and 0 <= y <= 1 and 0 < s <= 1):
        raise ValueError(f"{what} {(x, y, s)} is outside the canvas: need x, y in [0, 1] and scale in (0, 1]")


def _scale_high(aspect: float, cfg: _Feasible) -> float:
    """The largest feasible scale: ``scale_max``, or less where a wide sprite would not fit across."""
    return min(cfg.scale_max, 1.0 / max(aspect, 1e-6))


def _camera(cfg: _Feasible) -> tuple[float, float, float] | None:
    """``(horizon, k, factor)`` of the settings' camera band, or None."""
    cam = getattr(cfg, "camera", None)
    return None if cam is None else (float(cam[0]), float(cam[1]), float(getattr(cfg, "camera_factor", 1.3)))


def camera_band(y, cfg: _Feasible, aspect: float):
    """The scales ``(lo, hi)`` feasible at feet rows ``y`` (arrays or tensors alike): the scale range,
    narrowed by the camera band where the settings have one. ``lo > hi`` where no scale fits."""
    lo, hi = cfg.scale_min, _scale_high(aspect, cfg)
    cam = _camera(cfg)
    if cam is None:
        return lo + 0 * y, hi + 0 * y
    hz, k, f = cam
    h = k * (y - hz)
    return (h / f).clip(min=lo), (h * f).clip(max=hi)


def _lowest_feet(cfg: _Feasible) -> float:
    """The highest feet row (smallest ``y``) at which the band admits ``scale_min``."""
    cam = _camera(cfg)
    return cfg.scale_min if cam is None else max(cfg.scale_min, min(1.0, cam[0] + cfg.scale_min / (cam[1] * cam[2])))


def _project_camera(xyz: torch.Tensor, aspect: float, cfg: _Feasible) -> torch.Tensor:
    """:func:`project_torch` with a camera band: feet low enough for the band, then the scale into it,
    then the box inside the canvas (where the band wants a person taller than fits, the largest that does)."""
    import torch

    one = torch.ones_like(xyz[:, 1])
    y = one if cfg.feet_at_bottom else xyz[:, 1].clamp(_lowest_feet(cfg), 1.0)
    lo, hi = camera_band(y, cfg, aspect)
    s = torch.minimum(torch.maximum(xyz[:, 2], lo), torch.maximum(hi, one * cfg.scale_min))
    y = one if cfg.feet_at_bottom else torch.maximum(y, s)
    half = s * aspect / 2
    return torch.stack([torch.minimum(torch.maximum(xyz[:, 0], half), 1 - half), y, s], 1)


def project_torch(xyz: torch.Tensor, aspect: float, cfg: _Feasible) -> torch.Tensor:
    """Project ``(N, 3)`` placements onto the feasible set; ``aspect`` is the sprite's width at scale 1
    as a fraction of the canvas width (differentiable where not clamped)."""
    import torch

    if _camera(cfg) is not None:
        return _project_camera(xyz, aspect, cfg)
    s = xyz[:, 2].clamp(cfg.scale_min, _scale_high(aspect, cfg))
    half = s * aspect / 2
    x = torch.minimum(torch.maximum(xyz[:, 0], half), 1 - half)
    y = torch.ones_like(s) if cfg.feet_at_bottom else torch.minimum(torch.maximum(xyz[:, 1], s), torch.ones_like(s))
    return torch.stack([x, y, s], 1)


def project(placements: np.ndarray, sprite_hw: tuple[int, int], canvas_hw: tuple[int, int], cfg: _Feasible) -> np.ndarray:
    """Project ``(N, 3)`` placements ``(x, y, scale)`` onto the feasible set of a sprite and canvas."""
    import torch

    aspect = sprite_width(sprite_hw, 1.0, canvas_hw)
    return project_torch(torch.as_tensor(np.asarray(placements, np.float64)).reshape(-1, 3), aspect, cfg).numpy()


def random_placements(n: int, sprite_hw: tuple[int, int], canvas_hw: tuple[int, int], cfg: _Feasible,
                      rng: np.random.Generator) -> np.ndarray:
    """``(n, 3)`` random feasible placements: ``log s`` uniform, then ``y``, then ``x`` uniform (with a
    camera band: ``y`` uniform below the band's highest feet, then ``log s`` uniform in the band there)."""
    aspect = sprite_width(sprite_hw, 1.0, canvas_hw)
    if _camera(cfg) is not None:
        y = np.ones(n) if cfg.feet_at_bottom else rng.uniform(_lowest_feet(cfg), 1.0, n)
        lo, hi = camera_band(y, cfg, aspect)
        hi = np.maximum(hi, lo)
        s = np.exp(rng.uniform(np.log(lo), np.log(hi)))
        return project(np.stack([rng.uniform(0, 1, n), y, s], 1), sprite_hw, canvas_hw, cfg)
    s = np.exp(rng.uniform(math.log(cfg.scale_min), math.log(_scale_high(aspect, cfg)), n))
    y = np.ones(n) if cfg.feet_at_bottom else rng.uniform(s, 1.0)
    half = s * aspect / 2
    x = rng.uniform(half, 1 - half)
    return np.stack([x, y, s], 1)


def full_grid(sprite_hw: tuple[int, int], canvas_hw: tuple[int, int], cfg: _Grid) -> tuple[np.ndarray, np.ndarray]:
    """Every cell of the ``(nx, ny, ns)`` grid, ``(nx * ny * ns, 3)`` placements in ``x``, ``y``,
    ``scale`` order (the last varies fastest), and which of them are feasible ``(nx * ny * ns,)``.

    ``x`` and ``y`` at cell centres of the unit canvas, scales geometric from ``scale_min`` to
    ``scale_max``; a cell is infeasible where its box would leave the canvas or, with a camera
    band, where its scale lies outside the band at its feet.
    """
    nx, ny, ns = cfg.grid
    aspect = sprite_width(sprite_hw, 1.0, canvas_hw)
    s_hi = _scale_high(aspect, cfg)
    xs, ys = (np.arange(nx) + 0.5) / nx, np.ones(1) if cfg.feet_at_bottom else (np.arange(ny) + 0.5) / ny
    ss = np.geomspace(cfg.scale_min, s_hi, ns) if ns > 1 else np.array([math.sqrt(cfg.scale_min * s_hi)])
    g = np.stack(np.meshgrid(xs, ys, ss, indexing="ij"), -1).reshape(-1, 3)
    half = g[:, 2] * aspect / 2
    return g, (g[:, 0] >= half) & (g[:, 0] <= 1 - half) & (g[:, 1] >= g[:, 2]) & in_band(g, cfg, aspect)


def in_band(placements: np.ndarray, cfg: _Feasible, aspect: float) -> np.ndarray:
    """Which ``(N, 3)`` placements have a scale the camera band allows at their feet (all without one)."""
    if _camera(cfg) is None:
        return np.ones(len(placements), bool)
    lo, hi = camera_band(placements[:, 1], cfg, aspect)
    return (placements[:, 2] >= lo - 1e-9) & (placements[:, 2] <= hi + 1e-9)


def grid_placements(sprite_hw: tuple[int, int], canvas_hw: tuple[int, int], cfg: _Grid) -> np.ndarray:
    """The feasible cells of the ``(nx, ny, ns)`` grid (:func:`full_grid`): ``(G, 3)`` placements."""
    g, ok = full_grid(sprite_hw, canvas_hw, cfg)
    return g[ok]
