"""One call for every method: :func:`adjust` returns the best placement, its scores and the path.

Shown in chapter 4; used by ``artlib retouch`` (chapter 5).
"""
from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import numpy as np

from ..compose import Placement
from ..model import PlacementMap, Verifier
from .config import AdjustConfig
from .map import map_surface
from .methods import Trajectory, _ascend, _greedy, _grid, _map
from .scorer import PlacementScorer
from ..feasible import check_on_canvas
from .space import random_starts

__all__ = ["AdjustResult", "adjust"]


@dataclass
class AdjustResult:
    """What :func:`adjust` found: the placement, its two scores, the search's path and cost."""

    placement: Placement
    spatial: float
    content: float
    trajectory: list[Trajectory]
    evaluations: int
    seconds: float
    method: str
    config: dict[str, Any] = field(default_factory=dict)

    def best_of(self, restarts: int) -> tuple[Placement, float]:
        """The best placement among the first ``restarts`` trajectories (the restarts curve)."""
        return max((t.best() for t in self.trajectory[:restarts]), key=lambda ps: ps[1])


def _check_start(start: Placement | None) -> None:
    if start is None:
        return
    if not isinstance(start, Placement):
        raise ValueError(f"start must be a Placement or None, got {type(start).__name__}")
    check_on_canvas(start)


def adjust(verifier: Verifier, sprite: np.ndarray, background: np.ndarray, parse: np.ndarray, *,
           method: str | None = None, start: Placement | None = None, restarts: int | None = None,
           steps: int | None = None, seed: int = 0, config: AdjustConfig | None = None,
           placement_map: PlacementMap | None = None) -> AdjustResult:
    """Find the placement of ``sprite`` on ``background`` that the verifier scores highest.

    Args:
        verifier: a trained verifier.
        sprite: ``(h, w, 4)`` RGBA foreground, straight alpha, tightly cropped.
        background: ``(H, W, 3)`` RGB background B.
        parse: ``(H, W)`` label ids of B's parsing map S.
        method: one of :data:`METHODS` (see :mod:`artlib.adjust`); default ``config.method``.
        start: the first restart's start (``greedy`` uses only this one); the others, and the
            first when ``None``, are random feasible placements drawn with ``seed``. With
            ``greedy`` and no start, the authors' fixed start is used: the box in the top-left
            corner at the geometric middle of the scale range.
        restarts, steps: override ``config.restarts`` / ``config.steps``.
        seed: seed of the random starts.
        config: every other setting (:class:`AdjustConfig`).
        placement_map: the :class:`~artlib.model.PlacementMap` trained for this verifier
            (:func:`artlib.train.train_placement_map`); needed by ``map`` only.

    Returns:
        An :class:`AdjustResult`; for ``greedy`` its placement is where the search ended (as in
        the authors' code), for the others the best placement visited.

    Raises:
        ValueError: bad arrays (empty alpha, sizes that differ, unknown label ids), a start
            outside the canvas, non-positive ``restarts`` / ``steps``; for ``map``: no
            ``placement_map``, one built for another verifier or label set, or a bad ``map_grid``.
    """
    over = {k: v for k, v in (("method", method), ("restarts", restarts), ("steps", steps)) if v is not None}
    cfg = replace(config or AdjustConfig(), **over)
    _check_start(start)
    if cfg.method == "map":
        if placement_map is None:
            raise ValueError("placement_map: method 'map' needs the placement map trained for this verifier")
        placement_map.check_for(verifier)
    t0 = time.perf_counter()
    scorer = PlacementScorer(verifier, sprite, background, parse, cfg.batch_size, cfg.reuse_context, cfg.camera)
    # the search works on (x, y, scale) rows; a Placement goes in and one comes out
    start_row = None if start is None else np.array(start.as_tuple(), np.float64)
    if cfg.method == "greedy":
        if start_row is None:  # projected to the top-left corner
            start_row = np.array([0.0, 0.0, math.sqrt(cfg.scale_min * cfg.scale_max)])
        trajectory = _greedy(scorer, start_row, cfg)
        row, spatial = trajectory[0].placements[-1], float(trajectory[0].scores[-1])
    else:
        if cfg.method == "grid":
            trajectory = _grid(scorer, cfg)
        elif cfg.method == "map":
            trajectory = _map(scorer, map_surface(placement_map, sprite, background, parse, cfg), cfg)
        else:
            starts = random_starts(scorer.sprite_hw, scorer.canvas_hw, cfg, seed)
            if start_row is not None:
                starts[0] = start_row
            trajectory = _ascend(scorer, starts, cfg, exact=cfg.method == "autograd")
        row, spatial = max((t.best_row() for t in trajectory), key=lambda rs: rs[1])
    heads = ("content", "spatial") if cfg.method == "map" and cfg.map_refine == 0 else ("content",)
    final = scorer.scores(np.asarray(row, np.float64)[None], heads)
    content = float(final["content"][0])
    if "spatial" in final:  # the map's best cell as it is: its verifier score, from the same pass
        spatial = float(final["spatial"][0])
    placement = Placement.of(row)
    return AdjustResult(placement, spatial, content, trajectory, scorer.evaluations, time.perf_counter() - t0,
                        cfg.method, asdict(cfg))

