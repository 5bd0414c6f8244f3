"""Stage 1 of Section 3 on real photos: find the person.

Backends (:data:`DETECTORS`), each ``detect(image) -> list[Detection]`` best first:

* ``"hog"`` (default): OpenCV's HOG people detector (Dalal and Triggs, 2005) with its bundled
  linear SVM. **Fails on**: people who are not upright and whole (sitting, cropped at the knees,
  portraits, upper bodies), people under about 100 px tall (small images are enlarged first,
  which helps only so much), crowds (boxes merge), and tall thin structures (posts, tree trunks)
  that look like a standing figure.
* ``"cascade"``: OpenCV's Haar full-body cascade (Viola-Jones). **Fails on**: the same poses,
  more false positives on textured backgrounds, and boxes that cut the feet off.

Both need nothing beyond OpenCV and download nothing.

Shown in chapter 6.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

__all__ = ["DETECTORS", "Detection", "detect"]

#: People smaller than this (pixels, after enlarging) are below what the detectors were trained on.
MIN_SIDE = 400


@dataclass(frozen=True)
class Detection:
    """A person's box ``(x0, y0, x1, y1)`` in pixels of the photo, and the detector's score."""

    box: tuple[float, float, float, float]
    score: float

    @property
    def height(self) -> float:
        return self.box[3] - self.box[1]


def _prepare(image: np.ndarray) -> tuple[np.ndarray, float]:
    """An 8-bit RGB photo as enlarged BGR for the detectors, and the enlargement factor."""
    a = np.asarray(image)
    if a.ndim != 3 or a.shape[2] != 3 or a.dtype != np.uint8:
        raise ValueError(f"photo must be (H, W, 3) uint8 RGB, got shape {a.shape} dtype {a.dtype}")
    f = max(1.0, MIN_SIDE / min(a.shape[:2]))
    bgr = cv2.cvtColor(a, cv2.COLOR_RGB2BGR)
    if f > 1:
        bgr = cv2.resize(bgr, None, fx=f, fy=f, interpolation=cv2.INTER_CUBIC)
    return bgr, f


def _nms(boxes: np.ndarray, scores: np.ndarray, iou: float = 0.4) -> list[int]:
    """Non-maximum suppression (torchvision's): the kept indices, best first."""
    import torch
    from torchvision.ops import nms

    if not len(boxes):
        return []
    return nms(torch.as_tensor(boxes, dtype=torch.float32), torch.as_tensor(scores, dtype=torch.float32), iou).tolist()


def _detections(rects, weights, f: float) -> list[Detection]:
    """OpenCV's ``(x, y, w, h)`` rectangles and scores on the resized photo (factor ``f``) as
    detections on the original, overlaps suppressed, best first."""
    if len(rects) == 0:
        return []
    boxes = np.array([[x, y, x + w, y + h] for x, y, w, h in rects], float) / f
    scores = np.asarray(weights, float).ravel()
    return sorted((Detection(tuple(map(float, boxes[k])), float(scores[k])) for k in _nms(boxes, scores)),
                  key=lambda d: -d.score)


def detect_hog(image: np.ndarray) -> list[Detection]:
    """OpenCV's HOG + linear SVM people detector; best first."""
    bgr, f = _prepare(image)
    hog = cv2.HOGDescriptor()
    hog.setSVMDetector(cv2.HOGDescriptor_getDefaultPeopleDetector())
    rects, weights = hog.detectMultiScale(bgr, winStride=(8, 8), padding=(16, 16), scale=1.05)
    return _detections(rects, weights, f)


def detect_cascade(image: np.ndarray) -> list[Detection]:
    """OpenCV's Haar full-body cascade; best (largest neighbour count) first."""
    bgr, f = _prepare(image)
    path = Path(cv2.data.haarcascades) / "haarcascade_fullbody.xml"
    cascade = cv2.CascadeClassifier(str(path))
    if cascade.empty():  # pragma: no cover - ships with OpenCV
        raise FileNotFoundError(f"{path}: OpenCV's full-body cascade is missing")
    gray = cv2.equalizeHist(cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY))
    rects, _, weights = cascade.detectMultiScale3(gray, scaleFactor=1.05, minNeighbors=3, outputRejectLevels=True)
    return _detections(rects, weights, f)


DETECTORS = {"hog": detect_hog, "cascade": detect_cascade}


def detect(image: np.ndarray, backend: str = "hog") -> list[Detection]:
    """People in an ``(H, W, 3)`` uint8 RGB photo, best first, by the named backend."""
    if backend not in DETECTORS:
        raise ValueError(f"detector must be one of {sorted(DETECTORS)}, got {backend!r}")
    return DETECTORS[backend](image)
