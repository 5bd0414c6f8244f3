"""The feasible placements of the search (:mod:`artlib.feasible`, the geometry below the model and
the search) and the search's own random starts.

Shown in chapter 4.
"""
from __future__ import annotations

import numpy as np

from ..feasible import full_grid, grid_placements, project, project_torch, random_placements
from .config import AdjustConfig

__all__ = ["full_grid", "grid_placements", "project", "project_torch", "random_placements", "random_starts"]


def random_starts(sprite_hw: tuple[int, int], canvas_hw: tuple[int, int], cfg: AdjustConfig, seed: int) -> np.ndarray:
    """The ``(restarts, 3)`` random starts :func:`adjust` uses with this ``seed``."""
    return random_placements(cfg.restarts, sprite_hw, canvas_hw, cfg, np.random.default_rng([seed, 17]))
