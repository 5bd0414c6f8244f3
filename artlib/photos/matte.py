"""Stage 2b of Section 3 on real photos: cut the person out (an alpha matte from a mask).

The paper's "semantic matting" is a learned model no package ships whole. The route here: a
segmenter (:mod:`artlib.photos.segment`: the bundled pose model by default, or GrabCut) marks the
person's pixels inside the detected box; a **trimap** marks a narrow band around the mask's
boundary as unknown; a matting step estimates alpha in that band. Backends for the last step
(:data:`MATTES`):

* ``"guided"`` (default, OpenCV and numpy only): the guided filter (He et al., 2010) of the
  GrabCut mask with the photo as guide, kept to the unknown band. **Fails on**: hair and other
  fine or translucent detail (the band is narrow), and wherever the segmenter itself fails.
* ``"closed-form"``: closed-form matting (Levin et al., 2008) on the trimap, from the optional
  ``pymatting`` package (``pip install -e .[photos]``). Slower; **fails on** the same segmenter
  errors, and on large unknown regions with similar colours on both sides.

Shown in chapter 6.
"""
from __future__ import annotations

import cv2
import numpy as np
from ..compose import as_float_image
from .check import check_photo

__all__ = ["MATTES", "guided_filter", "refine", "trimap"]


def trimap(mask: np.ndarray, band: int) -> np.ndarray:
    """``(H, W)`` uint8: 255 sure person, 0 sure background, 128 the unknown band of ``band`` pixels."""
    k = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * band + 1, 2 * band + 1))
    m = np.asarray(mask, np.uint8)
    out = np.full(m.shape, 128, np.uint8)
    out[cv2.erode(m, k) > 0] = 255
    out[cv2.dilate(m, k) == 0] = 0
    return out


def guided_filter(guide: np.ndarray, src: np.ndarray, radius: int, eps: float = 1e-3) -> np.ndarray:
    """The guided filter of ``src`` ``(H, W)`` with a colour ``guide`` ``(H, W, 3)`` in [0, 1] (He et al., 2010, Alg. 2)."""
    I, p = guide.astype(np.float32), src.astype(np.float32)
    mean = lambda x: cv2.boxFilter(x, -1, (2 * radius + 1, 2 * radius + 1))  # noqa: E731
    mu, mp = mean(I), mean(p)
    cov = mean(I * p[..., None]) - mu * mp[..., None]
    var = np.stack([[mean(I[..., i] * I[..., j]) - mu[..., i] * mu[..., j] for j in range(3)] for i in range(3)], -1)
    var = var.transpose(1, 2, 0, 3) + eps * np.eye(3, dtype=np.float32)  # (H, W, 3, 3)
    a = np.linalg.solve(var, cov[..., None])[..., 0]
    b = mp - (a * mu).sum(-1)
    return (mean(a) * I).sum(-1) + mean(b)


def _alpha_guided(image: np.ndarray, tri: np.ndarray, band: int, mask: np.ndarray) -> np.ndarray:
    """The guided filter of the mask, with the photo as guide, kept to the trimap's unknown band:
    the mask's edge moves to the photo's edges nearby and softens where they are soft."""
    alpha = guided_filter(as_float_image(image, 3, "photo"), np.asarray(mask, np.float32), max(2, band))
    return np.where(tri == 128, np.clip(alpha, 0, 1), tri / 255.0).astype(np.float32)


def _alpha_closed_form(image: np.ndarray, tri: np.ndarray, band: int, mask: np.ndarray) -> np.ndarray:
    try:
        from pymatting import estimate_alpha_cf
    except ImportError as exc:
        raise ValueError("the closed-form matte needs the optional pymatting package: pip install -e .[photos]") from exc
    return estimate_alpha_cf(image.astype(np.float64) / 255, tri.astype(np.float64) / 255).astype(np.float32)


MATTES = {"guided": _alpha_guided, "closed-form": _alpha_closed_form}


def refine(image: np.ndarray, mask: np.ndarray, box, backend: str = "guided", band: float = 0.02) -> np.ndarray:
    """The alpha ``(H, W)`` float in [0, 1] of a person's ``mask`` ``(H, W)`` bool, by the named matting backend.

    ``band`` is the unknown band's half-width as a fraction of the box height.
    """
    if backend not in MATTES:
        raise ValueError(f"matte must be one of {sorted(MATTES)}, got {backend!r}")
    img = check_photo(image)
    b = max(1, int(round(band * (box[3] - box[1]))))
    return MATTES[backend](img, trimap(mask, b), b, mask)
