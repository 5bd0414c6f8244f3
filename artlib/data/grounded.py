"""The ``grounded`` recipe's spatial targets: evidence the dataset itself holds, instead of eq. (1).

Eq. (1) scores a move by its distance and its scale ratio. Where scenes differ in horizon,
camera height and ground, a short move onto water or to the wrong size keeps a target near 1
and a long move to another good spot gets 0 (chapter 1 measures how poorly the targets rank
plausibility). The grounded target of a placement ``(x, y, s)`` on background ``B_i`` is 1 when
three pieces of evidence agree, else 0:

1. **the ground**: the label of ``S_i`` under the feet is one the training positives stand on
   (labels under at least ``min_share`` of their feet);
2. **the height**: ``s`` divided by the camera rule that :func:`artlib.cues.camera_rule` reads
   from ``S_i``'s posts and horizon lies within the band of the training positives' own ratios
   (their ``quantile`` and ``1 - quantile`` quantiles);
3. **the canvas**: the person's box stays on the canvas, as every positive's does.

Positives keep the target 1; placements are drawn as in the ``balanced`` recipe. No oracle is
used: the labels come from the parsing map, the camera rule from the posts it shows, the
ground and the band from the positives, so the same recipe applies to photos with a parser.

Shown in chapter 1; chapter 3 trains on it.
"""
from __future__ import annotations

import numpy as np
import torch

from ..compose import box_width
from ..cues import camera_rule
from ..labels import LabelSet
from ..world import ASPECT

__all__ = ["Evidence", "feet_labels", "grounded_targets", "learn_evidence"]


def feet_labels(parse: np.ndarray, bg: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The label of ``parse[bg]`` (``(N, H, W)`` maps) under each placement's feet ``(x, y)``."""
    _, H, W = parse.shape
    col = np.clip((np.asarray(x) * W).astype(np.int64), 0, W - 1)
    row = np.clip((np.asarray(y) * H - 0.5).astype(np.int64), 0, H - 1)
    return parse[bg, row, col]


class Evidence:
    """What the training positives show: the labels they stand on and their height band.

    ``hz`` and ``k`` are ``(N,)`` camera rules read from the ``N`` parsing maps.
    """

    def __init__(self, ground: np.ndarray, band: tuple[float, float], hz: np.ndarray, k: np.ndarray):
        self.ground, self.band, self.hz, self.k = ground, band, hz, k

    def ratio(self, bg: np.ndarray, y: np.ndarray, s: np.ndarray) -> np.ndarray:
        """Height ``s`` over the camera rule of background ``bg`` at feet row ``y``."""
        rule = self.k[bg] * (np.asarray(y) - self.hz[bg])
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(rule > 1e-3, np.asarray(s) / np.where(rule > 1e-3, rule, 1.0), np.inf)


def _camera_rules(parse: np.ndarray, labels: LabelSet, chunk: int = 512) -> tuple[np.ndarray, np.ndarray]:
    out = [camera_rule(torch.as_tensor(parse[i:i + chunk].astype(np.int64)), labels) for i in range(0, len(parse), chunk)]
    return np.concatenate([o[0].numpy() for o in out]), np.concatenate([o[1].numpy() for o in out])


def learn_evidence(parse: np.ndarray, labels: LabelSet, positives: dict[str, np.ndarray],
                   min_share: float = 0.005, quantile: float = 0.02) -> Evidence:
    """Learn the ground labels and the height band from training positives (``bg``, ``x``, ``y``, ``scale``)."""
    bg, x, y, s = (np.asarray(positives[k]) for k in ("bg", "x", "y", "scale"))
    if not len(bg):
        raise ValueError("the grounded recipe needs training positives to learn from")
    under = feet_labels(parse, bg, x, y)
    counts = np.bincount(under, minlength=len(labels))
    ground = np.flatnonzero(counts >= max(1.0, min_share * len(bg)))
    hz, k = _camera_rules(parse, labels)
    ev = Evidence(ground, (0.0, np.inf), hz, k)
    r = ev.ratio(bg, y, s)
    r = r[np.isfinite(r)]
    ev.band = (float(np.quantile(r, quantile)), float(np.quantile(r, 1 - quantile))) if len(r) else (0.75, 1.25)
    return ev


def grounded_targets(ev: Evidence, parse: np.ndarray, bg: np.ndarray, x: np.ndarray, y: np.ndarray,
                     s: np.ndarray, aspect: float = ASPECT) -> np.ndarray:
    """``(M,)`` float targets in {0, 1}: the three pieces of evidence of the module docstring."""
    on_ground = np.isin(feet_labels(parse, bg, x, y), ev.ground)
    r = ev.ratio(bg, y, s)
    half = box_width(np.asarray(s), aspect) / 2
    inside = (x - half >= 0) & (x + half <= 1) & (y - s >= 0) & (y <= 1)
    return (on_ground & (r >= ev.band[0]) & (r <= ev.band[1]) & inside).astype(np.float64)
