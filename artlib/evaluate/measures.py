"""Measures shared by the oracle's reports: precision at k with fair ties, an AUC that tolerates one class.

Shown in chapters 2 to 5.
"""
from __future__ import annotations

import numpy as np
from sklearn.metrics import roc_auc_score

__all__ = ["EXHAUSTIVE_GRID", "auc", "precision_at_k"]


#: The exhaustive grid ``(nx, ny, ns)`` of the grid measures and of the optimality gap.
EXHAUSTIVE_GRID = (12, 12, 7)


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
