"""Figures of the book (matplotlib). Each function returns the figure it draws."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from . import world
from .compose import composite
from .data import KINDS, ARTDataset
from .score import spatial_score


def _off(ax) -> None:
    ax.set_xticks([])
    ax.set_yticks([])


def _box(ax, box: np.ndarray, size: int, colour: str = "yellow") -> None:
    x0, y0, x1, y1 = np.asarray(box) * size
    ax.add_patch(plt.Rectangle((x0 - 0.5, y0 - 0.5), x1 - x0, y1 - y0, fill=False, ec=colour, lw=1))


def world_grid(samples: list[world.WorldSample], with_parse: bool = True) -> Figure:
    """One photo (and its parsing map) per world sample, titled by place and outfit."""
    n = len(samples)
    cols = 8
    per = 2 if with_parse else 1
    rows = int(np.ceil(n * per / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(cols * 1.6, rows * 1.75))
    for ax in np.ravel(axes):
        ax.axis("off")
    for i, s in enumerate(samples):
        ax = np.ravel(axes)[i * per]
        ax.imshow(s.image)
        ax.set_title(f"{s.scene.place}\n{s.person.outfit}", fontsize=7)
        if with_parse:
            np.ravel(axes)[i * per + 1].imshow(world.parse_colours(s.scene.labels))
            np.ravel(axes)[i * per + 1].set_title("S", fontsize=7)
    fig.tight_layout()
    return fig


def outfits(height_px: int = 96, seed: int = 0) -> Figure:
    """The six outfits of the world's people, with the places each fits."""
    rng = np.random.default_rng(seed)
    fig, axes = plt.subplots(1, len(world.OUTFITS), figsize=(2 * len(world.OUTFITS), 3.2))
    for ax, o in zip(axes, world.OUTFITS):
        spr = world.draw_person(world.sample_person(rng, outfit=o), height_px)
        ax.imshow(composite(np.full(spr.shape[:2] + (3,), 0.85, np.float32), np.concatenate([spr[..., :3] * spr[..., 3:], spr[..., 3:]], 2)))
        ax.set_title(o, fontsize=9)
        ax.set_xlabel("\n".join(sorted(world.COMPATIBLE[o])), fontsize=6)
        _off(ax)
    fig.tight_layout()
    return fig


def label_legend() -> Figure:
    """The label palette of parsing maps, walkable labels marked."""
    fig, ax = plt.subplots(figsize=(8, 1.2))
    ax.imshow(world.PALETTE[None])
    ax.set_xticks(range(len(world.LABELS)))
    ax.set_xticklabels([f"{n}{'*' if w else ''}" for n, w in zip(world.LABELS, world.WALKABLE)], rotation=60, fontsize=7)
    ax.set_yticks([])
    ax.set_title("parsing labels (* walkable)", fontsize=9)
    fig.tight_layout()
    return fig


def plausibility_map(sample: world.WorldSample, steps: int = 64) -> Figure:
    """Where the oracle accepts this person, at the perspective-correct height for each row."""
    scene = sample.scene
    ys, xs = np.meshgrid((np.arange(steps) + 0.5) / steps, (np.arange(steps) + 0.5) / steps, indexing="ij")
    scale = np.clip(world.perspective_height(scene, ys) * sample.person.height_factor, 1e-3, None)
    ok = world.plausible_mask(scene, xs, ys, scale)
    fig, axes = plt.subplots(1, 3, figsize=(9, 3.2))
    axes[0].imshow(sample.image)
    axes[0].set_title("photo", fontsize=9)
    axes[1].imshow(world.parse_colours(scene.labels))
    axes[1].axhline(scene.horizon * scene.labels.shape[0], color="k", ls="--", lw=0.8)
    axes[1].set_title("S and horizon", fontsize=9)
    axes[2].imshow(scene.background)
    axes[2].imshow(ok, alpha=0.5, cmap="Greens", extent=(0, scene.labels.shape[1], scene.labels.shape[0], 0))
    axes[2].set_title("plausible feet positions", fontsize=9)
    for ax in axes:
        _off(ax)
    fig.tight_layout()
    return fig


