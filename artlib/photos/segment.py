"""Stage 2a of Section 3 on real photos: which pixels are the person (a mask from a box).

The paper's "semantic matting" begins with a segmentation of the detected person. Backends
(:data:`SEGMENTERS`), each ``(image, box) -> (mask, route)``, the mask ``(H, W)`` bool and the
route the name of the step that produced it:

* ``"pose"`` (default): the segmentation mask of mediapipe's pose model (BlazePose with its
  segmentation head, :mod:`artlib.photos.models`) on a crop around the box, the box enlarged by
  :data:`CROP_MARGIN` of its size on every side, so the model sees the person large and alone.
  Documented fallbacks, in order, each taken when the step before found no person overlapping
  the box: the pose model on the whole photo (it needs context on a tight crop), then selfie
  segmentation inside the box (it needs no body pose: a face and shoulders are enough), then
  GrabCut. **Fails on**: several people overlapping in the crop (the pose model segments one
  body, not always the boxed one), and people whose pose it cannot read (lying down, upside
  down, mostly hidden); loose clothes and held objects are often left out.
* ``"grabcut"``: GrabCut (Rother et al., 2004) from the box, the earlier default.
  **Fails on**: clothes coloured like the background, a box that cuts the person off, shadows
  taken as person, and boxes much larger than the person.

The matting step (:mod:`artlib.photos.matte`) then refines the mask's boundary into an alpha.
Same photo, same mask: the models are deterministic, and GrabCut's random start is seeded.

Shown in chapter 6.
"""
from __future__ import annotations

import cv2
import numpy as np

from .check import box_pixels, check_photo

__all__ = ["CROP_MARGIN", "SEGMENTERS", "grabcut", "segment"]

#: The crop around the box that the pose model sees, as a fraction of the box's size per side.
CROP_MARGIN = 0.25
#: A mask covering less than this share of the box is no person.
MIN_COVER = 0.05


def _window(box, shape, margin: float) -> tuple[int, int, int, int]:
    """The box enlarged by ``margin`` of its size per side, in whole pixels inside the photo."""
    H, W = shape[:2]
    x0, y0, x1, y1 = box
    mx, my = margin * (x1 - x0), margin * (y1 - y0)
    return (max(0, int(np.floor(x0 - mx))), max(0, int(np.floor(y0 - my))),
            min(W, int(np.ceil(x1 + mx))), min(H, int(np.ceil(y1 + my))))


def _boxed_person(mask: np.ndarray, box) -> np.ndarray | None:
    """The connected region of ``mask`` that overlaps ``box`` most, or None when it covers too little."""
    x0, y0, x1, y1 = _window(box, mask.shape, 0.0)
    n, lab = cv2.connectedComponents(mask.astype(np.uint8), connectivity=8)
    if n < 2:
        return None
    inside = np.bincount(lab[y0:y1, x0:x1].ravel(), minlength=n)[1:]
    if inside.max() < MIN_COVER * (x1 - x0) * (y1 - y0):
        return None
    return lab == 1 + int(np.argmax(inside))


def _pose_mask(rgb: np.ndarray) -> np.ndarray | None:
    """The pose model's person mask ``(h, w)`` bool of an RGB image, or None when it finds nobody."""
    from .models import pose_segmenter, quiet_native_logs

    with quiet_native_logs():
        result = pose_segmenter().process(np.ascontiguousarray(rgb))
    return None if result.segmentation_mask is None else result.segmentation_mask > 0.5


def _selfie_mask(rgb: np.ndarray) -> np.ndarray:
    from .models import quiet_native_logs, selfie_segmenter

    with quiet_native_logs():
        return selfie_segmenter().process(np.ascontiguousarray(rgb)).segmentation_mask > 0.5


def segment_pose(image: np.ndarray, box) -> tuple[np.ndarray, str]:
    """The person in ``box`` by the pose model on a crop, with the fallbacks of the module's docstring."""
    img = check_photo(image)
    H, W = img.shape[:2]
    cx0, cy0, cx1, cy1 = _window(box, img.shape, CROP_MARGIN)
    full = np.zeros((H, W), bool)
    crop = _pose_mask(img[cy0:cy1, cx0:cx1])
    if crop is not None:
        full[cy0:cy1, cx0:cx1] = crop
        if (person := _boxed_person(full, box)) is not None:
            return person, "pose (crop)"
    frame = _pose_mask(img)
    if frame is not None:
        inside = np.zeros((H, W), bool)
        inside[cy0:cy1, cx0:cx1] = frame[cy0:cy1, cx0:cx1]
        if (person := _boxed_person(inside, box)) is not None:
            return person, "pose (whole photo)"
    bx0, by0, bx1, by1 = _window(box, img.shape, 0.0)
    selfie = np.zeros((H, W), bool)
    selfie[by0:by1, bx0:bx1] = _selfie_mask(img[by0:by1, bx0:bx1])
    if (person := _boxed_person(selfie, box)) is not None:
        return person, "selfie"
    return segment_grabcut(img, box)[0], "grabcut"


def grabcut(image: np.ndarray, box, iterations: int = 8, margin: float = 0.0) -> np.ndarray:
    """GrabCut from a box (enlarged by ``margin`` of its size): ``(H, W)`` bool, the person."""
    img = check_photo(image)
    x0, y0, x1, y1 = box
    mx, my = margin * (x1 - x0), margin * (y1 - y0)
    x0, y0, x1, y1 = box_pixels((x0 - mx, y0 - my, x1 + mx, y1 + my), img.shape)
    mask = np.zeros(img.shape[:2], np.uint8)
    bgd, fgd = np.zeros((1, 65), np.float64), np.zeros((1, 65), np.float64)
    cv2.setRNGSeed(0)  # GrabCut's k-means start draws from OpenCV's global generator: same photo, same cut-out
    cv2.grabCut(cv2.cvtColor(img, cv2.COLOR_RGB2BGR), mask, (x0, y0, x1 - x0, y1 - y0), bgd, fgd, iterations,
                cv2.GC_INIT_WITH_RECT)
    person = (mask == cv2.GC_FGD) | (mask == cv2.GC_PR_FGD)
    n, lab, stats, _ = cv2.connectedComponentsWithStats(person.astype(np.uint8), connectivity=8)
    if n > 2:  # keep the largest region: stray background patches are not the person
        person = lab == 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    return person


def segment_grabcut(image: np.ndarray, box) -> tuple[np.ndarray, str]:
    """GrabCut from the box (:func:`grabcut`)."""
    return grabcut(check_photo(image), box), "grabcut"


SEGMENTERS = {"pose": segment_pose, "grabcut": segment_grabcut}


def segment(image: np.ndarray, box, backend: str = "pose") -> tuple[np.ndarray, str]:
    """The person's mask ``(H, W)`` bool in ``box`` ``(x0, y0, x1, y1)`` pixels, and the route taken.

    Raises:
        ValueError: an unknown backend, or no person found in the box by any route.
    """
    if backend not in SEGMENTERS:
        raise ValueError(f"segmenter must be one of {sorted(SEGMENTERS)}, got {backend!r}")
    mask, route = SEGMENTERS[backend](image, box)
    if not mask.any():
        raise ValueError(f"the {backend} segmenter found no person inside the box {tuple(np.round(box, 1))}")
    return mask, route
