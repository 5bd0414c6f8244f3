"""Judging placements with the world's oracle: grid scores, search methods, baselines.

The verifier is trained on eq. (1), which scores closeness to where the person stood; what a
user needs is a *plausible* placement. The synthetic world's oracle
(:func:`artlib.synth.plausible_mask`) says which placements are plausible, so this module
measures the capability directly, never the labels:

* :func:`grid_report`: every feasible cell of a placement grid is scored by the verifier and
  judged by the oracle; per scene, the AUC of the spatial score for plausibility, whether the
  best-scored cell (and the top 5) are plausible, and where the person's own placement ranks;
* :func:`compare_methods`: every search method of :mod:`artlib.adjust` and four baselines from
  the same random starts: oracle plausibility of the result, IoU with the person's original
  box, optimality gap against the exhaustive grid of the same verifier, verifier evaluations
  and seconds per query.

Queries come from the held-out split of a built dataset (:func:`dataset_queries`) or from
freshly rendered scenes of world seeds that no dataset uses (:func:`fresh_queries`; datasets
use their profile's seed, 0 in every profile). Validation and test scenes use different seeds.

Shown in chapters 2, 3 and 4.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score
from tqdm import tqdm

from . import synth
from .adjust import METHODS, AdjustConfig, AdjustResult, PlacementScorer, adjust, grid_placements, random_starts
from .compose import Placement, box_iou, placement_box, render_foreground
from .model import Verifier

__all__ = ["BASELINES", "FRESH_SEEDS", "Query", "compare_methods", "content_report", "dataset_queries", "fresh_queries",
           "grid_report", "height_band", "restarts_curve", "score_surface", "summarize_grid", "summarize_methods"]

#: World seeds of the fresh scenes, per split; no dataset uses them.
FRESH_SEEDS = {"val": 1_000_001, "test": 1_000_002}
BASELINES = ("random", "centre", "training mean", "oracle")


@dataclass
class Query:
    """One foreground and one background to place it on, with the oracle's view of the scene.

    ``sprite`` ``(h, w, 4)`` and ``background`` ``(H, W, 3)`` float in [0, 1]; ``parse``
    ``(H, W)`` int64 label ids; ``placement`` is where the person really stood.
    """

    name: str
    sprite: np.ndarray
    background: np.ndarray
    parse: np.ndarray
    scene: synth.Scene
    placement: Placement
    outfit: str

    @property
    def box(self) -> np.ndarray:
        return placement_box(self.sprite.shape[:2], self.placement, self.background.shape[:2])


def fresh_queries(split: str, n: int, size: int, background_mode: str = "clean", shadow: bool = True) -> list[Query]:
    """``n`` freshly rendered world photos of the ``split`` seeds of :data:`FRESH_SEEDS`."""
    from .inpaint import inpaint_background

    if split not in FRESH_SEEDS:
        raise ValueError(f"split must be one of {tuple(FRESH_SEEDS)}, got {split!r}")
    out = []
    for i in range(n):
        ws = synth.make_world_sample(FRESH_SEEDS[split], i, size, shadow=shadow)
        bg = ws.scene.background
        if background_mode == "inpaint":
            bg = inpaint_background(ws.image, render_foreground(ws.sprite, ws.placement, ws.scene.labels.shape)[..., 3])
        out.append(Query(f"{split}-{i}", ws.sprite, bg, ws.scene.labels.astype(np.int64), ws.scene, ws.placement,
                         ws.person.outfit))
    return out


def dataset_queries(manifest, split: str = "test", n: int | None = None) -> list[Query]:
    """Queries from the positives of a built dataset's ``split``: each person on their own background."""
    from .dataset import SPLITS, read_source, scene_of

    split_id = SPLITS.index(split) if split in SPLITS else None
    if split_id is None:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
    ids = [s["index"] for s in manifest.sources if s["split"] == split_id][:n]
    out = []
    for i in ids:
        src = read_source(manifest.root, i, manifest.config.size)
        meta = manifest.sources[i]
        out.append(Query(f"{split}-{i}", src.sprite.astype(np.float32) / 255, src.background.astype(np.float32) / 255,
                         src.labels.astype(np.int64), scene_of(manifest, i), Placement(*meta["placement"]), meta["outfit"]))
    return out


def _plausible(query: Query, cells: np.ndarray) -> np.ndarray:
    aspect = query.sprite.shape[1] / query.sprite.shape[0]
    return synth.plausible_mask(query.scene, cells[:, 0], cells[:, 1], cells[:, 2], aspect=aspect)


