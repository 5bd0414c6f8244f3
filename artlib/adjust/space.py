"""The feasible placements: the box on the canvas and the scale in range; random starts and grids.

Shown in chapter 4.
"""
from __future__ import annotations

import math

import numpy as np
import torch

from ..compose import sprite_width
from .config import AdjustConfig

__all__ = ["full_grid", "grid_placements", "project", "project_torch", "random_placements", "random_starts"]


# ----------------------------------------------------------------------------- geometry
def project_torch(xyz: torch.Tensor, aspect: float, cfg: AdjustConfig) -> torch.Tensor:
    """Project ``(N, 3)`` placements onto the feasible set (defined in :mod:`artlib.adjust`); ``aspect``
    is the sprite's width at scale 1 as a fraction of the canvas width (differentiable where not clamped)."""
    s = xyz[:, 2].clamp(cfg.scale_min, min(cfg.scale_max, 1.0 / max(aspect, 1e-6)))
    half = s * aspect / 2
    x = torch.minimum(torch.maximum(xyz[:, 0], half), 1 - half)
    y = torch.ones_like(s) if cfg.feet_at_bottom else torch.minimum(torch.maximum(xyz[:, 1], s), torch.ones_like(s))
    return torch.stack([x, y, s], 1)


def project(placements: np.ndarray, sprite_hw: tuple[int, int], canvas_hw: tuple[int, int], cfg: AdjustConfig) -> np.ndarray:
    """Project ``(N, 3)`` placements ``(x, y, scale)`` onto the feasible set of a sprite and canvas."""
    aspect = sprite_width(sprite_hw, 1.0, canvas_hw)
    return project_torch(torch.as_tensor(np.asarray(placements, np.float64)).reshape(-1, 3), aspect, cfg).numpy()


def random_placements(n: int, sprite_hw: tuple[int, int], canvas_hw: tuple[int, int], cfg: AdjustConfig,
                      rng: np.random.Generator) -> np.ndarray:
    """``(n, 3)`` random feasible placements: ``log s`` uniform, then ``y``, then ``x`` uniform."""
    aspect = sprite_width(sprite_hw, 1.0, canvas_hw)
    s_hi = min(cfg.scale_max, 1.0 / max(aspect, 1e-6))
    s = np.exp(rng.uniform(math.log(cfg.scale_min), math.log(s_hi), n))
    y = np.ones(n) if cfg.feet_at_bottom else rng.uniform(s, 1.0)
    half = s * aspect / 2
    x = rng.uniform(half, 1 - half)
    return np.stack([x, y, s], 1)


def full_grid(sprite_hw: tuple[int, int], canvas_hw: tuple[int, int], cfg: AdjustConfig) -> tuple[np.ndarray, np.ndarray]:
    """Every cell of the ``(nx, ny, ns)`` grid, ``(nx * ny * ns, 3)`` placements in ``x``, ``y``,
    ``scale`` order (the last varies fastest), and which of them are feasible ``(nx * ny * ns,)``.

    ``x`` and ``y`` at cell centres of the unit canvas, scales geometric from ``scale_min`` to
    ``scale_max``; a cell is infeasible where its box would leave the canvas.
    """
    nx, ny, ns = cfg.grid
    aspect = sprite_width(sprite_hw, 1.0, canvas_hw)
    s_hi = min(cfg.scale_max, 1.0 / max(aspect, 1e-6))
    xs, ys = (np.arange(nx) + 0.5) / nx, np.ones(1) if cfg.feet_at_bottom else (np.arange(ny) + 0.5) / ny
    ss = np.geomspace(cfg.scale_min, s_hi, ns) if ns > 1 else np.array([math.sqrt(cfg.scale_min * s_hi)])
    g = np.stack(np.meshgrid(xs, ys, ss, indexing="ij"), -1).reshape(-1, 3)
    half = g[:, 2] * aspect / 2
    return g, (g[:, 0] >= half) & (g[:, 0] <= 1 - half) & (g[:, 1] >= g[:, 2])


def grid_placements(sprite_hw: tuple[int, int], canvas_hw: tuple[int, int], cfg: AdjustConfig) -> np.ndarray:
    """The feasible cells of the ``(nx, ny, ns)`` grid (:func:`full_grid`): ``(G, 3)`` placements."""
    g, ok = full_grid(sprite_hw, canvas_hw, cfg)
    return g[ok]


def random_starts(sprite_hw: tuple[int, int], canvas_hw: tuple[int, int], cfg: AdjustConfig, seed: int) -> np.ndarray:
    """The ``(restarts, 3)`` random starts :func:`adjust` uses with this ``seed``."""
    return random_placements(cfg.restarts, sprite_hw, canvas_hw, cfg, np.random.default_rng([seed, 17]))

