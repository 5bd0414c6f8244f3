"""The samples of Section 3: splits by source, spatial negatives, content negatives, the sample table.

=========================  =========  ===========  ==============================================
kind                       content    spatial      what
=========================  =========  ===========  ==============================================
``D+`` (positive)          1          1            F_i at its own place on B_i
``D_s-`` (spatial neg.)    1          eq. (1)      F_i moved and scaled (``spatial_per_positive``)
``D_c-`` (content neg.)    0          0 or eq. 1   F_j, j != i, on B_i (``content_per_positive``)
=========================  =========  ===========  ==============================================

The paper's Table 1 prints the spatial column of the two negative rows swapped; we follow the
authors' code (content negatives carry spatial target 0) in the ``paper`` recipe. Content
negatives are drawn by derangements within a split, so no foreground meets its own background;
the train/validation/test split is by source, so no foreground and no background appears in two
splits (the authors' split shares them, which makes their test numbers optimistic).

Two sampling recipes (``BuildConfig.recipe``):

* ``"paper"`` (Section 3): a content negative F_j keeps its own original placement, with
  spatial target 0;
* ``"balanced"`` (ours): a content negative F_j on B_i is placed the way positives and
  spatial negatives of B_i are, relative to the person removed from B_i: at that person's
  placement (probability ``1 / (1 + spatial_per_positive)``) or moved from it by a draw of
  the ``D_s-`` distribution, with the spatial target of eq. (1) relative to that placement.
  Placement then carries no information about content. No oracle is used: real photos have none.
* ``"grounded"`` (ours): placements as ``"balanced"``; every spatial target other than a
  positive's is the evidence of :mod:`artlib.data.grounded` (the label under the feet, the
  height against the camera rule read from the posts, the canvas) instead of eq. (1).

Shown in chapter 1.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

import numpy as np

from ..compose import Placement, box_width
from ..config import check_types, strict_from_dict
from ..score import max_displacement, spatial_score
from ..world import ASPECT

__all__ = [
    "BACKGROUND_MODES", "BuildConfig", "INT_COLUMNS", "KINDS", "Kind", "RECIPES", "SAMPLE_COLUMNS", "SPLITS",
    "content_partners", "cyclic_derangement", "make_samples", "sample_moved", "split_sizes", "split_sources",
    "visible_fraction",
]


class Kind(IntEnum):
    """The kinds of sample (their value is the ``kind`` column of a manifest)."""

    POSITIVE = 0
    SPATIAL_NEGATIVE = 1
    CONTENT_NEGATIVE = 2

    @property
    def label(self) -> str:
        """The paper's name: ``D+``, ``D_s-`` or ``D_c-``."""
        return KINDS[self]


KINDS: tuple[str, ...] = ("D+", "D_s-", "D_c-")
SPLITS: tuple[str, ...] = ("train", "val", "test")
RECIPES: tuple[str, ...] = ("paper", "balanced", "grounded")
BACKGROUND_MODES = ("clean", "inpaint")
#: Bounds of the size-like parameters (the paper's dataset has 37,395 sources at 256 px).
MAX_SOURCES = 1_000_000
MAX_SIZE = 1024


