"""The search methods of :mod:`artlib.adjust` compared with four baselines from the same random
starts: oracle plausibility, IoU with the person's box, optimality gap, evaluations and seconds.

Shown in chapter 4.
"""
from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pandas as pd
from tqdm import tqdm

from ..adjust import (
    METHODS,
    AdjustConfig,
    AdjustResult,
    PlacementScorer,
    adjust,
    grid_placements,
    random_starts,
)
from ..compose import Placement, box_iou, placement_box
from ..model import PlacementMap, Verifier
from .measures import EXHAUSTIVE_GRID
from .queries import Query, plausible_cells

__all__ = ["BASELINES", "MAP_ROWS", "ascent_plausible", "compare_methods", "restarts_curve", "summarize_methods"]


BASELINES = ("random", "centre", "training mean", "best fixed", "oracle")

#: The map method's two rows: its best cell as it is, and refined by the verifier (``map_refine=1``).
MAP_ROWS = {"map": 0, "map, refined": 1}


def _baselines(query: Query, start: np.ndarray, mean: Placement, fixed: Placement | None, grid: np.ndarray,
               ok: np.ndarray) -> dict[str, Placement | None]:
    """The baseline placements of a query (see :func:`compare_methods`)."""
    centre = Placement(0.5, min(1.0, 0.5 + mean.scale / 2), mean.scale)
    oracle = None
    if ok.any():
        cand = grid[ok]
        oracle = Placement.of(cand[np.argmin(np.hypot(cand[:, 0] - start[0], cand[:, 1] - start[1]))])
    fixed_row = {} if fixed is None else {"best fixed": fixed}
    return {"random": Placement.of(start), "centre": centre, "training mean": mean, **fixed_row, "oracle": oracle}


def compare_methods(verifier: Verifier, queries: list[Query], mean_placement: Placement,
                    methods: tuple[str, ...] = METHODS, cfg: AdjustConfig | None = None, seed: int = 0,
                    exhaustive: tuple[int, int, int] = EXHAUSTIVE_GRID, best_fixed: Placement | None = None,
                    progress: bool = False, placement_map: PlacementMap | None = None,
                    ) -> tuple[pd.DataFrame, dict[tuple[str, str], AdjustResult]]:
    """Every method and baseline on every query, judged by the oracle (one row per query and method).

    All methods start from the same random starts (per query, seeded by ``seed`` and the
    query's position); ``greedy`` starts from the first of them. Baselines: ``random`` (that
    first start), ``centre`` (the canvas centre at the training mean's scale), ``training
    mean`` (the mean placement of the training positives), ``best fixed`` (``best_fixed``, when
    given: the fixed placement plausible in the most scenes of another set, see
    :func:`artlib.world.best_fixed`) and ``oracle`` (the plausible grid cell nearest the first
    start: an upper bound that needs the oracle).

    Columns: ``query``, ``method``, ``plausible``, ``iou`` (with the person's original box),
    ``gap`` (best exhaustive-grid score minus the result's score), ``spatial``, ``content``,
    ``evaluations``, ``seconds``. Also returns the :class:`AdjustResult` of each
    ``(query, method)``. Each method runs with ``cfg`` (its own default steps); the gap and the
    oracle baseline use the ``exhaustive`` grid. ``map`` runs only with a ``placement_map``, in two
    rows (:data:`MAP_ROWS`): its best cell, and that cell refined by the verifier's ascent.
    """
    cfg = cfg or AdjustConfig()
    runs = {m: replace(cfg, method=m) for m in methods if m != "map"}
    if "map" in methods and placement_map is not None:
        runs.update({row: replace(cfg, method="map", map_refine=k) for row, k in MAP_ROWS.items()})
    full = replace(cfg, grid=exhaustive)
    rows, results = [], {}
    for k, q in enumerate(tqdm(queries, desc="queries", disable=not progress, mininterval=5)):
        scorer = PlacementScorer(verifier, q.sprite, q.background, q.parse, cfg.batch_size)
        grid = grid_placements(q.sprite.shape[:2], q.background.shape[:2], full)
        grid_best = float(scorer.spatial(grid).max())
        ok = plausible_cells(q, grid)
        starts = random_starts(q.sprite.shape[:2], q.background.shape[:2], cfg, seed + k)
        found: dict[str, tuple[Placement | None, int, float]] = {}
        for m, mcfg in runs.items():
            res = adjust(verifier, q.sprite, q.background, q.parse, seed=seed + k, config=mcfg, placement_map=placement_map,
                         start=Placement.of(starts[0]) if m == "greedy" else None)
            results[(q.name, m)] = res
            found[m] = (res.placement, res.evaluations, res.seconds)
        for name, p in _baselines(q, starts[0], mean_placement, best_fixed, grid, ok).items():
            found[name] = (p, 0, 0.0)
        for name, (p, evals, secs) in found.items():
            if p is None:
                rows.append({"query": q.name, "method": name, "plausible": math.nan})
                continue
            sc = scorer.scores(np.array([p.as_tuple()]), ("content", "spatial"))
            box = placement_box(q.sprite.shape[:2], p, q.background.shape[:2])
            rows.append({"query": q.name, "method": name, "plausible": float(plausible_cells(q, np.array([p.as_tuple()]))[0]),
                         "iou": float(box_iou(box, q.box)), "gap": grid_best - float(sc["spatial"][0]),
                         "spatial": float(sc["spatial"][0]), "content": float(sc["content"][0]),
                         "evaluations": evals, "seconds": secs})
    return pd.DataFrame(rows), results


def ascent_plausible(verifier: Verifier, queries: list[Query], cfg: AdjustConfig | None = None, method: str = "numerical",
                     seed: int = 0) -> np.ndarray:
    """Whether ``method``'s ascent ends plausible on each query, judged by the oracle: ``(len(queries),)`` bools.

    The same runs as :func:`compare_methods`'s ``method`` rows (the same random starts, seeded
    by ``seed`` and the query's position), without the exhaustive grid those rows' gap needs:
    the measure the study records per variant.
    """
    mcfg = replace(cfg or AdjustConfig(), method=method)
    return np.array([plausible_cells(q, np.array([adjust(verifier, q.sprite, q.background, q.parse, seed=seed + k,
                                                            config=mcfg).placement.as_tuple()]))[0]
                     for k, q in enumerate(queries)], dtype=bool)


def summarize_methods(df: pd.DataFrame) -> pd.DataFrame:
    """Means per method over queries, methods first, then baselines."""
    order = [m for m in dict.fromkeys((*METHODS, *MAP_ROWS, *BASELINES)) if m in set(df["method"])]
    cols = ["plausible", "iou", "gap", "spatial", "evaluations", "seconds"]
    return df.groupby("method")[cols].mean().reindex(order)


def restarts_curve(results: dict[tuple[str, str], AdjustResult], queries: list[Query], method: str,
                   counts: tuple[int, ...] = (1, 2, 4, 8)) -> pd.Series:
    """Oracle plausibility of the best placement among the first ``R`` restarts, for each ``R`` in ``counts``.

    Restarts are independent, so the first ``R`` trajectories of one run with more restarts
    are exactly a run with ``R`` restarts.
    """
    rates = {}
    for r in counts:
        hits = []
        for q in queries:
            res = results[(q.name, method)]
            if r > len(res.trajectory):
                raise ValueError(f"{method} ran {len(res.trajectory)} restarts, fewer than {r}")
            p, _ = res.best_of(r)
            hits.append(plausible_cells(q, np.array([p.as_tuple()]))[0])
        rates[r] = float(np.mean(hits))
    return pd.Series(rates, name=method).rename_axis("restarts")