def _auc(labels: np.ndarray, scores: np.ndarray) -> float:
    return float(roc_auc_score(labels, scores)) if 0 < labels.sum() < len(labels) else float("nan")


def grid_report(verifier: Verifier, queries: list[Query], cfg: AdjustConfig | None = None, progress: bool = False) -> pd.DataFrame:
    """Score every feasible grid cell of each query and judge it by the oracle (one row per query).

    Columns: ``cells``, ``plausible_share`` (chance level), ``auc`` (spatial score against
    plausibility), ``best_plausible``, ``top5_plausible`` (share of the 5 best cells),
    ``true_percentile`` (share of cells scored below the person's own placement),
    ``best_score``.
    """
    cfg = cfg or AdjustConfig()
    rows = []
    for q in tqdm(queries, desc="grid", disable=not progress, mininterval=5):
        scorer = PlacementScorer(verifier, q.sprite, q.background, q.parse, cfg.batch_size)
        cells = grid_placements(q.sprite.shape[:2], q.background.shape[:2], cfg)
        s = scorer.spatial(cells)
        ok = _plausible(q, cells)
        order = np.argsort(-s)
        true_s = float(scorer.spatial(np.array([q.placement.as_tuple()]))[0])
        rows.append({"query": q.name, "place": q.scene.place, "cells": len(cells), "plausible_share": float(ok.mean()),
                     "auc": _auc(ok, s), "best_plausible": bool(ok[order[0]]), "top5_plausible": float(ok[order[:5]].mean()),
                     "true_percentile": float(np.mean(s < true_s)), "best_score": float(s[order[0]])})
    return pd.DataFrame(rows)


def summarize_grid(df: pd.DataFrame) -> pd.Series:
    """The grid measures over scenes: means, and the share of scenes whose best cell is plausible."""
    return pd.Series({"scenes": len(df), "plausible share (chance)": df["plausible_share"].mean(),
                      "spatial AUC for plausibility": df["auc"].mean(),
                      "best cell plausible": df["best_plausible"].mean(), "top-5 cells plausible": df["top5_plausible"].mean(),
                      "own placement percentile": df["true_percentile"].mean()})


def content_report(verifier: Verifier, queries: list[Query], batch_size: int = 256) -> pd.DataFrame:
    """Each query's person against every query's background, judged by the content oracle.

    The person is drawn at their own placement (as the paper scores a foreground in
    background selection) on each background; the content score is compared with
    :func:`artlib.synth.compatible` of the outfit and the background's place. One row per
    person: ``auc``, ``top3_compatible`` (share of the 3 best backgrounds whose place fits the
    outfit) and ``chance`` (share of all backgrounds that fit).
    """
    import torch

    device = next(verifier.parameters()).device
    bgs = torch.from_numpy(np.stack([q.background for q in queries])).permute(0, 3, 1, 2).float().to(device)
    parses = torch.from_numpy(np.stack([q.parse for q in queries])).to(device)
    places = [q.scene.place for q in queries]
    rows = []
    with torch.no_grad():
        verifier.eval()
        ctx = verifier.encode_context(bgs, parses)
        for q in queries:
            fg = torch.from_numpy(render_foreground(q.sprite, q.placement, q.background.shape[:2])).permute(2, 0, 1)[None]
            fg = fg.to(device).expand(len(queries), -1, -1, -1)
            p = np.concatenate([verifier.score(fg[i : i + batch_size], ctx.select(torch.arange(i, min(i + batch_size, len(queries)))),
                                               ("content",))["content"].double().cpu().numpy()
                                for i in range(0, len(queries), batch_size)])
            fits = np.array([synth.compatible(q.outfit, pl) for pl in places])
            rows.append({"query": q.name, "outfit": q.outfit, "auc": _auc(fits, p),
                         "top3_compatible": float(fits[np.argsort(-p)[:3]].mean()), "chance": float(fits.mean())})
    return pd.DataFrame(rows)


