"""Background selection (Section 4.1) and the whole retoucher (Figure 3) judged by the oracle:
outfit compatibility and variety of the kept backgrounds, retrieval of the person's own
background among distractors, beside chance and a person-blind ranking; plausibility.

Shown in chapter 5.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .. import world
from ..adjust import AdjustConfig
from ..compose import Placement, image_to_tensor, render_foreground
from ..model import Verifier
from ..variety import DIVERSITY, diverse_ranking
from .measures import auc
from .queries import read_sprite

__all__ = ["SELECTION_COLUMNS", "choose_diversity", "failure_cases", "gallery_from_manifest", "person_blind_scores",
           "retouch_report", "retouch_verdicts", "selection_report"]


def gallery_from_manifest(manifest, split: str = "test"):
    """The backgrounds of a built dataset's ``split`` as a :class:`artlib.select.Gallery`
    (names ``NNNNNN_place``, the source index first)."""
    from pathlib import Path

    from ..data import SPLITS, read_source
    from ..data import Gallery

    ids = [s["index"] for s in manifest.sources if s["split"] == SPLITS.index(split)]
    srcs = [read_source(manifest.root, i, manifest.config.size, manifest.sources[i].get("sha256")) for i in ids]
    names = [f"{i:06d}_{manifest.sources[i]['place']}" for i in ids]
    return Gallery(Path(manifest.root), names, np.stack([s.background for s in srcs]), np.stack([s.labels for s in srcs]),
                   [manifest.sources[i]["sha256"]["bg.png"] for i in ids])


#: The columns of :func:`selection_report`, in order.
SELECTION_COLUMNS = ("precision@1", "precision@k", "fitting kinds@k", "3 fitting kinds@k", "kinds@k",
                     "recall@1", "recall@5", "recall@10", "MRR", "content AUC")


def person_blind_scores(places: list[str]) -> np.ndarray:
    """The best ranking that ignores the person: each place scored by how many outfits fit it
    (the world's rule), so street and lakeside come first for everyone. ``(N,)``."""
    return np.array([sum(p in fits for fits in world.COMPATIBLE.values()) for p in places], np.float64)


def _ranked_measures(order: np.ndarray, fits: np.ndarray, places: np.ndarray, k: int) -> dict[str, float]:
    """Precision and kinds of place in the first ``k`` of ``order`` (indices into the gallery)."""
    top = order[:k]
    kinds = len(set(places[top][fits[top]]))
    return {"precision@1": float(fits[order[0]]), "precision@k": float(fits[top].mean()),
            "fitting kinds@k": kinds, "3 fitting kinds@k": float(kinds >= min(3, len(set(places[fits])))),
            "kinds@k": len(set(places[top]))}


def _own_rank(scores: np.ndarray, features: np.ndarray, pool: np.ndarray, own: int, weight: float) -> int:
    """1-based rank of the own background among ``pool`` (shuffled, so ties fall at random)."""
    order = pool[diverse_ranking(scores[pool], features[pool], len(pool), weight)]
    return 1 + int(np.flatnonzero(order == own)[0])


def selection_report(rankers: dict[str, tuple[Verifier, float]], manifest, split: str = "test", n_queries: int = 100,
                     distractors: int = 100, k: int = 5, seed: int = 0, draws: int = 200) -> pd.DataFrame:
    """Background selection judged by the oracle, one row per ranking, beside chance and a person-blind ranking.

    ``rankers`` maps a row name to ``(verifier, diversity)`` (:func:`artlib.select.diverse_ranking`;
    0 is the plain top k). The first ``n_queries`` people of ``split`` are each ranked against the
    split's backgrounds (scored at their own placement, :mod:`artlib.select`). Columns
    (:data:`SELECTION_COLUMNS`), means over people:

    * ``precision@1``, ``precision@k``: share of the first 1 and ``k`` backgrounds whose place fits
      the outfit by the world's rule, what a user wants;
    * ``fitting kinds@k``: distinct places among those of the first ``k`` that fit;
      ``3 fitting kinds@k``: share of people with at least three (or all the kinds the gallery
      has that fit, if fewer); ``kinds@k``: distinct places among the first ``k``;
    * ``recall@1/5/10``, ``MRR``: the person's *own* background among ``distractors`` others, the
      label the paper trains on, in the order the ranking keeps them;
    * ``content AUC``: the scores against the oracle's rule over the whole gallery.

    Row ``chance``: the expectation of a random ranking (kinds by ``draws`` random draws per
    person); row ``person-blind``: :func:`person_blind_scores`, ties broken at random.
    """
    from ..select import GalleryIndex

    if not 1 <= k <= 10:
        raise ValueError(f"k must be in [1, 10], got {k}")
    gallery = gallery_from_manifest(manifest, split)
    ids = [int(n.split("_")[0]) for n in gallery.names]
    places = np.array([manifest.sources[i]["place"] for i in ids])
    n_q = min(n_queries, len(ids))
    rng = np.random.default_rng([seed, 23])
    pools = [rng.permutation(np.concatenate([[qi], rng.choice([j for j in range(len(ids)) if j != qi],
                                                               min(distractors, len(ids) - 1), replace=False)]))
             for qi in range(n_q)]
    fits = [np.array([world.compatible(manifest.sources[ids[qi]]["outfit"], p) for p in places]) for qi in range(n_q)]
    size = manifest.config.size
    fgs = [image_to_tensor(render_foreground(read_sprite(manifest, ids[qi]), Placement.of(manifest.sources[ids[qi]]["placement"]),
                                             (size, size))) for qi in range(n_q)]
    rows: dict[str, list[dict[str, float]]] = {"chance": [], "person-blind": []}
    blind = person_blind_scores(list(places))
    surfaces = None
    for name, (verifier, weight) in rankers.items():
        index = GalleryIndex.build(verifier, gallery)
        surfaces = index.surfaces.numpy()
        rows[name] = []
        for qi in range(n_q):
            s = index.scores(verifier, fgs[qi])
            order = diverse_ranking(s, surfaces, k, weight)
            rank = _own_rank(s, surfaces, pools[qi], qi, weight)
            rows[name].append({**_ranked_measures(order, fits[qi], places, k), **_recall(rank),
                               "content AUC": auc(fits[qi], s)})
    for qi in range(n_q):
        s = blind + rng.random(len(blind)) * 1e-3
        order = np.argsort(-s)
        rank = 1 + int(np.sum(s[pools[qi]] > s[qi]))
        rows["person-blind"].append({**_ranked_measures(order, fits[qi], places, k), **_recall(rank),
                                     "content AUC": auc(fits[qi], blind)})
        draws_ = [_ranked_measures(rng.permutation(len(ids))[:k], fits[qi], places, k) for _ in range(draws)]
        n = len(pools[qi])
        rows["chance"].append({**{c: float(np.mean([d[c] for d in draws_])) for c in draws_[0]},
                               "precision@1": float(fits[qi].mean()), "precision@k": float(fits[qi].mean()),
                               **{f"recall@{r}": min(r, n) / n for r in (1, 5, 10)},
                               "MRR": float(np.mean(1 / np.arange(1, n + 1))), "content AUC": 0.5})
    table = pd.DataFrame({name: pd.DataFrame(r).mean() for name, r in rows.items()}).T
    return table[list(SELECTION_COLUMNS)].rename(columns=lambda c: c.replace("@k", f"@{k}"))


def choose_diversity(sweep: pd.DataFrame, k: int, min_precision: float = 0.9) -> float:
    """The weight of variety to use: among the weights of ``sweep`` (rows named by weight, columns of
    :func:`selection_report`, on validation people) whose precision@k is at least ``min_precision``,
    the one with the most kinds of place that fit in the first ``k`` (the smaller on ties); 0 (the
    plain top k) when none keeps that precision."""
    ok = sweep[sweep[f"precision@{k}"] >= min_precision]
    if ok.empty:
        return 0.0
    best = ok[f"fitting kinds@{k}"].max()
    return min(float(w) for w in ok.index[ok[f"fitting kinds@{k}"] >= best - 1e-12])


def _recall(rank: int) -> dict[str, float]:
    return {**{f"recall@{r}": float(rank <= r) for r in (1, 5, 10)}, "MRR": 1 / rank}


def retouch_report(verifier: Verifier, manifest, split: str = "test", n_queries: int = 20, top_k: int = 5,
                   cfg: AdjustConfig | None = None, seed: int = 0,
                   diversity: float = DIVERSITY) -> tuple[pd.DataFrame, list]:
    """The whole pipeline (Figure 3) on held-out foregrounds, judged by the oracle.

    Each of the first ``n_queries`` people of the split is retouched onto the split's gallery
    (its own background included), the backgrounds kept with ``diversity`` (0: the plain top k); every result's placement is judged by the oracle on that
    background's scene, and its place against the person's outfit. Returns one row per result
    (``query``, ``rank``, ``background``, ``compatible``, ``plausible``, scores) and the
    :class:`artlib.retouch.RetouchResult` lists per query.
    """
    from ..data import scene_of
    from ..retouch import Foreground, retouch
    from ..select import GalleryIndex

    gallery = gallery_from_manifest(manifest, split)
    index = GalleryIndex.build(verifier, gallery)
    rows, results = [], []
    for qi, name in enumerate(gallery.names[:n_queries]):
        i = int(name.split("_")[0])
        meta = manifest.sources[i]
        fg = Foreground(read_sprite(manifest, i), Placement.of(meta["placement"]), full_frame=True)
        res = retouch(verifier, fg, gallery, index, top_k=top_k, adjust_config=cfg, seed=seed + qi, diversity=diversity)
        results.append((meta, fg, res))
        for r in res:
            j = int(r.name.split("_")[0])
            aspect = fg.sprite.shape[1] / fg.sprite.shape[0]
            ok = world.plausible_mask(scene_of(manifest, j), r.placement.x, r.placement.y, r.placement.scale, aspect=aspect)
            rows.append({"query": name, "outfit": meta["outfit"], "rank": r.rank, "background": r.name,
                         "place": manifest.sources[j]["place"], "compatible": world.compatible(meta["outfit"], manifest.sources[j]["place"]),
                         "plausible": bool(ok), "content": r.content, "spatial": r.spatial})
    return pd.DataFrame(rows), results


def retouch_verdicts(rows: pd.DataFrame) -> pd.Series:
    """The oracle's verdicts on :func:`retouch_report`'s rows: how many results, the shares whose
    place fits the outfit, whose placement is plausible, and both, and the kinds of place per person."""
    return pd.Series({"results": len(rows), "place fits the outfit": rows["compatible"].mean(),
                      "placement plausible": rows["plausible"].mean(),
                      "both": (rows["compatible"] & rows["plausible"]).mean(),
                      "kinds of place per person": rows.groupby("query")["place"].nunique().mean()})


def failure_cases(rows: pd.DataFrame, results: list, manifest, n: int = 8) -> list[tuple[np.ndarray, str]]:
    """Retouched composites the oracle rejects, with the reason, for :func:`artlib.plots.failures`.

    ``rows`` and ``results`` come from :func:`retouch_report`; a result fails when its place does
    not fit the outfit or its placement breaks a rule of the oracle.
    """
    from ..data import scene_of

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

