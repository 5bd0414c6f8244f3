"""Cutting the person out of a photo and filling the hole (Section 3), and the leak it leaves.

The paper cuts the detected person out and fills the blank "by a content-aware filling
algorithm". We use OpenCV's Telea inpainting. A filled hole is smoother than the texture
around it, and whatever the matte missed (a contact shadow, a halo) stays behind: the
background itself then says where the person stood. :func:`locate_hole` is a deliberately
simple detector of such traces, used by chapter 1 to measure the leak.
"""
from __future__ import annotations

import cv2
import numpy as np
from .compose import as_float_image

__all__ = ["hole_mask", "inpaint_background", "locate_hole", "texture_map"]


def hole_mask(alpha: np.ndarray, threshold: float = 0.02, dilate: float = 0.01) -> np.ndarray:
    """Pixels to fill: ``alpha > threshold``, dilated by ``dilate`` of the canvas side.

    Args:
        alpha: ``(H, W)`` foreground alpha in [0, 1].

    Returns:
        ``(H, W)`` uint8 mask (255 = hole).
    """
    a = np.asarray(alpha, np.float32)
    if a.ndim != 2:
        raise ValueError(f"alpha must have shape (H, W), got {a.shape}")
    mask = (a > threshold).astype(np.uint8) * 255
    r = max(1, int(round(dilate * max(a.shape))))
    return cv2.dilate(mask, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1)))


def inpaint_background(image: np.ndarray, alpha: np.ndarray, radius: float = 0.03, dilate: float = 0.01) -> np.ndarray:
    """Cut the foreground out of ``image`` and fill the hole with Telea inpainting.

    Args:
        image: ``(H, W, 3)`` float RGB in [0, 1] (the photo).
        alpha: ``(H, W)`` alpha of the person in the photo.
        radius: inpainting neighbourhood as a fraction of the canvas side.
        dilate: the hole is the alpha dilated by this fraction of the canvas side.

    Returns:
        ``(H, W, 3)`` float32 background B with the hole filled.
    """
    img = np.asarray(image, np.float32)
    if img.ndim != 3 or img.shape[2] != 3:
        raise ValueError(f"image must have shape (H, W, 3), got {img.shape}")
    if img.shape[:2] != np.shape(alpha):
        raise ValueError(f"image {img.shape[:2]} and alpha {np.shape(alpha)} differ in size")
    u8 = np.clip(np.round(img * 255), 0, 255).astype(np.uint8)
    r = max(1.0, radius * max(img.shape[:2]))
    out = cv2.inpaint(u8, hole_mask(alpha, dilate=dilate), r, cv2.INPAINT_TELEA)
    return as_float_image(out, 3, "inpainted image")


def texture_map(background: np.ndarray, window: float = 0.06) -> np.ndarray:
    """Local standard deviation of the high-pass residual: ``(H, W)``, low where smooth."""
    g = cv2.cvtColor(np.asarray(background, np.float32), cv2.COLOR_RGB2GRAY)
    resid = g - cv2.GaussianBlur(g, (0, 0), 1.0)
    k = max(3, int(round(window * max(g.shape))) | 1)
    return np.sqrt(np.maximum(cv2.blur(resid**2, (k, k)), 0.0))


def locate_hole(background: np.ndarray, window: float = 0.06, quantile: float = 0.5) -> np.ndarray | None:
    """Guess where a person was cut out, from the background alone.

    Pixels whose local texture is below ``quantile`` of the image's median texture form
    candidate regions; the largest one is returned as a box ``(x0, y0, x1, y1)`` in
    normalised units, or ``None`` when nothing is smooth enough. A clean render has
    uniform grain everywhere, so this detector only finds inpainted (smoothed) holes.
    """
    t = texture_map(background, window)
    low = (t < quantile * float(np.median(t))).astype(np.uint8)
    n, _, stats, _ = cv2.connectedComponentsWithStats(low, connectivity=8)
    if n <= 1:
        return None
    i = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    x, y, w, h = (int(v) for v in stats[i, :4])
    H, W = t.shape
    return np.array([x / W, y / H, (x + w) / W, (y + h) / H])
