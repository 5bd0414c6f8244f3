"""Helpers shared by the book's figures.

Used by the figures of every chapter.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from ..compose import composite, premultiply
from ..files import shown

__all__ = ["figure_png"]


def _off(ax) -> None:
    ax.set_xticks([])
    ax.set_yticks([])


def _box(ax, box: np.ndarray, size: int, colour: str = "yellow") -> None:
    x0, y0, x1, y1 = np.asarray(box) * size
    ax.add_patch(plt.Rectangle((x0 - 0.5, y0 - 0.5), x1 - x0, y1 - y0, fill=False, ec=colour, lw=1))


def _checker(hw: tuple[int, int], cell: int = 4) -> np.ndarray:
    return np.where((np.indices(hw).sum(0) // cell) % 2, 0.8, 0.6)[..., None].repeat(3, 2).astype(np.float32)


def _cutout(ax, sprite: np.ndarray, cell: int = 4) -> None:
    """Show an ``(h, w, 4)`` straight-RGBA sprite on a checkerboard."""
    ax.imshow(composite(_checker(sprite.shape[:2], cell), premultiply(sprite)))


def _finish(fig: Figure, axes, title: str = "", columns: tuple[str, ...] = (), fontsize: int = 8) -> Figure:
    """Ticks off every axis, ``columns`` as the first row's titles, ``title`` above (a file name that
    is not valid UTF-8 drawn with replacement characters); laid out."""
    axes = np.atleast_2d(axes)
    for ax in axes.ravel():
        _off(ax)
    for ax, t in zip(axes[0], columns):
        ax.set_title(t, fontsize=fontsize)
    if title:
        fig.suptitle(shown(title), fontsize=9)
    fig.tight_layout()
    return fig


def figure_png(fig: Figure, dpi: int = 110) -> bytes:
    """A figure as PNG bytes (and closed), for writing atomically."""
    import io

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    plt.close(fig)
    return buf.getvalue()

