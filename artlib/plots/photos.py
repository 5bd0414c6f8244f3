"""Figures of chapter 6: the dataset construction's stages on real photographs."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from .. import world
from ._common import _cutout, _finish

__all__ = ["photo_stages"]


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
    _cutout(axes[2], c.sprite, 8)
    axes[2].set_title("cut-out", fontsize=8)
    axes[3].imshow(np.clip(c.background, 0, 1))
    axes[3].set_title("hole filled", fontsize=8)
    axes[4].imshow(world.parse_colours(c.labels))
    axes[4].set_title("parsed", fontsize=8)
    return _finish(fig, axes, title)

