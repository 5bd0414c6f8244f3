"""Stage 3 of Section 3 on real photos: fill the hole the person leaves ("content-aware filling").

Backends (:data:`FILLS`), each ``fill(image, alpha) -> background``; the hole is the person's
alpha dilated first (:func:`artlib.inpaint.hole_mask`), so that no halo or contact shadow of
the person is left behind:

* ``"telea"`` (default): OpenCV's Telea inpainting (:func:`artlib.inpaint.inpaint_background`).
  **Fails on**: large holes in textured regions (the fill is a smooth blur, which chapter 1's
  leak detector finds), and straight structures crossing the hole (edges are not continued).
* ``"patchmatch"``: PatchMatch from the optional ``pypatchmatch`` package
  (``pip install -e .[photos]``), which copies texture from around the hole. **Fails on**:
  holes wider than the texture around them (it repeats what is there, people included).
"""
from __future__ import annotations

import numpy as np

from ..inpaint import hole_mask, inpaint_background
from ..compose import as_float_image
from .check import check_photo

__all__ = ["FILLS", "fill"]


def _telea(image: np.ndarray, alpha: np.ndarray, dilate: float) -> np.ndarray:
    return inpaint_background(as_float_image(image, 3, "photo"), alpha, dilate=dilate)


def _patchmatch(image: np.ndarray, alpha: np.ndarray, dilate: float) -> np.ndarray:
    try:
        from patchmatch import patch_match
    except ImportError as exc:
        raise ValueError("the patchmatch fill needs the optional pypatchmatch package: pip install -e .[photos]") from exc
    mask = hole_mask(alpha, dilate=dilate)
    return as_float_image(patch_match.inpaint(np.ascontiguousarray(image), mask, patch_size=5), 3, "filled photo")


FILLS = {"telea": _telea, "patchmatch": _patchmatch}


def fill(image: np.ndarray, alpha: np.ndarray, backend: str = "telea", dilate: float = 0.02) -> np.ndarray:
    """The background ``(H, W, 3)`` float in [0, 1] with the person (``alpha`` ``(H, W)``) removed.

    ``dilate`` widens the hole by that fraction of the photo's longer side.
    """
    if backend not in FILLS:
        raise ValueError(f"fill must be one of {sorted(FILLS)}, got {backend!r}")
    img = check_photo(image)
    if np.shape(alpha) != img.shape[:2]:
        raise ValueError(f"alpha {np.shape(alpha)} and photo {img.shape[:2]} differ in size")
    return FILLS[backend](img, np.asarray(alpha, np.float32), dilate)
