"""The feasible placements of a person on a canvas: the box inside the canvas, the scale in range.

Geometry shared by the placement search (:mod:`artlib.adjust`) and the placement map's training
(:mod:`artlib.train.placement_map`), so it sits below both. A placement is ``(x, y, scale)`` as in
:mod:`artlib.compose`: ``x`` the feet's centre and ``y`` the feet's row as fractions of the canvas,
``scale`` the person's height as a fraction of the canvas height. It is feasible when the box lies
inside the canvas (``scale * aspect / 2 <= x <= 1 - scale * aspect / 2``, ``scale <= y <= 1``) and
``scale_min <= scale <= scale_max``; with ``feet_at_bottom`` (a person the photo cut at its bottom
edge) ``y = 1``. Every function here takes any settings object with those fields
(:class:`FeasibleSet`, :class:`artlib.adjust.AdjustConfig`).

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

__all__ = ["FeasibleSet", "check_on_canvas", "full_grid", "grid_placements", "project", "project_torch", "random_placements"]


@dataclass(frozen=True)
class FeasibleSet:
    """The range of placements a search considers (the defaults of :class:`artlib.adjust.AdjustConfig`)."""

    scale_min: float = 0.1
    scale_max: float = 0.9
    feet_at_bottom: bool = False


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


def project_torch(xyz: torch.Tensor, aspect: float, cfg: _Feasible) -> torch.Tensor:
    """Project ``(N, 3)`` placements onto the feasible set; ``aspect`` is the sprite's width at scale 1
    as a fraction of the canvas width (differentiable where not clamped)."""
    import torch

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
    """``(n, 3)`` random feasible placements: ``log s`` uniform, then ``y``, then ``x`` uniform."""
    aspect = sprite_width(sprite_hw, 1.0, canvas_hw)
    s = np.exp(rng.uniform(math.log(cfg.scale_min), math.log(_scale_high(aspect, cfg)), n))
    y = np.ones(n) if cfg.feet_at_bottom else rng.uniform(s, 1.0)
    half = s * aspect / 2
    x = rng.uniform(half, 1 - half)
    return np.stack([x, y, s], 1)


def full_grid(sprite_hw: tuple[int, int], canvas_hw: tuple[int, int], cfg: _Grid) -> tuple[np.ndarray, np.ndarray]:
    """Every cell of the ``(nx, ny, ns)`` grid, ``(nx * ny * ns, 3)`` placements in ``x``, ``y``,
    ``scale`` order (the last varies fastest), and which of them are feasible ``(nx * ny * ns,)``.

    ``x`` and ``y`` at cell centres of the unit canvas, scales geometric from ``scale_min`` to
    ``scale_max``; a cell is infeasible where its box would leave the canvas.
    """
    nx, ny, ns = cfg.grid
    aspect = sprite_width(sprite_hw, 1.0, canvas_hw)
    s_hi = _scale_high(aspect, cfg)
    xs, ys = (np.arange(nx) + 0.5) / nx, np.ones(1) if cfg.feet_at_bottom else (np.arange(ny) + 0.5) / ny
    ss = np.geomspace(cfg.scale_min, s_hi, ns) if ns > 1 else np.array([math.sqrt(cfg.scale_min * s_hi)])
    g = np.stack(np.meshgrid(xs, ys, ss, indexing="ij"), -1).reshape(-1, 3)
    half = g[:, 2] * aspect / 2
    return g, (g[:, 0] >= half) & (g[:, 0] <= 1 - half) & (g[:, 1] >= g[:, 2])


def grid_placements(sprite_hw: tuple[int, int], canvas_hw: tuple[int, int], cfg: _Grid) -> np.ndarray:
    """The feasible cells of the ``(nx, ny, ns)`` grid (:func:`full_grid`): ``(G, 3)`` placements."""
    g, ok = full_grid(sprite_hw, canvas_hw, cfg)
    return g[ok]
