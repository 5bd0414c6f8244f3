"""The ``map`` method: the best cell of a :class:`~artlib.model.PlacementMap`'s dense score map, then
(optionally) the verifier's numerical ascent from the best cells.

Shown in chapter 4.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from ..compose import image_to_tensor, sprite_width
from ..feasible import in_band
from ..model import PlacementMap, check_surface
from .config import AdjustConfig
from .scorer import _check_query

__all__ = ["MapScorer", "MapSurface", "map_surface"]


@dataclass
class MapSurface:
    """A dense map of one query: ``scores`` ``(K, ny, nx)`` in (0, 1), ``nan`` where the box would leave
    the canvas, indexed ``[scale, y, x]``; the cells' ``xs`` ``(nx,)``, ``ys`` ``(ny,)`` and ``scales`` ``(K,)``."""

    scores: np.ndarray
    xs: np.ndarray
    ys: np.ndarray
    scales: np.ndarray

    def cells(self) -> np.ndarray:
        """``(K * ny * nx, 3)`` placements ``(x, y, s)`` in the order of ``scores.ravel()``."""
        s, y, x = np.meshgrid(self.scales, self.ys, self.xs, indexing="ij")
        return np.stack([x.ravel(), y.ravel(), s.ravel()], 1)

    def best(self, k: int = 1) -> tuple[np.ndarray, np.ndarray]:
        """The ``k`` best feasible cells ``(k, 3)`` and their scores ``(k,)``, best first."""
        flat = np.nan_to_num(self.scores.ravel(), nan=-np.inf)
        order = np.argsort(-flat, kind="stable")[:k]
        return self.cells()[order], flat[order]


def _axes(sprite_hw: tuple[int, int], canvas_hw: tuple[int, int], cfg: AdjustConfig) -> tuple[np.ndarray, ...]:
    nx, ny, ns = cfg.map_grid
    check_surface((nx, ny), ns, canvas_hw, "map_grid")
    aspect = sprite_width(sprite_hw, 1.0, canvas_hw)
    s_hi = min(cfg.scale_max, 1.0 / max(aspect, 1e-6))
    xs = (np.arange(nx) + 0.5) / nx
    ys = np.ones(1) if cfg.feet_at_bottom else (np.arange(ny) + 0.5) / ny
    ss = np.geomspace(cfg.scale_min, s_hi, ns) if ns > 1 else np.array([np.sqrt(cfg.scale_min * s_hi)])
    return xs, ys, ss


class MapScorer:
    """One query for a placement map: B, S and the person encoded once; surfaces in one pass each.

    Raises:
        ValueError: bad arrays or label ids the map does not know (as :class:`PlacementScorer`).
    """

    @torch.no_grad()
    def __init__(self, placement_map: PlacementMap, sprite: np.ndarray, background: np.ndarray, parse: np.ndarray,
                 camera: tuple[float, float] | None = None):
        self.pm = placement_map.eval()
        spr, bg, lab = _check_query(self.pm, sprite, background, parse)
        self.sprite_hw, self.canvas_hw = spr.shape[:2], bg.shape[:2]
        self.aspect = sprite_width(self.sprite_hw, 1.0, self.canvas_hw)
        self.ctx = self.pm.encode_context(image_to_tensor(bg), torch.from_numpy(lab)[None], camera)
        self.person = self.pm.encode_person(self.pm.person_input(image_to_tensor(spr)))

    @torch.no_grad()
    def scores(self, xs: np.ndarray, ys: np.ndarray, ss: np.ndarray, config: AdjustConfig | None = None) -> np.ndarray:
        """Scores over the product of axes, ``(len(ss), len(ys), len(xs))``, ``nan`` where infeasible
        (outside the canvas, or outside ``config``'s camera band)."""
        s, y, x = np.meshgrid(ss, ys, xs, indexing="ij")
        cells = torch.from_numpy(np.stack([x.ravel(), y.ravel(), s.ravel()], 1)).float()
        z = self.pm.logits(self.ctx, self.person, cells[None], torch.tensor([float(self.aspect)]))
        out = torch.sigmoid(z).double().numpy().reshape(s.shape)
        feasible = (np.abs(x - 0.5) <= 0.5 - s * self.aspect / 2 + 1e-9) & (y >= s - 1e-9)
        if config is not None:
            feasible &= in_band(np.stack([x.ravel(), y.ravel(), s.ravel()], 1), config, self.aspect).reshape(s.shape)
        return np.where(feasible, out, np.nan)

    def surface(self, config: AdjustConfig | None = None) -> MapSurface:
        """The dense map over ``config.map_grid`` (see :func:`map_surface`)."""
        xs, ys, ss = _axes(self.sprite_hw, self.canvas_hw, config or AdjustConfig())
        return MapSurface(self.scores(xs, ys, ss, config), xs, ys, ss)

    def at_scale(self, scale: float, grid: tuple[int, int] = (32, 32)) -> np.ndarray:
        """The map over feet positions ``(ny, nx)`` for a person of height ``scale`` (the widget's view)."""
        check_surface(tuple(grid), 1, self.canvas_hw, "grid")
        nx, ny = grid
        return self.scores((np.arange(nx) + 0.5) / nx, (np.arange(ny) + 0.5) / ny, np.array([float(scale)]))[0]


def map_surface(placement_map: PlacementMap, sprite: np.ndarray, background: np.ndarray, parse: np.ndarray,
                config: AdjustConfig | None = None) -> MapSurface:
    """The map's scores over ``config.map_grid`` (``(nx, ny, K)``: feet at cell centres, ``K`` scales
    geometric in the feasible range; ``y = 1`` only with ``feet_at_bottom``): one pass, both encoders once.

    Raises:
        ValueError: bad arrays, ``K`` outside ``[1, MAX_SCALES]`` or a grid finer than the canvas
            (naming ``map_grid``), label ids the map does not know.
    """
    cfg = config or AdjustConfig()
    _axes(np.shape(sprite)[:2], np.shape(background)[:2], cfg)  # refuse a bad map_grid before any encoding
    return MapScorer(placement_map, sprite, background, parse, cfg.camera).surface(cfg)
