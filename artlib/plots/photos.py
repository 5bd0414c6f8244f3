"""Figures of chapter 6: the dataset construction's stages on real photographs."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from .. import world
from ..files import shown
from ._common import _cutout, _finish

__all__ = ["camera_from_people", "camera_rule_heights", "photo_stages", "photo_stages_grid"]


def _stages(axes, c, title: str = "") -> None:
    """Draw one photo's stages on a row of 3 or 5 axes (see :func:`photo_stages`)."""
    axes[0].imshow(c.photo)
    for k, d in enumerate(c.people or [c.detection], start=1):
        x0, y0, x1, y1 = d.box
        chosen = d == c.detection
        axes[0].add_patch(plt.Rectangle((x0, y0), x1 - x0, y1 - y0, fill=False, ec="yellow" if chosen else "cyan",
                                        lw=1.5 if chosen else 0.8))
        axes[0].text(x0 + 2, y0 + 2, str(k), color="black", fontsize=7, va="top",
                     bbox={"fc": "yellow" if chosen else "cyan", "ec": "none", "pad": 1})
    axes[0].set_title(f"{shown(title) + ': ' if title else ''}detected ({c.detection.score:.2f})", fontsize=8)
    axes[1].imshow(c.alpha, cmap="gray", vmin=0, vmax=1)
    axes[1].set_title(f"alpha ({c.route})" if c.route else "alpha matte", fontsize=8)
    _cutout(axes[2], c.sprite, 8)
    axes[2].set_title("cut-out", fontsize=8)
    if c.background is not None:
        axes[3].imshow(np.clip(c.background, 0, 1))
        axes[3].set_title("hole filled", fontsize=8)
        axes[4].imshow(world.parse_colours(c.labels))
        axes[4].set_title("parsed", fontsize=8)


def photo_stages(c, title: str = "") -> Figure:
    """The stages on one photo: every person found (the chosen one in yellow, the others numbered
    in :func:`~artlib.photos.detect.rank_people`'s order), the matte, the cut-out, and where they
    were run, the filled background and the parsing map.

    ``c`` is an :class:`artlib.photos.PhotoCutout`.
    """
    n = 3 if c.background is None else 5
    fig, axes = plt.subplots(1, n, figsize=(2.4 * n, 2.8))
    _stages(axes, c)
    return _finish(fig, axes, title)


def photo_stages_grid(cutouts: list[tuple[str, object]]) -> Figure:
    """:func:`photo_stages` for several photos, one row each, as one figure: ``[(name, cut-out), ...]``."""
    if not cutouts:
        raise ValueError("cutouts: give at least one (name, cut-out) pair")
    n = max(3 if c.background is None else 5 for _, c in cutouts)
    fig, axes = plt.subplots(len(cutouts), n, figsize=(2.4 * n, 2.6 * len(cutouts)), squeeze=False)
    for row, (name, c) in zip(axes, cutouts):
        _stages(row, c, name)
    return _finish(fig, axes)


def camera_rule_heights(check, verifiers: tuple[str, ...]) -> Figure:
    """Per photo of people on one ground: each person's height against the feet's row, the true
    height beside the height each verifier prefers at those feet.

    ``check`` is :func:`artlib.evaluate.real.camera_rule_check`'s table.
    """
    n = len(check)
    fig, axes = plt.subplots(1, n, figsize=(3.6 * n, 3.8), squeeze=False)
    marks = {"true": ("k", "o")} | {v: (c, m) for v, c, m in zip(verifiers, ("tab:orange", "tab:blue", "tab:green"), ("s", "^", "v"))}
    for ax, (name, row) in zip(axes[0], check.iterrows()):
        h = row["heights"]
        for key, (colour, marker) in marks.items():
            rho = row[key]
            ax.scatter(h["feet"], h[key], c=colour, marker=marker, s=24, label=f"{key} (rank corr. {rho:+.2f})")
        ax.set_xlabel("feet row (fraction of the height)", fontsize=8)
        ax.set_ylabel("person height", fontsize=8)
        ax.set_title(f"{name} ({row['split']})", fontsize=9)
        ax.tick_params(labelsize=7)
        ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.22), ncol=1, frameon=False)
    fig.tight_layout()
    return fig


def camera_from_people(people, truth, frame: int, rgb: np.ndarray, rule, before) -> Figure:
    """The camera rule read from the people of one video frame, as a reader checks it by eye.

    Left: the frame, each whole standing person's box and, at their feet, the height the frame's
    own rule gives (yellow) beside the truth's (white). Right: every frame's people (grey), the
    truth fitted through all of them (black), this frame's people and rule (orange) and the rule
    real photos used before (red, from the classical parse). ``people`` is
    :func:`artlib.evaluate.camera.video_people`'s table; the rules are
    :class:`artlib.cues.CameraRule`.
    """
    H, W = rgb.shape[:2]
    mine = people[people["frame"] == frame]
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(10, 3.9), gridspec_kw={"width_ratios": [1.35, 1]})
    ax.imshow(rgb)
    for _, p in mine.iterrows():
        for dx, r, colour in ((0.03 * W, rule, "yellow"), (0.03 * W + 7, truth, "white")):  # beside the person
            ax.plot([p["x"] * W + dx] * 2, [p["feet"] * H, (p["feet"] - r.height(p["feet"])) * H], c=colour, lw=3,
                    solid_capstyle="butt")
    if 0 <= rule.horizon <= 1:
        ax.axhline(rule.horizon * H, c="yellow", lw=0.8, ls="--")
    ax.set_title(f"frame {frame}: height at the feet, this frame's rule (yellow) and the truth (white)", fontsize=8)
    ax.axis("off")
    rows = np.linspace(0, 1, 50)
    bx.scatter(people["feet"], people["height"], s=4, c="0.7", label=f"all frames' people ({len(people)})")
    bx.plot(rows, truth.height(rows), c="k", label=f"truth: k {truth.k:.2f}, horizon {truth.horizon:+.2f}")
    bx.scatter(mine["feet"], mine["height"], s=30, c="tab:orange", zorder=3, label=f"frame {frame}'s people")
    bx.plot(rows, rule.height(rows), c="tab:orange", ls="--", label=f"its rule ({rule.source}): k {rule.k:.2f}")
    bx.plot(rows, before.height(rows), c="tab:red", ls=":", label=f"parse-based rule: k {before.k:.2f}")
    bx.set_xlim(0, 1)
    bx.set_ylim(0, max(0.6, float(people["height"].max()) * 1.2))
    bx.set_xlabel("feet row (fraction of the frame height)", fontsize=8)
    bx.set_ylabel("person height (fraction)", fontsize=8)
    bx.tick_params(labelsize=7)
    bx.legend(fontsize=7, loc="upper left", frameon=False)
    fig.tight_layout()
    return fig