def eq1_curves(ratios: tuple[float, ...] = (1.0, 1.25, 1.5, 2.0)) -> Figure:
    """Eq. (1) against the relative distance x / x_max, one curve per scaling ratio."""
    t = np.linspace(0, 1, 201)
    fig, ax = plt.subplots(figsize=(5.5, 3.2))
    for r in ratios:
        ax.plot(t, spatial_score(t, 1.0, r), label=f"r = {r:g} (or 1/{r:g})")
    ax.axvspan(0, 0.3, color="0.9", zorder=0)
    ax.text(0.15, 0.05, "flat: little signal", ha="center", fontsize=8)
    ax.set_xlabel("x / x_max")
    ax.set_ylabel("spatial score")
    ax.legend(fontsize=8)
    ax.set_title("eq. (1), a = 10, b = 20", fontsize=9)
    fig.tight_layout()
    return fig


def sample_grid(ds: ARTDataset, per_kind: int = 2, seed: int = 0) -> Figure:
    """Figure-1-style grid: F, B, S and the composite, for samples of each kind."""
    rng = np.random.default_rng(seed)
    kinds = ds.manifest.samples["kind"][ds.rows]
    picks = [(k, int(i)) for k in range(len(KINDS)) for i in rng.choice(np.flatnonzero(kinds == k), per_kind, replace=False)]
    fig, axes = plt.subplots(len(picks), 4, figsize=(6.4, 1.7 * len(picks)))
    for row, (k, i) in zip(axes, picks):
        it = ds[i]
        fg = it["fg"].numpy().transpose(1, 2, 0)
        bg = it["bg"].numpy().transpose(1, 2, 0)
        checker = np.where((np.indices(fg.shape[:2]).sum(0) // 4) % 2, 0.8, 0.6)[..., None].repeat(3, 2).astype(np.float32)
        row[0].imshow(composite(checker, fg))
        row[1].imshow(bg)
        row[2].imshow(world.parse_colours(it["parse"].numpy()))
        row[3].imshow(np.clip(composite(bg, fg), 0, 1))
        row[0].set_ylabel(f"{KINDS[k]}\nc={it['content']:.0f} s={it['spatial']:.2f}", fontsize=8)
        for ax in row:
            _off(ax)
    for ax, t in zip(axes[0], ("F", "B", "S", "composite")):
        ax.set_title(t, fontsize=9)
    fig.tight_layout()
    return fig


def spatial_targets(samples: dict[str, np.ndarray]) -> Figure:
    """Histograms of the spatial negatives' targets, distances and scaling ratios."""
    m = samples["kind"] == 1
    fig, axes = plt.subplots(1, 3, figsize=(10, 2.8))
    axes[0].hist(samples["spatial"][m], bins=40, range=(0, 1), color="C0")
    axes[0].set_xlabel("spatial target (eq. 1)")
    axes[0].set_ylabel("D_s- samples")
    rel = samples["distance"][m]
    axes[1].hist(rel, bins=40, color="C1")
    axes[1].set_xlabel("anchor displacement x (canvas units)")
    axes[2].hist(np.log2(samples["ratio"][m]), bins=40, color="C2")
    axes[2].set_xlabel("log2 scaling ratio r")
    fig.tight_layout()
    return fig


def leak_examples(rows: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray | None]]) -> Figure:
    """Photo, clean B, inpainted B, |difference| and the hole detector's guess, per row.

    Each row is ``(photo, clean, inpainted, true_box, guessed_box)``.
    """
    fig, axes = plt.subplots(len(rows), 4, figsize=(7.2, 1.85 * len(rows)), squeeze=False)
    for ax_row, (photo, clean, filled, box, guess) in zip(axes, rows):
        size = photo.shape[0]
        ax_row[0].imshow(photo)
        ax_row[1].imshow(clean)
        ax_row[2].imshow(filled)
        if guess is not None:
            _box(ax_row[2], guess, size, "red")
        _box(ax_row[2], box, size, "yellow")
        ax_row[3].imshow(np.abs(filled - clean).sum(-1), cmap="magma")
        for ax in ax_row:
            _off(ax)
    for ax, t in zip(axes[0], ("photo", "clean B", "inpainted B\n(yellow: person, red: guess)", "|inpainted - clean|")):
        ax.set_title(t, fontsize=8)
    fig.tight_layout()
    return fig


