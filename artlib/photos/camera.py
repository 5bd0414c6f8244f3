"""The camera rule of a real photo, read from the people it already shows.

People are about one height, so the people of a photo are its posts (Hoiem, Efros and Hebert,
"Putting Objects in Perspective", 2006): :func:`standing_people` keeps the detected people whose
box is whole (neither feet nor head cut by the frame) and :func:`artlib.cues.fit_camera_rule`
fits the horizon and the camera factor through their feet and heights, leaving out those that do
not agree (sitting, children, boxes that merge two people). A photo without people gets the
eye-level prior, stated as such in :meth:`~artlib.cues.CameraRule.describe`.

Shown in chapter 6; used by ``artlib retouch`` on real photos.
"""
from __future__ import annotations

import numpy as np

from ..cues import CameraRule, fit_camera_rule
from .check import check_photo
from .detect import Detection, detect

__all__ = ["read_camera", "standing_people"]

#: A box whose top or bottom lies within this fraction of the frame's edge is cut there.
EDGE = 0.01


def standing_people(found: list[Detection], shape: tuple[int, ...]) -> np.ndarray:
    """``(P, 3)`` feet row, height (fractions of the image height) and centre column (fraction of the
    width) of the detected people whose boxes are whole: a box touching the top or bottom edge is
    left out. ``shape`` is the photo's ``(H, W, ...)``."""
    H, W = shape[:2]
    b = np.array([d.box for d in found], np.float64).reshape(-1, 4)
    whole = (b[:, 1] > EDGE * H) & (b[:, 3] < (1 - EDGE) * H) & (b[:, 3] > b[:, 1])
    b = b[whole]
    return np.stack([b[:, 3] / H, (b[:, 3] - b[:, 1]) / H, (b[:, 0] + b[:, 2]) / (2 * W)], 1)


def read_camera(image: np.ndarray, found: list[Detection] | None = None, horizon_prior: float | None = None,
                backend: str = "ssd") -> CameraRule:
    """The camera rule of an ``(H, W, 3)`` uint8 RGB photo from the people in it.

    ``found`` are the photo's detections (detected with ``backend`` when None);
    ``horizon_prior`` is the horizon used when the photo shows nobody whole (a level camera's
    middle row when None).
    """
    a = check_photo(image)
    found = detect(a, backend) if found is None else found
    people = standing_people(found, a.shape)
    return fit_camera_rule(people[:, 0], people[:, 1], horizon_prior=horizon_prior)
