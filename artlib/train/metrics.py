"""Metrics of Section 5 (content accuracy, spatial RMSE) and more, from a verifier's predictions.

Shown in chapters 2 and 3.
"""
from __future__ import annotations

import numpy as np
import torch
from scipy.stats import spearmanr
from sklearn.metrics import balanced_accuracy_score, roc_auc_score

from ..data import ARTDataset, Kind, collate
from ..model import Verifier

__all__ = ["metrics", "predict", "validation_loss"]


@torch.no_grad()
def predict(model: Verifier, ds: ARTDataset, rows: np.ndarray, batch_size: int = 64, device: torch.device | None = None) -> dict[str, np.ndarray]:
    """Predictions of ``model`` (in eval mode) on dataset rows: content, spatial and targets."""
    device = device or next(model.parameters()).device
    was = model.training
    model.eval()
    out: dict[str, list] = {k: [] for k in ("content", "spatial", "y_content", "y_spatial", "kind")}
    for i in range(0, len(rows), batch_size):
        b = collate([ds[int(r)] for r in rows[i : i + batch_size]])
        pred = model(b["fg"].to(device), b["bg"].to(device), b["parse"].to(device))
        out["content"].append(pred["content"].float().cpu())
        out["spatial"].append(pred["spatial"].float().cpu())
        out["y_content"].append(b["content"])
        out["y_spatial"].append(b["spatial"])
        out["kind"].append(b["kind"])
    model.train(was)
    return {k: torch.cat(v).numpy() for k, v in out.items()}


def validation_loss(model: Verifier, pred: dict[str, np.ndarray]) -> float:
    """The training loss (:meth:`Verifier.loss`) evaluated on predictions.

    For a 2-way softmax head, cross-entropy depends only on the predicted probability, so
    ``log([1 - p, p])`` stands in for the logits.
    """
    p = torch.as_tensor(pred["content"], dtype=torch.float64).clamp(1e-12, 1 - 1e-12)
    out = {"content": p, "content_logits": torch.log(torch.stack([1 - p, p], 1)),
           "spatial": torch.as_tensor(pred["spatial"], dtype=torch.float64)}
    y_c = torch.as_tensor(pred["y_content"], dtype=torch.float64)
    return float(model.loss(out, y_c, torch.as_tensor(pred["y_spatial"], dtype=torch.float64))["loss"])


def metrics(pred: dict[str, np.ndarray], train_spatial_mean: float) -> dict[str, float]:
    """Metrics of Section 5 and more (see the chapter on the verifier).

    * ``accuracy``, ``balanced_accuracy``, ``auc``: content classification (threshold 0.5);
    * ``rmse``: spatial RMSE over all samples (the paper's Task 2 RMSE);
    * ``rmse_mean_baseline``: RMSE of always predicting the training mean target;
    * ``rmse_spatial_neg``, ``spearman_spatial_neg``: on spatial negatives only, RMSE and
      Spearman correlation of the predicted score with eq. (1);
    * ``content_mean_K``, ``spatial_mean_K``: mean predictions per sample kind ``K``.
    """
    yc, p = pred["y_content"], pred["content"]
    ys, q = pred["y_spatial"], pred["spatial"]
    sneg = pred["kind"] == Kind.SPATIAL_NEGATIVE
    out = {
        "accuracy": float(np.mean((p >= 0.5) == (yc >= 0.5))),
        "balanced_accuracy": float(balanced_accuracy_score(yc >= 0.5, p >= 0.5)),
        "auc": float(roc_auc_score(yc >= 0.5, p)) if len(np.unique(yc)) == 2 else float("nan"),
        "rmse": float(np.sqrt(np.mean((q - ys) ** 2))),
        "rmse_mean_baseline": float(np.sqrt(np.mean((train_spatial_mean - ys) ** 2))),
        "rmse_spatial_neg": float(np.sqrt(np.mean((q[sneg] - ys[sneg]) ** 2))) if sneg.any() else float("nan"),
        "spearman_spatial_neg": float(spearmanr(q[sneg], ys[sneg]).statistic) if sneg.sum() > 2 else float("nan"),
    }
    for k in Kind:
        m, name = pred["kind"] == k, k.label
        out[f"content_mean_{name}"] = float(p[m].mean()) if m.any() else float("nan")
        out[f"spatial_mean_{name}"] = float(q[m].mean()) if m.any() else float("nan")
    return out