@dataclass(frozen=True)
class BuildConfig:
    """Everything that determines a dataset; stored in ``build.json`` and the manifest.

    Spatial negatives (``D_s-``) move the anchor by ``u * x_max`` in a uniformly random
    direction, ``u ~ U(0, shift_max_fraction)``, and scale the person by
    ``r = exp(U(log ratio_min, log ratio_max))``; a draw is kept when the new anchor lies
    on the canvas, the person fits (``scale <= 0.95``) and at least ``min_visible`` of
    its box stays on the canvas (else it is drawn again). The paper does not publish its
    ranges.

    The defaults are the paper's dataset (37,395 positives at 256 px, inpainted backgrounds,
    two negatives of each kind per positive, a 20% test split) where the paper gives a value;
    the 10% validation split is ours (the paper has none). The profiles under ``params/`` change
    the size: the book's is 2,000 sources at 64 px on clean backgrounds.
    """

    n_sources: int = 37395
    size: int = 256
    seed: int = 0
    background_mode: str = "inpaint"
    shadow: bool = True
    recipe: str = "paper"
    test_fraction: float = 0.2
    val_fraction: float = 0.1
    spatial_per_positive: int = 2
    content_per_positive: int = 2
    shift_max_fraction: float = 1.0
    ratio_min: float = 0.5
    ratio_max: float = 2.0
    min_visible: float = 0.5

    def __post_init__(self) -> None:
        check_types(self)
        if not 2 <= self.n_sources <= MAX_SOURCES:
            raise ValueError(f"n_sources must be in [2, {MAX_SOURCES:,}], got {self.n_sources}")
        if not 16 <= self.size <= MAX_SIZE:
            raise ValueError(f"size must be in [16, {MAX_SIZE}] px, got {self.size}")
        if self.seed < 0:
            raise ValueError(f"seed must be >= 0, got {self.seed}")
        for name in ("spatial_per_positive", "content_per_positive"):
            if not 1 <= getattr(self, name) <= 100:
                raise ValueError(f"{name} must be in [1, 100] (the paper makes 2 per positive), got {getattr(self, name)}")
        if not 0 < self.shift_max_fraction <= 1:
            raise ValueError(f"shift_max_fraction must be in (0, 1], got {self.shift_max_fraction}")
        if not 0 < self.min_visible <= 1:
            raise ValueError(f"min_visible must be in (0, 1] (a share of the box on the canvas), got {self.min_visible}")
        if self.background_mode not in BACKGROUND_MODES:
            raise ValueError(f"background_mode must be one of {BACKGROUND_MODES}, got {self.background_mode!r}")
        if self.recipe not in RECIPES:
            raise ValueError(f"recipe must be one of {RECIPES}, got {self.recipe!r}")
        if not (0 < self.test_fraction < 1 and 0 < self.val_fraction < 1 and self.test_fraction + self.val_fraction < 1):
            raise ValueError(f"test_fraction and val_fraction must be in (0, 1) with a sum below 1, "
                             f"got {self.test_fraction} and {self.val_fraction}")
        if not 0 < self.ratio_min <= 1 <= self.ratio_max:
            raise ValueError(f"need 0 < ratio_min <= 1 <= ratio_max, got {self.ratio_min}, {self.ratio_max}")
        sizes = split_sizes(self.n_sources, self.test_fraction, self.val_fraction)
        if min(sizes) <= self.content_per_positive:
            raise ValueError(
                f"each split needs more than content_per_positive={self.content_per_positive} sources "
                f"for the derangements; got {dict(zip(SPLITS, sizes))} from n_sources={self.n_sources}"
            )

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "BuildConfig":
        return strict_from_dict(cls, d, "dataset parameters")


def split_sizes(n: int, test_fraction: float, val_fraction: float) -> tuple[int, int, int]:
    """Sources per split ``(train, val, test)``."""
    n_test, n_val = int(round(n * test_fraction)), int(round(n * val_fraction))
    return n - n_test - n_val, n_val, n_test


def split_sources(n: int, test_fraction: float, val_fraction: float, seed: int) -> np.ndarray:
    """Assign each source to a split: ``(n,)`` indices into :data:`SPLITS`, by source."""
    order = np.random.default_rng([seed, 7]).permutation(n)
    _, n_val, n_test = split_sizes(n, test_fraction, val_fraction)
    split = np.zeros(n, np.int64)
    split[order[:n_test]] = SPLITS.index("test")
    split[order[n_test : n_test + n_val]] = SPLITS.index("val")
    return split


def cyclic_derangement(n: int, rng: np.random.Generator) -> np.ndarray:
    """Sattolo's algorithm: a uniformly random ``n``-cycle, so ``perm[i] != i`` for all i.

    Its powers ``perm^k`` for ``0 < k < n`` are derangements too, and differ from each
    other at every position, which gives several distinct content negatives per positive.
    """
    perm = np.arange(n)
    for i in range(n - 1, 0, -1):
        j = int(rng.integers(0, i))
        perm[i], perm[j] = perm[j], perm[i]
    return perm


def visible_fraction(box: np.ndarray) -> float:
    """Fraction of a box's area inside the unit canvas."""
    x0, y0, x1, y1 = box
    inter = max(0.0, min(x1, 1) - max(x0, 0)) * max(0.0, min(y1, 1) - max(y0, 0))
    area = (x1 - x0) * (y1 - y0)
    return inter / area if area > 0 else 0.0


def sample_moved(
    placement: Placement, rng: np.random.Generator, cfg: BuildConfig, aspect: float = ASPECT, tries: int = 100
) -> tuple[Placement, float, float]:
    """Draw a spatial negative's placement; returns ``(placement, distance, ratio)``."""
    xmax = max_displacement(placement.x, placement.y)
    lo, hi = math.log(cfg.ratio_min), math.log(cfg.ratio_max)
    for _ in range(tries):
        theta = rng.uniform(0, 2 * math.pi)
        d = rng.uniform(0, cfg.shift_max_fraction) * xmax
        r = math.exp(rng.uniform(lo, hi))
        p = Placement(placement.x + d * math.cos(theta), placement.y + d * math.sin(theta), placement.scale * r)
        if not (0 <= p.x <= 1 and 0 <= p.y <= 1 and p.scale <= 0.95):
            continue
        half = box_width(p.scale, aspect) / 2
        box = np.array([p.x - half, p.y - p.scale, p.x + half, p.y])
        if visible_fraction(box) >= cfg.min_visible:
            return p, float(d), float(r)
    return placement, 0.0, 1.0  # pragma: no cover - vanishingly rare with the default ranges



