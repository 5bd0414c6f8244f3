"""Figures of chapter 5: contact sheets, the retoucher's results (Figure 3), harmonisation, failures."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from .. import world
from ..compose import composite, premultiply
from ..files import shown
from ._common import _checker, _cutout, _finish, _off

__all__ = ["contact_sheet", "diversity_sweep", "failures", "figure3", "harmonization"]


def contact_sheet(sprite: np.ndarray, results: list, title: str = "") -> Figure:
    """The foreground (on a checkerboard) and each retouched composite with its rank and scores.

    ``results`` are :class:`artlib.retouch.RetouchResult`; ``sprite`` is ``(h, w, 4)`` straight RGBA.
    """
    n = len(results) + 1
    fig, axes = plt.subplots(1, n, figsize=(2.0 * n, 2.5))
    axes = np.atleast_1d(axes)
    _cutout(axes[0], sprite)
    axes[0].set_title("foreground", fontsize=8)
    for ax, r in zip(axes[1:], results):
        ax.imshow(np.clip(r.image, 0, 1))
        ax.set_title(f"#{r.rank} {shown(r.name)}\ncontent {r.content:.2f}, spatial {r.spatial:.2f}", fontsize=7)
    return _finish(fig, axes, title)


def figure3(rows: list, manifest, top_k: int = 5) -> Figure:
    """The paper's Figure 3 redone: each held-out person and their ``top_k`` retouched composites.

    ``rows`` are ``(source meta, Foreground, [RetouchResult])`` from
    :func:`artlib.evaluate.retouch_report`; titles mark the oracle's verdicts on the place
    (outfit fits: ✓) and the placement (plausible: ✓).
    """
    from ..data import scene_of

    fig, axes = plt.subplots(len(rows), top_k + 1, figsize=(1.7 * (top_k + 1), 1.95 * len(rows)), squeeze=False)
    for ax_row, (meta, fg, results) in zip(axes, rows):
        pre = premultiply(fg.sprite)
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


def diversity_sweep(sweep, k: int, chosen: float) -> Figure:
    """Precision@k and the kinds of place that fit among the first ``k``, against the weight of variety.

    ``sweep``: one row per weight (the index, as text), columns of
    :func:`artlib.evaluate.selection_report`; ``chosen`` (the weight the chapter uses) is marked.
    """
    w = np.array([float(i) for i in sweep.index])
    fig, ax = plt.subplots(figsize=(5.2, 3.0))
    ax.plot(w, sweep[f"precision@{k}"], "o-", color="C0", label=f"precision@{k} (places that fit)")
    ax.set_xlabel("weight of variety (0: the plain top k)")
    ax.set_ylabel(f"precision@{k}", color="C0")
    ax.set_ylim(0, 1.02)
    ax.axvline(chosen, color="0.6", ls=":", lw=1)
    ax.text(chosen, 0.03, " chosen", color="0.4", fontsize=8)
    twin = ax.twinx()
    twin.plot(w, sweep[f"fitting kinds@{k}"], "s--", color="C1", label=f"kinds of place that fit, first {k}")
    twin.set_ylabel(f"kinds that fit in the first {k}", color="C1")
    twin.set_ylim(0, k + 0.2)
    lines = ax.get_lines()[:1] + twin.get_lines()
    ax.legend(lines, [line.get_label() for line in lines], fontsize=8, loc="lower left")
    fig.tight_layout()
    return fig


def harmonization(background: np.ndarray, sprite: np.ndarray, placement, settings: list[tuple[str, str]]) -> Figure:
    """One composite under several ``(colour, blend)`` settings of :func:`artlib.harmonize.harmonize`."""
    from ..harmonize import harmonize

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

