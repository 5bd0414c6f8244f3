"""A label set of scene parsing: the names of the labels and the colour each is drawn in.

The label set is data of the dataset or gallery, not of the model: the verifier needs only the
number of labels (one-hot input) and their colours (palette input), and receives them as a
:class:`LabelSet` from the data it is trained on (:mod:`artlib.world` defines the world's).

Shown in chapter 1.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["STANDARD_HEIGHTS", "LabelSet"]

#: Labels of things that stand on the ground at a standard height, in standing people: the world's
#: posts (lamp posts, pillars). Where a parsing map shows one, its height tells the camera rule.
STANDARD_HEIGHTS: dict[str, float] = {"post": 1.5}


@dataclass(frozen=True)
class LabelSet:
    """Label names (the index of a name is its id in a parsing map) and ``(L, 3)`` uint8 colours."""

    names: tuple[str, ...]
    palette: tuple[tuple[int, int, int], ...]

    def __post_init__(self) -> None:
        if len(self.names) != len(self.palette) or not self.names:
            raise ValueError(f"a label set needs one colour per label, got {len(self.names)} names "
                             f"and {len(self.palette)} colours")

    def __len__(self) -> int:
        return len(self.names)

    @property
    def colours(self) -> np.ndarray:
        """``(L, 3)`` uint8."""
        return np.asarray(self.palette, np.uint8)

    def to_dict(self) -> dict:
        return {"labels": list(self.names), "palette": [list(c) for c in self.palette]}

    @classmethod
    def from_dict(cls, d: dict) -> "LabelSet":
        return cls(tuple(d["labels"]), tuple(tuple(int(v) for v in c) for c in d["palette"]))
