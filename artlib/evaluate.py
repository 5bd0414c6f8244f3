"""Judging placements with the world's oracle: grid scores, search methods, baselines.

The verifier is trained on eq. (1), which scores closeness to where the person stood; what a
user needs is a *plausible* placement. The synthetic world's oracle
(:func:`artlib.world.plausible_mask`) says which placements are plausible, so this module
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

Background selection is judged the same way (:func:`retrieval_report`, :func:`retouch_report`):
the foreground's own background among 100 distractors, and the oracle's outfit rule.

Shown in chapters 2, 3, 4 and 5.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
import torch
from sklearn.metrics import roc_auc_score
from tqdm import tqdm

from . import world
from .adjust import METHODS, AdjustConfig, AdjustResult, PlacementScorer, adjust, grid_placements, random_starts
from .compose import Placement, box_iou, placement_box, render_foreground
from .model import Verifier

__all__ = [
    "BASELINES", "EXHAUSTIVE_GRID", "FRESH_SEEDS", "Query", "ascent_paths", "compare_methods", "content_report",
    "dataset_queries", "epoch_measures", "fresh_queries", "gallery_from_manifest", "grid_report", "height_band",
    "kind_means", "noise_by_prediction", "placement_measures", "precision_at_k", "read_sprite", "restarts_curve",
    "failure_cases", "retouch_report", "retrieval_report", "score_surface", "summarize_grid", "summarize_methods",
]

#: World seeds of the fresh scenes, per split; no dataset uses them.
FRESH_SEEDS = {"val": 1_000_001, "test": 1_000_002}
#: The exhaustive grid ``(nx, ny, ns)`` of the grid measures and of the optimality gap.
EXHAUSTIVE_GRID = (12, 12, 7)
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
    scene: world.Scene
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
        ws = world.make_world_sample(FRESH_SEEDS[split], i, size, shadow=shadow)
        bg = ws.scene.background
        if background_mode == "inpaint":
            bg = inpaint_background(ws.image, render_foreground(ws.sprite, ws.placement, ws.scene.labels.shape)[..., 3])
        out.append(Query(f"{split}-{i}", ws.sprite, bg, ws.scene.labels.astype(np.int64), ws.scene, ws.placement,
                         ws.person.outfit))
    return out


def dataset_queries(manifest, split: str = "test", n: int | None = None) -> list[Query]:
    """Queries from the positives of a built dataset's ``split``: each person on their own background."""
    from .data import SPLITS, read_source, scene_of

    split_id = SPLITS.index(split) if split in SPLITS else None
    if split_id is None:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
    ids = [s["index"] for s in manifest.sources if s["split"] == split_id][:n]
    out = []
    for i in ids:
        src = read_source(manifest.root, i, manifest.config.size, manifest.sources[i].get("sha256"))
        meta = manifest.sources[i]
        out.append(Query(f"{split}-{i}", src.sprite.astype(np.float32) / 255, src.background.astype(np.float32) / 255,
                         src.labels.astype(np.int64), scene_of(manifest, i), Placement(*meta["placement"]), meta["outfit"]))
    return out


def _plausible(query: Query, cells: np.ndarray) -> np.ndarray:
    aspect = query.sprite.shape[1] / query.sprite.shape[0]
    return world.plausible_mask(query.scene, cells[:, 0], cells[:, 1], cells[:, 2], aspect=aspect)


def precision_at_k(labels: np.ndarray, scores: np.ndarray, k: int) -> float:
    """Share of relevant items among the ``k`` best-scored, with ties shared fairly.

    Items tied at the ``k``-th score fill the remaining places in proportion, which is the
    expectation over random tie-breaking (a constant score gets the base rate, not the
    first ``k`` items' rate).
    """
    labels, scores = np.asarray(labels, float), np.asarray(scores, float)
    k = min(k, len(scores))
    kth = np.sort(scores)[::-1][k - 1]
    above, tied = scores > kth, scores == kth
    slots = k - above.sum()
    return float((labels[above].sum() + slots * labels[tied].mean()) / k)


def _auc(labels: np.ndarray, scores: np.ndarray) -> float:
    return float(roc_auc_score(labels, scores)) if 0 < labels.sum() < len(labels) else float("nan")


