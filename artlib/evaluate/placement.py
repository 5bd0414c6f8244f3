"""The spatial head judged by the oracle: grid measures (AUC, best cell, the person's own rank),
score surfaces, height bands, and the paper's ascent from random starts (Section 4.3).

Shown in chapters 2, 3 and 4.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from tqdm import tqdm

from scipy.stats import spearmanr

from ..adjust import AdjustConfig, MapScorer, PlacementScorer, adjust, grid_placements
from ..model import PlacementMap, Verifier
from .measures import EXHAUSTIVE_GRID, auc, precision_at_k
from .queries import Query, plausible_cells

__all__ = ["ascent_paths", "grid_report", "height_band", "map_grid_report", "score_surface", "summarize_grid", "summarize_map"]


def _cells_scores(ms: MapScorer, cells: np.ndarray) -> np.ndarray:
    """A placement map's scores ``(G,)`` of ``(G, 3)`` cells of one query, in one pass."""
    import torch

    with torch.no_grad():
        z = ms.pm.logits(ms.ctx, ms.person, torch.from_numpy(cells).float()[None], torch.tensor([float(ms.aspect)]))
    return torch.sigmoid(z)[0].double().numpy()


def grid_report(verifier: Verifier, queries: list[Query], cfg: AdjustConfig | None = None, progress: bool = False,
                placement_map: PlacementMap | None = None) -> pd.DataFrame:
    """Score every feasible grid cell of each query and judge it by the oracle (one row per query).

    The grid is ``cfg.grid`` (default :data:`EXHAUSTIVE_GRID`).

    Columns: ``cells``, ``plausible_share`` (chance level), ``spatial_auc`` (spatial score against
    plausibility), ``best_plausible``, ``top5_plausible`` (share of the 5 best cells),
    ``true_percentile`` (share of cells scored below the person's own placement),
    ``best_score``. With ``placement_map`` (trained for ``verifier``) also the map's own measures on the
    same cells, ``map_auc``, ``map_best_plausible``, ``map_top5_plausible``, and ``map_rank_corr``
    (Spearman's correlation of the map's scores with the verifier's).
    """
    cfg = cfg or AdjustConfig(grid=EXHAUSTIVE_GRID)
    rows = []
    for q in tqdm(queries, desc="grid", disable=not progress, mininterval=5):
        scorer = PlacementScorer(verifier, q.sprite, q.background, q.parse, cfg.batch_size)
        cells = grid_placements(q.sprite.shape[:2], q.background.shape[:2], cfg)
        s = scorer.spatial(cells)
        ok = plausible_cells(q, cells)
        order = np.argsort(-s)
        true_s = float(scorer.spatial(np.array([q.placement.as_tuple()]))[0])
        rows.append({"query": q.name, "place": q.scene.place, "cells": len(cells), "plausible_share": float(ok.mean()),
                     "spatial_auc": auc(ok, s), "best_plausible": precision_at_k(ok, s, 1), "top5_plausible": precision_at_k(ok, s, 5),
                     "true_percentile": float(np.mean(s < true_s)), "best_score": float(s[order[0]])})
        if placement_map is not None:
            m = _cells_scores(MapScorer(placement_map, q.sprite, q.background, q.parse), cells)
            rows[-1].update(map_auc=auc(ok, m), map_best_plausible=precision_at_k(ok, m, 1),
                            map_top5_plausible=precision_at_k(ok, m, 5), map_rank_corr=float(spearmanr(m, s)[0]))
    return pd.DataFrame(rows)


def map_grid_report(verifier: Verifier, maps: dict[str, PlacementMap], queries: list[Query],
                    cfg: AdjustConfig | None = None) -> pd.DataFrame:
    """Several placement maps of one verifier on the same cells (the verifier scored once per query):
    one row per query and map, plus the verifier's own rows (``map == "verifier"``), with the columns
    ``map_auc``, ``map_best_plausible``, ``map_top5_plausible`` and ``map_rank_corr``."""
    cfg = cfg or AdjustConfig(grid=EXHAUSTIVE_GRID)
    rows = []
    for q in queries:
        cells = grid_placements(q.sprite.shape[:2], q.background.shape[:2], cfg)
        s = PlacementScorer(verifier, q.sprite, q.background, q.parse, cfg.batch_size).spatial(cells)
        ok = plausible_cells(q, cells)
        scored = {"verifier": s, **{name: _cells_scores(MapScorer(pm, q.sprite, q.background, q.parse), cells)
                                    for name, pm in maps.items()}}
        for name, m in scored.items():
            rows.append({"query": q.name, "map": name, "map_auc": auc(ok, m), "map_best_plausible": precision_at_k(ok, m, 1),
                         "map_top5_plausible": precision_at_k(ok, m, 5), "map_rank_corr": float(spearmanr(m, s)[0])})
    return pd.DataFrame(rows)


def summarize_grid(df: pd.DataFrame) -> pd.Series:
    """The grid measures over scenes (keys of :data:`~artlib.evaluate.measures.MEASURES`): means, and the
    share of scenes whose best cell is plausible."""
    keys = ("plausible_share", "spatial_auc", "best_plausible", "top5_plausible", "true_percentile")
    return pd.Series({"scenes": len(df), **{k: df[k].mean() for k in keys}})


