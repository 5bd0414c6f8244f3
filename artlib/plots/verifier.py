"""Figures of chapters 2 and 3: the verifier (Figure 2), its training, its scores and the ablations (Table 2)."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from ..compose import composite
from ..data import ARTDataset, Kind

__all__ = [
    "ablation_bars", "architecture", "calibration", "lambda_grid", "score_distributions", "training_curves",
    "wrong_examples"
]


def training_curves(history: list[dict]) -> Figure:
    """Training loss, content accuracy / AUC and spatial RMSE (with the mean baseline) per epoch."""
    ep = [h["epoch"] for h in history]
    fig, axes = plt.subplots(1, 3, figsize=(10, 2.8))
    axes[0].plot(ep, [h["train_loss"] for h in history], "o-", label="total")
    axes[0].plot(ep, [h["train_loss_content"] for h in history], "o--", label="content")
    axes[0].plot(ep, [h["train_loss_spatial"] for h in history], "o:", label="spatial")
    axes[0].set_title("training loss", fontsize=9)
    axes[0].legend(fontsize=7)
    axes[1].plot(ep, [h["accuracy"] for h in history], "o-", label="accuracy")
    axes[1].plot(ep, [h["auc"] for h in history], "o-", label="ROC-AUC")
    axes[1].plot(ep, [h["balanced_accuracy"] for h in history], "o-", label="balanced acc.")
    axes[1].set_title("test: content", fontsize=9)
    axes[1].legend(fontsize=7)
    axes[2].plot(ep, [h["rmse"] for h in history], "o-", label="verifier")
    axes[2].plot(ep, [h["rmse_mean_baseline"] for h in history], "k--", label="predict the mean")
    axes[2].set_title("test: spatial RMSE", fontsize=9)
    axes[2].legend(fontsize=7)
    for ax in axes:
        ax.set_xlabel("epoch")
    fig.tight_layout()
    return fig


def score_distributions(pred: dict[str, np.ndarray]) -> Figure:
    """Predicted content and spatial scores per sample type, and spatial vs eq. (1) on D_s-."""
    fig, axes = plt.subplots(1, 3, figsize=(11, 3))
    bins = np.linspace(0, 1, 26)
    for k in Kind:
        m, name = pred["kind"] == k, k.label
        axes[0].hist(pred["content"][m], bins=bins, alpha=0.5, density=True, label=name)
        axes[1].hist(pred["spatial"][m], bins=bins, alpha=0.5, density=True, label=name)
    axes[0].set_xlabel("predicted content probability")
    axes[1].set_xlabel("predicted spatial score")
    axes[0].legend(fontsize=7)
    axes[1].legend(fontsize=7)
    m = pred["kind"] == Kind.SPATIAL_NEGATIVE
    axes[2].scatter(pred["y_spatial"][m], pred["spatial"][m], s=4, alpha=0.4)
    axes[2].plot([0, 1], [0, 1], "k--", lw=0.8)
    axes[2].set_xlabel("eq. (1) target (D_s-)")
    axes[2].set_ylabel("predicted")
    fig.tight_layout()
    return fig


def calibration(pred: dict[str, np.ndarray], bins: int = 10) -> Figure:
    """Reliability diagram of the content probability (fraction of positives per bin)."""
    from sklearn.calibration import calibration_curve

    frac, mean = calibration_curve(pred["y_content"] >= 0.5, pred["content"], n_bins=bins, strategy="quantile")
    fig, ax = plt.subplots(figsize=(3.6, 3.2))
    ax.plot(mean, frac, "o-", label="verifier")
    ax.plot([0, 1], [0, 1], "k--", lw=0.8, label="calibrated")
    ax.set_xlabel("predicted P(consistent)")
    ax.set_ylabel("fraction consistent")
    ax.legend(fontsize=7)
    fig.tight_layout()
    return fig


def wrong_examples(ds: ARTDataset, pred: dict[str, np.ndarray], rows: np.ndarray, n: int = 8) -> Figure:
    """The test composites whose content prediction is most confidently wrong."""
    err = np.abs(pred["content"] - pred["y_content"])
    worst = np.argsort(-err)[:n]
    cols = min(n, 4)
    fig, axes = plt.subplots(int(np.ceil(n / cols)), cols, figsize=(2.2 * cols, 2.5 * np.ceil(n / cols)), squeeze=False)
    for ax in axes.ravel():
        ax.axis("off")
    for ax, i in zip(axes.ravel(), worst):
        k = int(np.flatnonzero(ds.rows == rows[i])[0])
        it = ds[k]
        fg, bg = it["fg"].numpy().transpose(1, 2, 0), it["bg"].numpy().transpose(1, 2, 0)
        ax.imshow(np.clip(composite(bg, fg), 0, 1))
        s = ds.manifest.samples
        r = int(rows[i])
        fo, bp = ds.manifest.sources[int(s["fg_source"][r])]["outfit"], ds.manifest.sources[int(s["bg_source"][r])]["place"]
        ax.set_title(f"{Kind(int(pred['kind'][i])).label}: {fo} in {bp}\nlabel {pred['y_content'][i]:.0f}, "
                     f"P={pred['content'][i]:.2f}", fontsize=7)
    fig.tight_layout()
    return fig


def ablation_bars(df, metric: str, paper: dict[str, float] | None = None) -> Figure:
    """Per-variant mean and std over seeds of one metric, each seed as a dot."""
    g = df.groupby("variant", sort=False)[metric]
    names = list(g.groups)
    fig, ax = plt.subplots(figsize=(7, 2.8))
    ax.bar(range(len(names)), g.mean().values, yerr=g.std(ddof=1).fillna(0).values, color="0.8", capsize=3)
    for i, n in enumerate(names):
        v = df.loc[df["variant"] == n, metric].values
        ax.plot(np.full(len(v), i), v, "k.", ms=5)
    if paper:
        for label, v in paper.items():
            ax.axhline(v, ls="--", lw=0.8, color="C3" if "base" in label else "C0", label=f"paper: {label}")
        ax.legend(fontsize=7)
    ax.set_xticks(range(len(names)))
    ax.set_xticklabels(names, rotation=15, fontsize=8)
    ax.set_ylabel(metric)
    lo = min(df[metric].min(), *(paper or {0: np.inf}).values())
    hi = max(df[metric].max(), *(paper or {0: -np.inf}).values())
    ax.set_ylim(max(0, lo - 0.1 * (hi - lo + 1e-3)), hi + 0.1 * (hi - lo + 1e-3))
    fig.tight_layout()
    return fig


def lambda_grid(table) -> Figure:
    """Content AUC and spatial RMSE across the lambda grid (one seed per value)."""
    fig, ax = plt.subplots(1, 2, figsize=(8, 2.8))
    ax[0].plot(table.index, table["auc"], "o-")
    ax[0].set_xlabel("lambda")
    ax[0].set_ylabel("content ROC-AUC")
    ax[1].plot(table.index, table["rmse"], "o-")
    ax[1].set_xlabel("lambda")
    ax[1].set_ylabel("spatial RMSE")
    fig.tight_layout()
    return fig


def architecture(model) -> Figure:
    """The paper's Figure 2 drawn from the model itself: every box labelled with its tensor's shape.

    ``model`` is an :class:`artlib.model.Verifier`; the shapes come from
    :func:`artlib.model.shape_table` (one real forward pass), so the drawing follows the model.
    """
    from ..model import shape_table

    shapes = dict(shape_table(model, batch=1))
    cfg = model.config
    fmap = shapes["encoder feature map H^F"]
    h = shapes[next(k for k in shapes if k.startswith("pooled"))]
    fig, ax = plt.subplots(figsize=(10, 4.6))
    ax.set_xlim(0, 10)
    ax.set_ylim(0, 6)
    ax.axis("off")

    def box(x, y, text, colour="#e8eef7", w=1.7, h_=0.7):
        ax.add_patch(plt.Rectangle((x - w / 2, y - h_ / 2), w, h_, fc=colour, ec="0.3", lw=0.8))
        ax.text(x, y, text, ha="center", va="center", fontsize=7.5)

    def arrow(x0, y0, x1, y1):
        ax.annotate("", (x1, y1), (x0, y0), arrowprops=dict(arrowstyle="->", lw=0.8, color="0.3"))

    rows = (("F", 5.0), ("B", 3.0), ("S", 1.0))
    for name, y in rows:
        box(0.9, y, f"{name}\n{tuple(shapes['input ' + name][1:])}", "#f6f6f6")
        box(2.8, y, f"{cfg.encoder}\n{tuple(fmap[1:])}")
        box(4.6, y, f"$h_{name}$\n{h[1]} dims")
        arrow(1.75, y, 1.95, y)
        arrow(3.65, y, 3.75, y)
    ys = dict(rows)
    box(6.3, 3.4, "$\\hat h$ = max($h_F$, $h_B$, $h_S$)", "#fdf3e1", w=1.5, h_=0.5)
    for _, y in rows:
        arrow(5.45, y, 5.55, 3.4)
    att = shapes.get(f"bi-attention h~_C ({cfg.attention})")
    u_c, u_s = shapes["U_C"], shapes.get("U_S")
    box(8.1, 5.2, f"$U_C$ {u_c[1]} dims" + (f"\nattention {att[1]} dims" if att else ""), "#e6f4e6", w=1.5)
    spatial = f"$U_S$ {u_s[1]} dims" if u_s else f"{cfg.spatial_fusion} fusion of F, B, S\n(B, S encoded once)"
    box(7.9, 1.6, spatial, "#e6f4e6", w=1.5)
    content_in = ("F", "S") if cfg.layout == "paper" else ("B", "F")
    spatial_in = (("F", "B") if cfg.layout == "paper" else ("S", "F")) if u_s else ("F", "B", "S")
    for name in content_in:
        arrow(5.45, ys[name], 7.35, 5.2)
    for name in spatial_in:
        arrow(5.45, ys[name], 7.35, 1.6)
    arrow(6.6, 3.65, 7.6, 4.85)
    if u_s:
        arrow(6.6, 3.15, 7.6, 1.95)
    box(9.45, 5.2, "$y^c$ content\n(softmax)" if cfg.loss == "paper" else "$y^c$ content\n(sigmoid)", "#fbe5e5", w=1.0)
    box(9.45, 1.6, "$y^s$ spatial\n(sigmoid)", "#fbe5e5", w=1.0)
    arrow(8.85, 5.2, 8.95, 5.2)
    arrow(8.85, 1.6, 8.95, 1.6)
    ax.set_title(f"The verifier as built: {cfg.encoder} encoders at {cfg.image_size} px, "
                 f"{cfg.attention} attention, {cfg.spatial_fusion} spatial fusion", fontsize=9)
    fig.tight_layout()
    return fig

