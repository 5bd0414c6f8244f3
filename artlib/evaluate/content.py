"""The content head judged by the oracle's outfit rule, the placement shortcut (mean prediction
per sample kind) and the label noise of the paper's content negatives.

Shown in chapters 2, 3 and 5.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import torch

from .. import world
from ..compose import image_to_tensor, render_foreground
from ..model import Verifier
from .measures import auc, precision_at_k
from .queries import Query

__all__ = ["content_report", "kind_means", "noise_by_prediction"]


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
            fg = image_to_tensor(render_foreground(q.sprite, q.placement, q.background.shape[:2]))
            fg = fg.to(device).expand(len(queries), -1, -1, -1)
            p = np.concatenate([verifier.score(fg[i : i + batch_size], ctx.select(torch.arange(i, min(i + batch_size, len(queries)))),
                                               ("content",))["content"].double().cpu().numpy()
                                for i in range(0, len(queries), batch_size)])
            fits = np.array([world.compatible(q.outfit, pl) for pl in places])
            rows.append({"query": q.name, "outfit": q.outfit, "auc": auc(fits, p),
                         "top3_compatible": precision_at_k(fits, p, 3), "chance": float(fits.mean())})
    return pd.DataFrame(rows)


def kind_means(pred: dict[str, np.ndarray], n_boot: int = 1000, seed: int = 0, level: float = 0.95) -> pd.DataFrame:
    """The shortcut measure: mean predicted content probability per sample kind, with bootstrap intervals.

    Under the paper's sampling, placement tells content apart (chapter 2): a verifier that
    learnt the shortcut gives moved foregrounds (``D_s-``) a higher content probability than
    positives. Rows are kinds; columns ``mean``, ``low``, ``high`` (percentile bootstrap).
    """
    from ..data import Kind

    rng = np.random.default_rng(seed)
    rows = {}
    for k in Kind:
        name = k.label
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
    from ..data import Kind

    s = manifest.samples
    rows = np.asarray(pred["rows"])
    neg = np.asarray(pred["kind"]) == Kind.CONTENT_NEGATIVE
    fits = np.array([world.compatible(manifest.sources[int(s["fg_source"][r])]["outfit"], manifest.sources[int(s["bg_source"][r])]["place"])
                     for r in rows])
    p = np.asarray(pred["content"])
    return pd.DataFrame({"content negatives": [int((neg & fits).sum()), int((neg & ~fits).sum())],
                         "mean predicted P(consistent)": [p[neg & fits].mean(), p[neg & ~fits].mean()]},
                        index=["outfit fits the place (label noise)", "outfit does not fit"])