def summarize_map(df: pd.DataFrame) -> pd.DataFrame:
    """The map beside its verifier on the same cells (a :func:`grid_report` with a placement map):
    AUC, best cell and top 5 plausible, and the rank correlation of the two scores."""
    pairs = {"spatial AUC": ("spatial_auc", "map_auc"), "best cell plausible": ("best_plausible", "map_best_plausible"),
             "top 5 plausible": ("top5_plausible", "map_top5_plausible")}
    out = pd.DataFrame({"verifier": {k: df[v].mean() for k, (v, _) in pairs.items()},
                        "placement map": {k: df[m].mean() for k, (_, m) in pairs.items()}})
    out.loc["rank correlation with the verifier"] = [1.0, df["map_rank_corr"].mean()]
    return out


def score_surface(verifier: Verifier, query: Query, scales: tuple[float, ...], n: int = 32,
                  placement_map: PlacementMap | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The spatial score and the oracle over an ``n x n`` grid of anchors ``(x, y)`` at each scale.

    Returns ``(scores, plausible)``, both ``(len(scales), n, n)`` indexed ``[scale, y, x]``;
    placements whose box leaves the canvas get ``nan`` scores. With ``placement_map`` (trained for
    ``verifier``) the scores are the map's, all scales in one pass.
    """
    if placement_map is not None:
        placement_map.check_for(verifier)
        t = (np.arange(n) + 0.5) / n
        scores = MapScorer(placement_map, query.sprite, query.background, query.parse).scores(t, t, np.asarray(scales, float))
        ys, xs = np.meshgrid(t, t, indexing="ij")
        ok = np.stack([plausible_cells(query, np.stack([xs.ravel(), ys.ravel(), np.full(n * n, s)], 1)).reshape(n, n)
                       for s in scales])
        return scores, ok
    t = (np.arange(n) + 0.5) / n
    ys, xs = np.meshgrid(t, t, indexing="ij")
    scorer = PlacementScorer(verifier, query.sprite, query.background, query.parse)
    aspect = query.sprite.shape[1] / query.sprite.shape[0]
    scores = np.full((len(scales), n, n), np.nan)
    ok = np.zeros((len(scales), n, n), bool)
    for k, s in enumerate(scales):
        cells = np.stack([xs.ravel(), ys.ravel(), np.full(n * n, s)], 1)
        feasible = (cells[:, 1] >= s) & (np.abs(cells[:, 0] - 0.5) <= 0.5 - s * aspect / 2)
        vals = np.full(n * n, np.nan)
        if feasible.any():
            vals[feasible] = scorer.spatial(cells[feasible])
        scores[k], ok[k] = vals.reshape(n, n), plausible_cells(query, cells).reshape(n, n)
    return scores, ok


def height_band(verifier: Verifier, queries: list[Query], below: np.ndarray, scales: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean spatial score and oracle plausibility over (feet below the horizon, scale).

    For each query the person stands at their own ``x`` with the feet ``below[i]`` under the
    scene's horizon and height ``scales[j]``; infeasible placements are skipped. The camera
    rule makes the plausible band a diagonal (height proportional to ``below``); a verifier
    that learnt it shows the same diagonal. Returns two ``(len(below), len(scales))`` arrays
    (``nan`` where no query had a feasible placement).
    """
    total = np.zeros((len(below), len(scales)))
    hits, count = np.zeros_like(total), np.zeros_like(total)
    bb, ss = np.meshgrid(below, scales, indexing="ij")
    for q in queries:
        cells = np.stack([np.full(bb.size, q.placement.x), q.scene.horizon + bb.ravel(), ss.ravel()], 1)
        aspect = q.sprite.shape[1] / q.sprite.shape[0]
        ok = (cells[:, 1] <= 1) & (cells[:, 1] >= cells[:, 2]) & (np.abs(cells[:, 0] - 0.5) <= 0.5 - cells[:, 2] * aspect / 2)
        if not ok.any():
            continue
        scorer = PlacementScorer(verifier, q.sprite, q.background, q.parse)
        idx = np.flatnonzero(ok)
        np.add.at(total.ravel(), idx, scorer.spatial(cells[ok]))
        np.add.at(hits.ravel(), idx, plausible_cells(q, cells[ok]).astype(float))
        np.add.at(count.ravel(), idx, 1.0)
    with np.errstate(invalid="ignore"):
        return total / np.where(count > 0, count, np.nan), hits / np.where(count > 0, count, np.nan)


def ascent_paths(verifier: Verifier, queries: list[Query], cfg: AdjustConfig | None = None, method: str = "numerical",
                 seed: int = 0) -> list[tuple[str, np.ndarray, np.ndarray, np.ndarray, np.ndarray, list[bool]]]:
    """Figure 4's moving sequences: for each query, the best restart's path with the oracle's verdicts.

    Returns rows ``(title, background, sprite, placements (T, 3), scores (T,), verdicts)`` for
    :func:`artlib.plots.filmstrips`.
    """
    rows = []
    for k, q in enumerate(queries):
        res = adjust(verifier, q.sprite, q.background, q.parse, method=method, seed=seed + k, config=cfg)
        best = max(res.trajectory, key=lambda t: float(t.scores.max()))
        rows.append((f"{q.outfit}\nin {q.scene.place}", q.background, q.sprite, best.placements, best.scores,
                     [bool(v) for v in plausible_cells(q, best.placements)]))
    return rows


