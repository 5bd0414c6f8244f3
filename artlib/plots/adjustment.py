"""Figures of chapter 4: score surfaces, search paths and the widget's story (Section 4.3, Figure 4)."""
from __future__ import annotations

import textwrap

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from ._common import _off

__all__ = ["cost_plausibility", "filmstrips", "height_bands", "restarts_curve", "score_surface", "session_frames"]


def score_surface(background: np.ndarray, scores: np.ndarray, plausible: np.ndarray, scales: tuple[float, ...],
                  title: str = "", label: str = "y^s") -> Figure:
    """Spatial score over anchors ``(x, y)`` at a few scales, beside the oracle's plausible anchors.

    ``scores`` and ``plausible`` are ``(len(scales), n, n)`` from :func:`artlib.evaluate.score_surface`;
    ``label`` names the score in the panel titles.
    """
    fig, axes = plt.subplots(2, len(scales), figsize=(2.3 * len(scales), 4.6), squeeze=False)
    size = background.shape[0]
    ext = (0, background.shape[1], size, 0)
    for k, s in enumerate(scales):
        top, bottom = axes[0, k], axes[1, k]
        top.imshow(background)
        im = top.imshow(scores[k], extent=ext, alpha=0.75, cmap="viridis", vmin=0, vmax=1)
        top.set_title(f"scale {s:.2f}: {label}", fontsize=8)
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
    from ..compose import Placement, paste

    fig, axes = plt.subplots(len(rows), frames, figsize=(1.6 * frames, 1.85 * len(rows)), squeeze=False)
    for ax_row, (title, bg, sprite, path, scores, verdicts) in zip(axes, rows):
        picks = np.unique(np.linspace(0, len(path) - 1, frames).round().astype(int))
        for ax in ax_row:
            ax.axis("off")
        for ax, t in zip(ax_row, picks):
            ax.axis("on")
            ax.imshow(np.clip(paste(bg, sprite, Placement.of(path[t])), 0, 1))
            mark = "" if verdicts is None else (" ✓" if verdicts[t] else " ✗")
            ax.set_title(f"step {t}: {scores[t]:.2f}{mark}", fontsize=7)
            _off(ax)
        ax_row[0].set_ylabel(title, fontsize=7)
    fig.tight_layout()
    return fig


def restarts_curve(curves: dict[str, "pandas.Series"]) -> Figure:  # noqa: F821
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


def cost_plausibility(table: "pandas.DataFrame", baselines: tuple[str, ...] = ()) -> Figure:  # noqa: F821
    """What each search costs and what it finds: seconds per query (log) against the share of
    plausible results, one point per method of ``table`` (:func:`artlib.evaluate.summarize_methods`);
    the ``baselines`` rows, which cost nothing, as dashed lines."""
    fig, ax = plt.subplots(figsize=(6.0, 3.2))
    methods = [m for m in table.index if m not in baselines and table.loc[m, "seconds"] > 0]
    for k, m in enumerate(methods):
        ax.plot(table.loc[m, "seconds"], table.loc[m, "plausible"], "o", ms=7)
        ax.annotate(m, (table.loc[m, "seconds"], table.loc[m, "plausible"]), xytext=(5, 4 if k % 2 else -10),
                    textcoords="offset points", fontsize=7)
    for k, b in enumerate(x for x in baselines if x in table.index):
        ax.axhline(table.loc[b, "plausible"], ls="--", lw=1, color=f"C{(k + 4) % 10}", label=b)
    ax.set_xscale("log")
    ax.xaxis.set_minor_formatter(plt.NullFormatter())  # decades only: minor labels overlap
    ax.set_ylim(-0.04, 1.04)
    ax.set_xlabel("seconds per query (log scale)")
    ax.set_ylabel("result plausible (oracle)")
    if baselines:
        ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.01, 0.5))
    fig.tight_layout()
    return fig


def height_bands(bands: dict[str, tuple[np.ndarray, np.ndarray]], below: np.ndarray, scales: np.ndarray) -> Figure:
    """Mean spatial score over (feet below the horizon, scale) per verifier, beside the oracle's band.

    ``bands`` maps a verifier's name to :func:`artlib.evaluate.height_band`'s ``(score, plausible)``.
    """
    names = list(bands)
    fig, axes = plt.subplots(1, len(names) + 1, figsize=(3.1 * (len(names) + 1), 3.2), squeeze=False)
    ext = (scales[0], scales[-1], below[-1], below[0])
    for ax, name in zip(axes[0], names):
        im = ax.imshow(bands[name][0], extent=ext, aspect="auto", cmap="viridis", vmin=0, vmax=1)
        ax.set_title("\n".join(textwrap.wrap(f"{name}: mean y^s", 30)), fontsize=8)
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

