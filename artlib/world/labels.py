"""The world's semantic label set: names, parsing-map colours, and which labels a person can stand on.

Shown in chapter 1.
"""
from __future__ import annotations

import numpy as np

from ..labels import LabelSet

__all__ = ["LABEL_ID", "LABELS", "PALETTE", "WALKABLE", "WALKABLE_LABELS", "WORLD_LABELS", "parse_colours"]

#: The semantic label set; the index of a name is its label id in a parsing map.
LABELS: tuple[str, ...] = (
    "sky", "water", "sand", "grass", "snow", "road", "floor", "wall",
    "building", "tree", "furniture", "mountain", "rock", "ceiling", "window", "path", "post",
)
#: Label ids by name (``LABEL_ID["sky"] == 0``).
LABEL_ID = {name: i for i, name in enumerate(LABELS)}
#: Colour of each label in a rendered parsing map (ADE20K-like, one row per label).
PALETTE = np.array(
    [
        [6, 230, 230], [61, 230, 250], [160, 150, 20], [4, 250, 7], [255, 255, 255],
        [140, 140, 140], [80, 50, 50], [120, 120, 120], [180, 120, 120], [4, 200, 3],
        [204, 5, 255], [143, 255, 140], [255, 184, 6], [120, 120, 80], [230, 230, 230],
        [255, 31, 0], [51, 71, 255],
    ],
    dtype=np.uint8,
)
#: Labels a person can stand on.
WALKABLE_LABELS = frozenset({"sand", "grass", "snow", "road", "floor", "path"})
WALKABLE = np.array([name in WALKABLE_LABELS for name in LABELS])
#: The world's label set, as the data gives it to the verifier.
WORLD_LABELS = LabelSet(LABELS, tuple(tuple(int(v) for v in c) for c in PALETTE))


def parse_colours(labels: np.ndarray) -> np.ndarray:
    """Colour a ``(H, W)`` label map with :data:`PALETTE`: ``(H, W, 3)`` uint8."""
    return PALETTE[labels]
