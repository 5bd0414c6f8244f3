"""Figures of chapter 1: the world, its oracle, eq. (1) and the ART dataset (Section 3, Figure 1, Table 1)."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator, NullFormatter, ScalarFormatter

from .. import world
from ..compose import composite, premultiply
from ..data import ARTDataset, Kind
from ..score import spatial_score
from ._common import _box, _checker, _finish, _off

__all__ = [
    "camera_cues", "difficulty_bars", "geometry_examples", "eq1_curves", "label_legend", "leak_examples", "outfits", "plausibility_map", "sample_grid",
    "spatial_targets", "world_grid"
]


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
        ax.imshow(composite(np.full(spr.shape[:2] + (3,), 0.85, np.float32), premultiply(spr)))
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
    picks = [(k, int(i)) for k in Kind for i in rng.choice(np.flatnonzero(kinds == k), per_kind, replace=False)]
    fig, axes = plt.subplots(len(picks), 4, figsize=(6.4, 1.7 * len(picks)))
    for row, (k, i) in zip(axes, picks):
        it = ds[i]
        fg = it["fg"].numpy().transpose(1, 2, 0)
        bg = it["bg"].numpy().transpose(1, 2, 0)
        row[0].imshow(composite(_checker(fg.shape[:2]), fg))
        row[1].imshow(bg)
        row[2].imshow(world.parse_colours(it["parse"].numpy()))
        row[3].imshow(np.clip(composite(bg, fg), 0, 1))
        row[0].set_ylabel(f"{k.label}\nc={it['content']:.0f} s={it['spatial']:.2f}", fontsize=8)
    return _finish(fig, axes, columns=("F", "B", "S", "composite"), fontsize=9)


def spatial_targets(samples: dict[str, np.ndarray]) -> Figure:
    """Histograms of the spatial negatives' targets, distances and scaling ratios."""
    m = samples["kind"] == Kind.SPATIAL_NEGATIVE
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
    return _finish(fig, axes, columns=("photo", "clean B", "inpainted B\n(yellow: person, red: guess)",
                                       "|inpainted - clean|"))



def geometry_examples(scenes: list[world.Scene], estimates: "pd.DataFrame | None" = None) -> Figure:
    """One scene per column: the background with the true horizon (dashed) and the one read from S
    (solid, from ``estimates`` of :func:`artlib.data.camera_cue_errors`), and where a person of
    standard height can stand (green: feet positions the oracle accepts at the camera rule's height)."""
    n = len(scenes)
    fig, axes = plt.subplots(2, n, figsize=(1.9 * n, 4.3), squeeze=False)
    steps = 64
    ys, xs = np.meshgrid((np.arange(steps) + 0.5) / steps, (np.arange(steps) + 0.5) / steps, indexing="ij")
    for j, sc in enumerate(scenes):
        H, W = sc.labels.shape
        top, bottom = axes[0, j], axes[1, j]
        top.imshow(sc.background)
        top.axhline(sc.horizon * H, color="k", ls="--", lw=0.9)
        if estimates is not None:
            top.axhline(float(estimates["horizon_est"].iloc[j]) * H, color="r", lw=0.9)
        top.set_title(f"{sc.place}, {sc.layout}\nhorizon {sc.horizon:.2f}, k {sc.camera_k:.2f}", fontsize=7)
        ok = world.plausible_mask(sc, xs, ys, np.clip(world.perspective_height(sc, ys), 1e-3, None))
        bottom.imshow(sc.background)
        bottom.imshow(np.ma.masked_where(~ok, ok), alpha=0.6, cmap="Greens", vmin=0, vmax=1.2,
                      extent=(0, W, H, 0), interpolation="nearest")
        bottom.set_title(f"plausible feet: {ok.mean():.0%}", fontsize=7)
        _off(top)
        _off(bottom)
    fig.tight_layout()
    return fig


def camera_cues(errors: "pd.DataFrame") -> Figure:
    """The camera rule read from S against the truth: horizon and camera factor, one dot per scene."""
    fig, axes = plt.subplots(1, 2, figsize=(7.2, 3.3))
    for ax, col, scale in zip(axes, ("horizon", "camera_k"), ("linear", "log")):
        ax.scatter(errors[col], errors[f"{col}_est"], s=7, alpha=0.6)
        lo, hi = float(errors[col].min()), float(errors[col].max())
        ax.plot([lo, hi], [lo, hi], "k--", lw=0.8)
        if scale == "log":
            ax.set_xscale("log")
            ax.set_yscale("log")
            for axis in (ax.xaxis, ax.yaxis):
                axis.set_major_locator(FixedLocator([0.3, 0.5, 1, 2, 3, 5]))
                axis.set_major_formatter(ScalarFormatter())
                axis.set_minor_formatter(NullFormatter())
        ax.set_xlabel(f"true {col}", fontsize=8)
        ax.set_ylabel(f"{col} read from S", fontsize=8)
    axes[0].set_title("horizon (posts' line, else the sky line)", fontsize=9)
    axes[1].set_title("camera factor k (posts' heights)", fontsize=9)
    fig.tight_layout()
    return fig


def difficulty_bars(table: "pd.DataFrame") -> Figure:
    """The plausible share of each fixed placement (rows) in each world (columns), as bars."""
    fig, ax = plt.subplots(figsize=(7.2, 3.2))
    n, m = table.shape
    width = 0.8 / m
    for j, col in enumerate(table.columns):
        ax.barh(np.arange(n) + j * width, table[col].to_numpy(), height=width, label=col)
    ax.set_yticks(np.arange(n) + width * (m - 1) / 2, table.index, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_xlabel("share of fresh test scenes where the placement is plausible", fontsize=8)
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    return fig