SAMPLE_COLUMNS: dict[str, str] = {
    "kind": "int: the :class:`Kind` of the sample",
    "fg_source": "int: index of the source whose person is the foreground F",
    "bg_source": "int: index of the source whose background B (and parsing S) is used",
    "x": "float: horizontal position of F's feet, fraction of the width",
    "y": "float: vertical position of F's feet, fraction of the height",
    "scale": "float: F's height, fraction of the canvas height",
    "content": "float: content target (1 or 0)",
    "spatial": "float: spatial target (1, or eq. (1) for a moved F)",
    "distance": "float: displacement d of eq. (1) (0 when not moved)",
    "ratio": "float: scale ratio r of eq. (1) (1 when not scaled)",
    "split": "int: index into :data:`SPLITS` (the split of the background's source)",
}
INT_COLUMNS: tuple[str, ...] = ("kind", "fg_source", "bg_source", "split")


def content_partners(split: np.ndarray, per_positive: int, seed: int) -> list[list[int]]:
    """For each source ``i``, the ``per_positive`` sources ``j != i`` of its split whose
    foreground F_j becomes a content negative on B_i (powers of a cyclic derangement)."""
    partners: list[list[int]] = [[] for _ in range(len(split))]
    for sp in range(len(SPLITS)):
        members = np.flatnonzero(split == sp)
        perm = cyclic_derangement(len(members), np.random.default_rng([seed, 3, sp]))
        power = np.arange(len(members))
        for _ in range(per_positive):
            power = perm[power]
            for a, b in zip(members, members[power]):
                partners[int(a)].append(int(b))
    return partners


def _rows_of_source(i: int, placements: list[Placement], partners: list[int], cfg: BuildConfig) -> list[tuple]:
    """The samples with background B_i: ``(kind, fg_source, placement, content, spatial, distance, ratio)``."""
    p = placements[i]
    rows = [(Kind.POSITIVE, i, p, 1.0, 1.0, 0.0, 1.0)]
    rng = np.random.default_rng([cfg.seed, i, 2])
    xmax = max_displacement(p.x, p.y)
    for _ in range(cfg.spatial_per_positive):
        q, dist, ratio = sample_moved(p, rng, cfg)
        rows.append((Kind.SPATIAL_NEGATIVE, i, q, 1.0, float(spatial_score(dist, xmax, ratio)), dist, ratio))
    rng_c = np.random.default_rng([cfg.seed, i, 4])
    for j in partners:
        if cfg.recipe == "paper":
            rows.append((Kind.CONTENT_NEGATIVE, j, placements[j], 0.0, 0.0, 0.0, 1.0))
        elif rng_c.random() < 1.0 / (1 + cfg.spatial_per_positive):
            rows.append((Kind.CONTENT_NEGATIVE, j, p, 0.0, 1.0, 0.0, 1.0))
        else:
            q, dist, ratio = sample_moved(p, rng_c, cfg)
            rows.append((Kind.CONTENT_NEGATIVE, j, q, 0.0, float(spatial_score(dist, xmax, ratio)), dist, ratio))
    return rows


def make_samples(cfg: BuildConfig, sources: list[dict[str, Any]]) -> dict[str, np.ndarray]:
    """The sample table of Section 3 (columns :data:`SAMPLE_COLUMNS`) for a list of source
    metadata, each with its ``placement`` and ``split``; deterministic."""
    split = np.array([s["split"] for s in sources])
    placements = [Placement.of(s["placement"]) for s in sources]
    partners = content_partners(split, cfg.content_per_positive, cfg.seed)
    cols: dict[str, list] = {k: [] for k in SAMPLE_COLUMNS}
    for i in range(len(sources)):
        for kind, j, q, content, spatial, dist, ratio in _rows_of_source(i, placements, partners[i], cfg):
            values = (kind, j, i, q.x, q.y, q.scale, content, spatial, dist, ratio, split[i])
            for k, v in zip(cols, values):
                cols[k].append(v)
    return {k: np.asarray(v, np.int64 if k in INT_COLUMNS else np.float64) for k, v in cols.items()}
