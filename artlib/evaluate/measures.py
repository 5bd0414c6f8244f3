"""Measures shared by the oracle's reports: precision at k with fair ties, an AUC that tolerates one class.

Shown in chapters 2 to 5.
"""
from __future__ import annotations

import numpy as np
from sklearn.metrics import roc_auc_score

__all__ = ["EXHAUSTIVE_GRID", "MEASURES", "auc", "labelled", "precision_at_k"]

#: The measures the book reports, one table: the key used in data (records, JSON, columns) and
#: the label a reader sees in tables. Keys never change with the wording of a table.
MEASURES: dict[str, str] = {
    "scenes": "scenes",
    "plausible_share": "plausible share (chance)",
    "spatial_auc": "spatial AUC (oracle)",
    "best_plausible": "best cell plausible",
    "top5_plausible": "top-5 cells plausible",
    "true_percentile": "own placement percentile",
    "ascent_plausible": "ascent plausible",
    "content_auc": "content AUC (oracle)",
    "top3_compatible": "top-3 compatible",
    "content_auc_split": "content AUC (split)",
    "accuracy_split": "accuracy (split)",
    "rmse_split": "RMSE (split)",
    "spearman_split": "Spearman D_s- (split)",
    "minutes": "training minutes",
}


def labelled(table):
    """``table`` (DataFrame, Series or dict) with every measure key shown as its label (:data:`MEASURES`).

    >>> labelled({"best_plausible": 0.9, "variant": "x"})
    {'best cell plausible': 0.9, 'variant': 'x'}
    """
    import pandas as pd

    if isinstance(table, pd.DataFrame):
        return table.rename(index=MEASURES, columns=MEASURES)
    if isinstance(table, pd.Series):
        return table.rename(index=MEASURES)
    return {MEASURES.get(k, k): v for k, v in table.items()}


#: The exhaustive grid ``(nx, ny, ns)`` of the grid measures and of the optimality gap. Its scale
#: steps (a factor of 9 ** (1 / 11) = 1.22) lie well inside the oracle's height band (a factor of
#: 1.25 / 0.75 = 1.67), so every scene's plausible band holds cells of two or three scales.
EXHAUSTIVE_GRID = (16, 16, 12)


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


def auc(labels: np.ndarray, scores: np.ndarray) -> float:
    """ROC AUC of ``scores`` for binary ``labels``; NaN when only one class is present."""
    return float(roc_auc_score(labels, scores)) if 0 < labels.sum() < len(labels) else float("nan")