def score_surface(verifier: Verifier, query: Query, scales: tuple[float, ...], n: int = 32) -> tuple[np.ndarray, np.ndarray]:
    """The spatial score and the oracle over an ``n x n`` grid of anchors ``(x, y)`` at each scale.

    Returns ``(scores, plausible)``, both ``(len(scales), n, n)`` indexed ``[scale, y, x]``;
    placements whose box leaves the canvas get ``nan`` scores.
    """
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
        scores[k], ok[k] = vals.reshape(n, n), _plausible(query, cells).reshape(n, n)
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
        np.add.at(hits.ravel(), idx, _plausible(q, cells[ok]).astype(float))
        np.add.at(count.ravel(), idx, 1.0)
    with np.errstate(invalid="ignore"):
        return total / np.where(count > 0, count, np.nan), hits / np.where(count > 0, count, np.nan)


def _baselines(query: Query, start: np.ndarray, mean: Placement, grid: np.ndarray, ok: np.ndarray) -> dict[str, Placement | None]:
    """The four baseline placements of a query (see :func:`compare_methods`)."""
    centre = Placement(0.5, min(1.0, 0.5 + mean.scale / 2), mean.scale)
    oracle = None
    if ok.any():
        cand = grid[ok]
        oracle = Placement(*map(float, cand[np.argmin(np.hypot(cand[:, 0] - start[0], cand[:, 1] - start[1]))]))
    return {"random": Placement(*map(float, start)), "centre": centre, "training mean": mean, "oracle": oracle}


def compare_methods(verifier: Verifier, queries: list[Query], mean_placement: Placement,
                    methods: tuple[str, ...] = METHODS, cfg: AdjustConfig | None = None, seed: int = 0,
                    progress: bool = False) -> tuple[pd.DataFrame, dict[tuple[str, str], AdjustResult]]:
    """Every method and baseline on every query, judged by the oracle (one row per query and method).

    All methods start from the same random starts (per query, seeded by ``seed`` and the
    query's position); ``greedy`` starts from the first of them. Baselines: ``random`` (that
    first start), ``centre`` (the canvas centre at the training mean's scale), ``training
    mean`` (the mean placement of the training positives) and ``oracle`` (the plausible grid
    cell nearest the first start: an upper bound that needs the oracle).

    Columns: ``query``, ``method``, ``plausible``, ``iou`` (with the person's original box),
    ``gap`` (best exhaustive-grid score minus the result's score), ``spatial``, ``content``,
    ``evaluations``, ``seconds``. Also returns the :class:`AdjustResult` of each
    ``(query, method)``.
    """
    cfg = cfg or AdjustConfig()
    rows, results = [], {}
    for k, q in enumerate(tqdm(queries, desc="queries", disable=not progress, mininterval=5)):
        scorer = PlacementScorer(verifier, q.sprite, q.background, q.parse, cfg.batch_size)
        grid = grid_placements(q.sprite.shape[:2], q.background.shape[:2], cfg)
        grid_best = float(scorer.spatial(grid).max())
        ok = _plausible(q, grid)
        starts = random_starts(q.sprite.shape[:2], q.background.shape[:2], cfg, seed + k)
        found: dict[str, tuple[Placement | None, int, float]] = {}
        for m in methods:
            res = adjust(verifier, q.sprite, q.background, q.parse, method=m, seed=seed + k, config=cfg,
                         start=Placement(*map(float, starts[0])) if m == "greedy" else None)
            results[(q.name, m)] = res
            found[m] = (res.placement, res.evaluations, res.seconds)
        for name, p in _baselines(q, starts[0], mean_placement, grid, ok).items():
            found[name] = (p, 0, 0.0)
        for name, (p, evals, secs) in found.items():
            if p is None:
                rows.append({"query": q.name, "method": name, "plausible": math.nan})
                continue
            sc = scorer.scores(np.array([p.as_tuple()]), ("content", "spatial"))
            box = placement_box(q.sprite.shape[:2], p, q.background.shape[:2])
            rows.append({"query": q.name, "method": name, "plausible": float(_plausible(q, np.array([p.as_tuple()]))[0]),
                         "iou": float(box_iou(box, q.box)), "gap": grid_best - float(sc["spatial"][0]),
                         "spatial": float(sc["spatial"][0]), "content": float(sc["content"][0]),
                         "evaluations": evals, "seconds": secs})
    return pd.DataFrame(rows), results


def summarize_methods(df: pd.DataFrame) -> pd.DataFrame:
    """Means per method over queries, methods first, then baselines."""
    order = [m for m in (*METHODS, *BASELINES) if m in set(df["method"])]
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
            hits.append(_plausible(q, np.array([p.as_tuple()]))[0])
        rates[r] = float(np.mean(hits))
    return pd.Series(rates, name=method).rename_axis("restarts")