# ----------------------------------------------------------------------------- verifier
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
    for k, name in enumerate(KINDS):
        m = pred["kind"] == k
        axes[0].hist(pred["content"][m], bins=bins, alpha=0.5, density=True, label=name)
        axes[1].hist(pred["spatial"][m], bins=bins, alpha=0.5, density=True, label=name)
    axes[0].set_xlabel("predicted content probability")
    axes[1].set_xlabel("predicted spatial score")
    axes[0].legend(fontsize=7)
    axes[1].legend(fontsize=7)
    m = pred["kind"] == KINDS.index("D_s-")
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
        ax.set_title(f"{KINDS[int(pred['kind'][i])]}: {fo} in {bp}\nlabel {pred['y_content'][i]:.0f}, "
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


# ----------------------------------------------------------------------------- adjustment
def score_surface(background: np.ndarray, scores: np.ndarray, plausible: np.ndarray, scales: tuple[float, ...],
                  title: str = "") -> Figure:
    """Spatial score over anchors ``(x, y)`` at a few scales, beside the oracle's plausible anchors.

    ``scores`` and ``plausible`` are ``(len(scales), n, n)`` from :func:`artlib.evaluate.score_surface`.
    """
    fig, axes = plt.subplots(2, len(scales), figsize=(2.3 * len(scales), 4.6), squeeze=False)
    size = background.shape[0]
    ext = (0, background.shape[1], size, 0)
    for k, s in enumerate(scales):
        top, bottom = axes[0, k], axes[1, k]
        top.imshow(background)
        im = top.imshow(scores[k], extent=ext, alpha=0.75, cmap="viridis", vmin=0, vmax=1)
        top.set_title(f"scale {s:.2f}: y^s", fontsize=8)
        bottom.imshow(background)
        bottom.imshow(np.where(plausible[k], 1.0, np.nan), extent=ext, alpha=0.6, cmap="Greens", vmin=0, vmax=1.2)
        bottom.set_title("oracle: plausible feet", fontsize=8)
        for ax in (top, bottom):
            _off(ax)
    fig.colorbar(im, ax=axes[0].tolist(), shrink=0.8, label="spatial score")
    if title:
        fig.suptitle(title, fontsize=9)
    return fig


def filmstrips(rows: list[tuple[str, np.ndarray, np.ndarray, np.ndarray, np.ndarray, list]], frames: int = 6) -> Figure:
    """Figure 4 redone: the person moving uphill, one row per query.

    Each row is ``(title, background, sprite, placements (T, 3), scores (T,), verdicts (T,))``;
    ``frames`` evenly spaced steps are shown, with the spatial score and the oracle's verdict.
    """
    from .compose import Placement, paste

    fig, axes = plt.subplots(len(rows), frames, figsize=(1.6 * frames, 1.85 * len(rows)), squeeze=False)
    for ax_row, (title, bg, sprite, path, scores, verdicts) in zip(axes, rows):
        picks = np.unique(np.linspace(0, len(path) - 1, frames).round().astype(int))
        for ax in ax_row:
            ax.axis("off")
        for ax, t in zip(ax_row, picks):
            ax.axis("on")
            ax.imshow(np.clip(paste(bg, sprite, Placement(*map(float, path[t]))), 0, 1))
            mark = "" if verdicts is None else (" ✓" if verdicts[t] else " ✗")
            ax.set_title(f"step {t}: {scores[t]:.2f}{mark}", fontsize=7)
            _off(ax)
        ax_row[0].set_ylabel(title, fontsize=7)
    fig.tight_layout()
    return fig


def restarts_curve(curves: dict[str, "pd.Series"]) -> Figure:
    """Oracle plausibility of the search result against the number of restarts, per method."""
    fig, ax = plt.subplots(figsize=(4.2, 2.8))
    for name, c in curves.items():
        ax.plot(c.index, c.values, "o-", label=name)
    ax.set_xscale("log", base=2)
    ax.set_xticks(list(next(iter(curves.values())).index))
    ax.get_xaxis().set_major_formatter(plt.ScalarFormatter())
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("random restarts")
    ax.set_ylabel("result plausible (oracle)")
    ax.legend(fontsize=7)
    fig.tight_layout()
    return fig


def height_bands(bands: dict[str, tuple[np.ndarray, np.ndarray]], below: np.ndarray, scales: np.ndarray) -> Figure:
    """Mean spatial score over (feet below the horizon, scale) per verifier, beside the oracle's band.

    ``bands`` maps a verifier's name to :func:`artlib.evaluate.height_band`'s ``(score, plausible)``.
    """
    names = list(bands)
    fig, axes = plt.subplots(1, len(names) + 1, figsize=(3.1 * (len(names) + 1), 2.9), squeeze=False)
    ext = (scales[0], scales[-1], below[-1], below[0])
    for ax, name in zip(axes[0], names):
        im = ax.imshow(bands[name][0], extent=ext, aspect="auto", cmap="viridis", vmin=0, vmax=1)
        ax.set_title(f"{name}: mean y^s", fontsize=8)
    axes[0, -1].imshow(bands[names[0]][1], extent=ext, aspect="auto", cmap="Greens", vmin=0, vmax=1)
    axes[0, -1].set_title("oracle: share plausible", fontsize=8)
    for ax in axes[0]:
        ax.set_xlabel("scale (height / canvas)", fontsize=8)
        ax.set_ylabel("feet below horizon", fontsize=8)
        ax.tick_params(labelsize=7)
    fig.colorbar(im, ax=axes[0].tolist(), shrink=0.8)
    return fig


def session_frames(session, moves: tuple = ("centre", "step", "step", "step", "run")) -> Figure:
    """The widget's story as a static figure: a slider move, *Step* presses, *Run ascent*.

    ``session`` is an :class:`artlib.widgets.AdjustSession`; each panel shows its view after
    one action.
    """
    views = [("start", session.view())]
    for move in moves:
        if move == "centre":
            p = session.placement
            views.append(("slider: centre", session.set_placement(0.5, min(1.0, 0.5 + p.scale / 2), p.scale)))
        elif move == "step":
            views.append(("Step", session.step()))
        else:
            views.append(("Run ascent", session.run()))
    fig, axes = plt.subplots(1, len(views) + 1, figsize=(1.8 * (len(views) + 1), 2.3))
    for ax, (label, v) in zip(axes, views):
        ax.imshow(v.image)
        mark = "" if v.plausible is None else (" ✓" if v.plausible else " ✗")
        ax.set_title(f"{label}\ny^s {v.spatial:.2f}{mark}", fontsize=7)
        _off(ax)
    axes[-1].plot(views[-1][1].trace, "o-", ms=3)
    axes[-1].set_ylim(0, 1)
    axes[-1].set_title("spatial score per step", fontsize=7)
    axes[-1].tick_params(labelsize=6)
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


# ----------------------------------------------------------------------------- retouching
def _checker(hw: tuple[int, int], cell: int = 4) -> np.ndarray:
    return np.where((np.indices(hw).sum(0) // cell) % 2, 0.8, 0.6)[..., None].repeat(3, 2).astype(np.float32)


def contact_sheet(sprite: np.ndarray, results: list, title: str = "") -> Figure:
    """The foreground (on a checkerboard) and each retouched composite with its rank and scores.

    ``results`` are :class:`artlib.retouch.RetouchResult`; ``sprite`` is ``(h, w, 4)`` straight RGBA.
    """
    n = len(results) + 1
    fig, axes = plt.subplots(1, n, figsize=(2.0 * n, 2.5))
    axes = np.atleast_1d(axes)
    pre = np.concatenate([sprite[..., :3] * sprite[..., 3:], sprite[..., 3:]], 2)
    axes[0].imshow(composite(_checker(sprite.shape[:2]), pre))
    axes[0].set_title("foreground", fontsize=8)
    for ax, r in zip(axes[1:], results):
        ax.imshow(np.clip(r.image, 0, 1))
        ax.set_title(f"#{r.rank} {r.name}\ncontent {r.content:.2f}, spatial {r.spatial:.2f}", fontsize=7)
    for ax in axes:
        _off(ax)
    if title:
        fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    return fig


def figure_png(fig: Figure, dpi: int = 110) -> bytes:
    """A figure as PNG bytes (and closed), for writing atomically."""
    import io

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    plt.close(fig)
    return buf.getvalue()


def figure3(rows: list, manifest, top_k: int = 5) -> Figure:
    """The paper's Figure 3 redone: each held-out person and their ``top_k`` retouched composites.

    ``rows`` are ``(source meta, Foreground, [RetouchResult])`` from
    :func:`artlib.evaluate.retouch_report`; titles mark the oracle's verdicts on the place
    (outfit fits: ✓) and the placement (plausible: ✓).
    """
    from .data import scene_of

    fig, axes = plt.subplots(len(rows), top_k + 1, figsize=(1.7 * (top_k + 1), 1.95 * len(rows)), squeeze=False)
    for ax_row, (meta, fg, results) in zip(axes, rows):
        pre = np.concatenate([fg.sprite[..., :3] * fg.sprite[..., 3:], fg.sprite[..., 3:]], 2)
        ax_row[0].imshow(composite(_checker(fg.sprite.shape[:2]), pre))
        ax_row[0].set_title(f"{meta['outfit']}\n(from {meta['place']})", fontsize=7)
        for ax, r in zip(ax_row[1:], results):
            j = int(r.name.split("_")[0])
            place = manifest.sources[j]["place"]
            fits = place in world.COMPATIBLE[meta["outfit"]]
            ok = not world.implausible_reasons(scene_of(manifest, j), r.placement, fg.sprite.shape[1] / fg.sprite.shape[0])
            ax.imshow(np.clip(r.image, 0, 1))
            ax.set_title(f"#{r.rank} {place}\nplace {'✓' if fits else '✗'} stand {'✓' if ok else '✗'}", fontsize=6.5)
        for ax in ax_row:
            _off(ax)
    fig.tight_layout()
    return fig


def harmonization(background: np.ndarray, sprite: np.ndarray, placement, settings: list[tuple[str, str]]) -> Figure:
    """One composite under several ``(colour, blend)`` settings of :func:`artlib.harmonize.harmonize`."""
    from .harmonize import harmonize

    fig, axes = plt.subplots(1, len(settings), figsize=(2.2 * len(settings), 2.4))
    for ax, (colour, blend) in zip(np.atleast_1d(axes), settings):
        ax.imshow(harmonize(background, sprite, placement, colour=colour, blend=blend))
        ax.set_title(f"colour {colour}\nblend {blend}", fontsize=8)
        _off(ax)
    fig.tight_layout()
    return fig


def failures(cases: list[tuple[np.ndarray, str]], cols: int = 4) -> Figure:
    """Composites with the reason each failed, ``(image, reason)`` per case."""
    rows = max(1, int(np.ceil(len(cases) / cols)))
    fig, axes = plt.subplots(rows, cols, figsize=(2.3 * cols, 2.6 * rows), squeeze=False)
    for ax in axes.ravel():
        ax.axis("off")
    for ax, (image, reason) in zip(axes.ravel(), cases):
        ax.axis("on")
        ax.imshow(np.clip(image, 0, 1))
        ax.set_title(reason, fontsize=6.5, wrap=True)
        _off(ax)
    fig.tight_layout()
    return fig


# ----------------------------------------------------------------------------- real photos
def photo_stages(c, title: str = "") -> Figure:
    """The four stages on one photo: detection box, matte, cut-out, filled background, parsing map.

    ``c`` is an :class:`artlib.photos.PhotoCutout`.
    """
    fig, axes = plt.subplots(1, 5, figsize=(12, 2.8))
    axes[0].imshow(c.photo)
    x0, y0, x1, y1 = c.detection.box
    axes[0].add_patch(plt.Rectangle((x0, y0), x1 - x0, y1 - y0, fill=False, ec="yellow", lw=1.5))
    axes[0].set_title(f"detected ({c.detection.score:.2f})", fontsize=8)
    axes[1].imshow(c.alpha, cmap="gray", vmin=0, vmax=1)
    axes[1].set_title("alpha matte", fontsize=8)
    pre = np.concatenate([c.sprite[..., :3] * c.sprite[..., 3:], c.sprite[..., 3:]], 2)
    axes[2].imshow(composite(_checker(c.sprite.shape[:2], 8), pre))
    axes[2].set_title("cut-out", fontsize=8)
    axes[3].imshow(np.clip(c.background, 0, 1))
    axes[3].set_title("hole filled", fontsize=8)
    axes[4].imshow(world.parse_colours(c.labels))
    axes[4].set_title("parsed", fontsize=8)
    for ax in axes:
        _off(ax)
    if title:
        fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    return fig


def architecture(model) -> Figure:
    """The paper's Figure 2 drawn from the model itself: every box labelled with its tensor's shape.

    ``model`` is an :class:`artlib.model.Verifier`; the shapes come from
    :func:`artlib.model.shape_table` (one real forward pass), so the drawing follows the model.
    """
    from .model import shape_table

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
