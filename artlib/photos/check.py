"""The one check of a photo array every stage of :mod:`artlib.photos` runs first, and a box in its pixels.

Shown in chapter 6.
"""
from __future__ import annotations

import numpy as np

__all__ = ["box_pixels", "check_photo"]


def check_photo(image: np.ndarray, what: str = "photo") -> np.ndarray:
    """``image`` as an array, if it is an ``(H, W, 3)`` uint8 RGB photo.

    Raises:
        ValueError: another shape or dtype (``"photo must be (H, W, 3) uint8 RGB, got ..."``).
    """
    a = np.asarray(image)
    if a.ndim != 3 or a.shape[2] != 3 or a.dtype != np.uint8:
        raise ValueError(f"{what} must be (H, W, 3) uint8 RGB, got shape {a.shape} dtype {a.dtype}")
    return a


def box_pixels(box, shape: tuple[int, ...]) -> tuple[int, int, int, int]:
    """A box ``(x0, y0, x1, y1)`` in pixels, rounded and clipped to an image of ``shape`` ``(H, W, ...)``.

    Raises:
        ValueError: fewer than 4 pixels of the image in either direction.
    """
    H, W = shape[:2]
    x0, y0, x1, y1 = (int(round(v)) for v in box)
    x0, y0, x1, y1 = max(0, x0), max(0, y0), min(W, x1), min(H, y1)
    if x1 - x0 < 4 or y1 - y0 < 4:
        raise ValueError(f"box {tuple(box)} holds no pixels of a {W} x {H} photo")
    return x0, y0, x1, y1
