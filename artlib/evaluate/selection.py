"""Background selection (Section 4.1) and the whole retoucher (Figure 3) judged by the oracle:
retrieval of the person's own background among distractors, outfit compatibility, plausibility.

Shown in chapter 5.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import torch

from .. import world
from ..adjust import AdjustConfig
from ..compose import Placement, render_foreground
from ..model import Verifier
from .measures import precision_at_k
from .queries import read_sprite

__all__ = ["failure_cases", "gallery_from_manifest", "retouch_report", "retrieval_report"]


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
    from ..select import GalleryIndex

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
        fg = render_foreground(read_sprite(manifest, i), Placement.of(meta["placement"]), (size, size))
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


def retouch_report(verifier: Verifier, manifest, split: str = "test", n_queries: int = 20, top_k: int = 5,
                   cfg: AdjustConfig | None = None, seed: int = 0) -> tuple[pd.DataFrame, list]:
    """The whole pipeline (Figure 3) on held-out foregrounds, judged by the oracle.

    Each of the first ``n_queries`` people of the split is retouched onto the split's gallery
    (its own background included); every result's placement is judged by the oracle on that
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