def grid_report(verifier: Verifier, queries: list[Query], cfg: AdjustConfig | None = None, progress: bool = False) -> pd.DataFrame:
    """Score every feasible grid cell of each query and judge it by the oracle (one row per query).

    The grid is ``cfg.grid`` (default :data:`EXHAUSTIVE_GRID`).

    Columns: ``cells``, ``plausible_share`` (chance level), ``auc`` (spatial score against
    plausibility), ``best_plausible``, ``top5_plausible`` (share of the 5 best cells),
    ``true_percentile`` (share of cells scored below the person's own placement),
    ``best_score``.
    """
    cfg = cfg or AdjustConfig(grid=EXHAUSTIVE_GRID)
    rows = []
    for q in tqdm(queries, desc="grid", disable=not progress, mininterval=5):
        scorer = PlacementScorer(verifier, q.sprite, q.background, q.parse, cfg.batch_size)
        cells = grid_placements(q.sprite.shape[:2], q.background.shape[:2], cfg)
        s = scorer.spatial(cells)
        ok = _plausible(q, cells)
        order = np.argsort(-s)
        true_s = float(scorer.spatial(np.array([q.placement.as_tuple()]))[0])
        rows.append({"query": q.name, "place": q.scene.place, "cells": len(cells), "plausible_share": float(ok.mean()),
                     "auc": _auc(ok, s), "best_plausible": precision_at_k(ok, s, 1), "top5_plausible": precision_at_k(ok, s, 5),
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
    :func:`artlib.world.compatible` of the outfit and the background's place. One row per
    person: ``auc``, ``top3_compatible`` (share of the 3 best backgrounds whose place fits the
    outfit) and ``chance`` (share of all backgrounds that fit).
    """
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
            fits = np.array([world.compatible(q.outfit, pl) for pl in places])
            rows.append({"query": q.name, "outfit": q.outfit, "auc": _auc(fits, p),
                         "top3_compatible": precision_at_k(fits, p, 3), "chance": float(fits.mean())})
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
                     [bool(v) for v in _plausible(q, best.placements)]))
    return rows


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
                    exhaustive: tuple[int, int, int] = EXHAUSTIVE_GRID,
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
    ``(query, method)``. Each method runs with ``cfg`` (its own default steps); the gap and the
    oracle baseline use the ``exhaustive`` grid.
    """
    cfg = cfg or AdjustConfig()
    full = replace(cfg, grid=exhaustive)
    rows, results = [], {}
    for k, q in enumerate(tqdm(queries, desc="queries", disable=not progress, mininterval=5)):
        scorer = PlacementScorer(verifier, q.sprite, q.background, q.parse, cfg.batch_size)
        grid = grid_placements(q.sprite.shape[:2], q.background.shape[:2], full)
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


def epoch_measures(verifier: Verifier, scenes: list[Query]) -> dict[str, float]:
    """The grid measures of :func:`grid_report` on ``scenes``, prefixed ``oracle_`` (cheap, per epoch)."""
    g = grid_report(verifier, scenes)
    return {"oracle_spatial_auc": float(g["auc"].mean()), "oracle_best_plausible": float(g["best_plausible"].mean())}


def placement_measures(verifier: Verifier, scenes: list[Query], cfg: AdjustConfig | None = None,
                       ascent_scenes: int = 16, seed: int = 0) -> dict[str, float]:
    """Placement and content measures of a verifier, judged by the oracle on fresh scenes.

    ``spatial AUC (oracle)``, ``best cell plausible``, ``top-5 plausible`` from
    :func:`grid_report`; ``ascent plausible``: share of the first ``ascent_scenes`` scenes
    where the paper's numerical ascent from random starts ends plausible; ``content AUC
    (oracle)`` and ``top-3 compatible`` from :func:`content_report`.
    """
    grid = grid_report(verifier, scenes)
    content = content_report(verifier, scenes)
    runs, _ = compare_methods(verifier, scenes[:ascent_scenes], Placement(0.5, 0.8, 0.4), methods=("numerical",),
                              cfg=cfg, seed=seed)
    asc = runs.loc[runs["method"] == "numerical", "plausible"]
    return {"spatial AUC (oracle)": float(grid["auc"].mean()), "best cell plausible": float(grid["best_plausible"].mean()),
            "top-5 plausible": float(grid["top5_plausible"].mean()), "ascent plausible": float(asc.mean()),
            "content AUC (oracle)": float(content["auc"].mean()), "top-3 compatible": float(content["top3_compatible"].mean())}


def kind_means(pred: dict[str, np.ndarray], n_boot: int = 1000, seed: int = 0, level: float = 0.95) -> pd.DataFrame:
    """The shortcut measure: mean predicted content probability per sample kind, with bootstrap intervals.

    Under the paper's sampling, placement tells content apart (chapter 2): a verifier that
    learnt the shortcut gives moved foregrounds (``D_s-``) a higher content probability than
    positives. Rows are kinds; columns ``mean``, ``low``, ``high`` (percentile bootstrap).
    """
    from .data import KINDS

    rng = np.random.default_rng(seed)
    rows = {}
    for k, name in enumerate(KINDS):
        p = np.asarray(pred["content"])[np.asarray(pred["kind"]) == k]
        if not len(p):
            continue
        boot = p[rng.integers(0, len(p), (n_boot, len(p)))].mean(1)
        a = (1 - level) / 2
        rows[name] = {"mean": float(p.mean()), "low": float(np.quantile(boot, a)), "high": float(np.quantile(boot, 1 - a)),
                      "samples": len(p)}
    return pd.DataFrame(rows).T


def noise_by_prediction(manifest, pred: dict[str, np.ndarray]) -> pd.DataFrame:
    """Content negatives whose outfit in fact fits the place (label noise), against the prediction.

    ``pred`` holds test predictions with their manifest ``rows`` (``predictions.npz``). A
    verifier that learnt the world's rule, not the labels' noise, gives the negatives whose
    outfit fits a higher probability than those whose outfit does not.
    """
    from .data import KINDS

    s = manifest.samples
    rows = np.asarray(pred["rows"])
    neg = np.asarray(pred["kind"]) == KINDS.index("D_c-")
    fits = np.array([world.compatible(manifest.sources[int(s["fg_source"][r])]["outfit"], manifest.sources[int(s["bg_source"][r])]["place"])
                     for r in rows])
    p = np.asarray(pred["content"])
    return pd.DataFrame({"content negatives": [int((neg & fits).sum()), int((neg & ~fits).sum())],
                         "mean predicted P(consistent)": [p[neg & fits].mean(), p[neg & ~fits].mean()]},
                        index=["outfit fits the place (label noise)", "outfit does not fit"])


# ----------------------------------------------------------------------------- background selection
def gallery_from_manifest(manifest, split: str = "test"):
    """The backgrounds of a built dataset's ``split`` as a :class:`artlib.select.Gallery`
    (names ``NNNNNN_place``, the source index first)."""
    from pathlib import Path

    from .data import SPLITS, read_source
    from .select import Gallery

    ids = [s["index"] for s in manifest.sources if s["split"] == SPLITS.index(split)]
    srcs = [read_source(manifest.root, i, manifest.config.size, manifest.sources[i].get("sha256")) for i in ids]
    names = [f"{i:06d}_{manifest.sources[i]['place']}" for i in ids]
    return Gallery(Path(manifest.root), names, np.stack([s.background for s in srcs]), np.stack([s.labels for s in srcs]),
                   [manifest.sources[i]["sha256"]["bg.png"] for i in ids])


def retrieval_report(verifier: Verifier, manifest, split: str = "test", n_queries: int = 100, distractors: int = 100,
                     ks: tuple[int, ...] = (1, 5, 10), seed: int = 0) -> pd.DataFrame:
    """Background selection judged two ways, against a random ranking (one row per measure).

    * ``recall@k`` and ``MRR`` of the foreground's *own* background among ``distractors``
      others of the split (the authors' code samples 100): the label the paper trains on;
    * ``precision@k (compatible)``: share of the ``k`` best backgrounds of the whole split whose
      place fits the person's outfit, by the oracle: what a user wants.

    Each foreground is scored at its own placement (:mod:`artlib.select`). Columns ``verifier``
    and ``random`` (the expectation under a random ranking).
    """
    from .select import GalleryIndex

    gallery = gallery_from_manifest(manifest, split)
    index = GalleryIndex.build(verifier, gallery)
    ids = [int(n.split("_")[0]) for n in gallery.names]
    places = [manifest.sources[i]["place"] for i in ids]
    rng = np.random.default_rng([seed, 23])
    size = manifest.config.size
    ranks, prec = [], {k: [] for k in ks}
    base_prec = {k: [] for k in ks}
    for qi, i in enumerate(ids[:n_queries]):
        meta = manifest.sources[i]
        fg = render_foreground(read_sprite(manifest, i), Placement(*meta["placement"]), (size, size))
        s = index.scores(verifier, torch.from_numpy(fg).permute(2, 0, 1)[None])
        others = rng.choice([j for j in range(len(ids)) if j != qi], min(distractors, len(ids) - 1), replace=False)
        pool = np.concatenate([[qi], others])
        ranks.append(1 + int(np.sum(s[pool] > s[qi])) + 0.5 * int(np.sum(s[pool[1:]] == s[qi])))
        fits = np.array([world.compatible(meta["outfit"], p) for p in places])
        for k in ks:
            prec[k].append(precision_at_k(fits, s, k))
            base_prec[k].append(fits.mean())
    ranks = np.array(ranks)
    n = len(pool)
    rows = {f"recall@{k}": (float(np.mean(ranks <= k)), k / n) for k in ks}
    rows["MRR"] = (float(np.mean(1 / ranks)), float(np.mean(1 / np.arange(1, n + 1))))
    rows.update({f"precision@{k} (compatible)": (float(np.mean(prec[k])), float(np.mean(base_prec[k]))) for k in ks})
    return pd.DataFrame(rows, index=["verifier", "random"]).T


def read_sprite(manifest, index: int) -> np.ndarray:
    """The person sprite of a source, ``(h, w, 4)`` float in [0, 1]."""
    from .data import read_source

    hashes = manifest.sources[index].get("sha256")
    return read_source(manifest.root, index, manifest.config.size, hashes).sprite.astype(np.float32) / 255


def retouch_report(verifier: Verifier, manifest, split: str = "test", n_queries: int = 20, top_k: int = 5,
                   cfg: AdjustConfig | None = None, seed: int = 0) -> tuple[pd.DataFrame, list]:
    """The whole pipeline (Figure 3) on held-out foregrounds, judged by the oracle.

    Each of the first ``n_queries`` people of the split is retouched onto the split's gallery
    (its own background included); every result's placement is judged by the oracle on that
    background's scene, and its place against the person's outfit. Returns one row per result
    (``query``, ``rank``, ``background``, ``compatible``, ``plausible``, scores) and the
    :class:`artlib.retouch.RetouchResult` lists per query.
    """
    from .data import scene_of
    from .retouch import Foreground, retouch
    from .select import GalleryIndex

    gallery = gallery_from_manifest(manifest, split)
    index = GalleryIndex.build(verifier, gallery)
    rows, results = [], []
    for qi, name in enumerate(gallery.names[:n_queries]):
        i = int(name.split("_")[0])
        meta = manifest.sources[i]
        fg = Foreground(read_sprite(manifest, i), Placement(*meta["placement"]), full_frame=True)
        res = retouch(verifier, fg, gallery, index, top_k=top_k, adjust_config=cfg, seed=seed + qi)
        results.append((meta, fg, res))
        for r in res:
            j = int(r.name.split("_")[0])
            aspect = fg.sprite.shape[1] / fg.sprite.shape[0]
            ok = world.plausible_mask(scene_of(manifest, j), r.placement.x, r.placement.y, r.placement.scale, aspect=aspect)
            rows.append({"query": name, "outfit": meta["outfit"], "rank": r.rank, "background": r.name,
                         "place": manifest.sources[j]["place"], "compatible": world.compatible(meta["outfit"], manifest.sources[j]["place"]),
                         "plausible": bool(ok), "content": r.content, "spatial": r.spatial})
    return pd.DataFrame(rows), results


def failure_cases(rows: pd.DataFrame, results: list, manifest, n: int = 8) -> list[tuple[np.ndarray, str]]:
    """Retouched composites the oracle rejects, with the reason, for :func:`artlib.plots.failures`.

    ``rows`` and ``results`` come from :func:`retouch_report`; a result fails when its place does
    not fit the outfit or its placement breaks a rule of the oracle.
    """
    from .data import scene_of

    out = []
    for meta, fg, res in results:
        for r in res:
            j = int(r.name.split("_")[0])
            place = manifest.sources[j]["place"]
            why = world.implausible_reasons(scene_of(manifest, j), r.placement, fg.sprite.shape[1] / fg.sprite.shape[0])
            if not world.compatible(meta["outfit"], place):
                why = [f"{meta['outfit']} does not fit a {place}", *why]
            if why:
                out.append((r.image, f"#{r.rank}: " + "; ".join(why)))
            if len(out) == n:
                return out
    return out
