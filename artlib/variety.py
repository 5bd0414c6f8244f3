"""A varied list of backgrounds: maximal marginal relevance on what each background is made of.

The paper's background selection keeps the k highest content scores, which are often k copies
of one kind of place, right or wrong. :func:`diverse_ranking` keeps the best background first
and then trades score against likeness to those already kept (maximal marginal relevance,
Carbonell and Goldstein 1998); :func:`surface_colours` describes a background by what each of
its surfaces (each label of its parsing map S) looks like, so that likeness means "the same
kind of place". Plain NumPy: the ``artlib retouch`` command reads its default without torch.

Shown in chapter 5.
"""
from __future__ import annotations

import numpy as np

__all__ = ["DIVERSITY", "FLOOR", "diverse_ranking", "surface_colours"]

#: The default weight of variety in :func:`diverse_ranking` (``artlib retouch --diversity``): the weight chapter
#: 5's rule chooses on validation people (book profile): most kinds of place that fit among the first five, with
#: the five fitting in at least 90% of the cases.
DIVERSITY = 0.4
#: Backgrounds scored below this are kept only after every one above it (the content head's own
#: boundary between consistent and not: probability 0.5).
FLOOR = 0.5


def surface_colours(backgrounds: np.ndarray, labels: np.ndarray, n_labels: int) -> np.ndarray:
    """What each background is made of: the mean colour of every label of its parsing map.

    ``(N, H, W, 3)`` uint8 backgrounds and ``(N, H, W)`` label ids -> ``(N, 3 L)`` float32 in
    [0, 1], zero for a label the background lacks. Sand by the sea and sand in the desert, grass
    in a park and grass in a stadium, are told apart by colour; a place and its copies are not.
    """
    if backgrounds.ndim != 4 or backgrounds.shape[-1] != 3 or labels.shape != backgrounds.shape[:3]:
        raise ValueError(f"backgrounds (N, H, W, 3) and labels (N, H, W) must match, got {backgrounds.shape} and {labels.shape}")
    out = np.zeros((len(backgrounds), n_labels, 3), np.float64)
    for i, (bg, lab) in enumerate(zip(backgrounds, labels)):
        flat = lab.reshape(-1).astype(np.int64)
        count = np.bincount(flat, minlength=n_labels)[:n_labels]
        for c in range(3):
            out[i, :, c] = np.bincount(flat, weights=bg[..., c].reshape(-1), minlength=n_labels)[:n_labels]
        out[i] /= np.maximum(count, 1)[:, None] * 255.0
    return out.reshape(len(backgrounds), -1).astype(np.float32)


def _unit_rows(features: np.ndarray) -> np.ndarray:
    """Rows centred on the gallery's mean and scaled to unit length; a row equal to the mean stays 0."""
    f = features.astype(np.float64) - features.mean(0)
    norm = np.linalg.norm(f, axis=1, keepdims=True)
    return np.where(norm > 1e-9, f / np.maximum(norm, 1e-300), 0.0)


def diverse_ranking(scores: np.ndarray, features: np.ndarray, k: int, weight: float = DIVERSITY,
                    floor: float | None = FLOOR) -> np.ndarray:
    """The ``k`` backgrounds to keep, best first: maximal marginal relevance.

    The first is the best score; each next one maximises ``(1 - weight) * score - weight * max
    similarity to those kept``, the similarity being the cosine of ``features`` centred on the
    gallery's mean (:func:`surface_colours`), counted from 0 (unrelated) to 1 (copies): being
    unlike what was kept earns no bonus, so a place that does not fit is not kept for its
    difference alone. ``weight=0`` gives the plain top k; ties keep the
    gallery's order. A background equal to the gallery's mean (every background of a gallery of
    copies) counts as identical to all, so a gallery of copies is ranked by score alone.

    Args:
        scores: ``(N,)`` content scores; features: ``(N, D)``.
        k: how many to keep, 1 to N; weight: in [0, 1).
    Returns:
        ``(k,)`` indices into the gallery.
    """
    scores = np.asarray(scores, np.float64)
    if features.ndim != 2 or len(features) != len(scores):
        raise ValueError(f"features must be (N, D) with N = {len(scores)} scores, got {features.shape}")
    if not 1 <= k <= len(scores):
        raise ValueError(f"k must be in [1, {len(scores)}] (the gallery's size), got {k}")
    if not 0 <= weight < 1:
        raise ValueError(f"the diversity weight must be in [0, 1), got {weight}")
    f = _unit_rows(features)
    blank = ~f.any(1)
    kept = [int(np.argmax(scores))]
    closest = np.full(len(scores), -np.inf)
    while len(kept) < k:
        j = kept[-1]
        sim = np.ones(len(scores)) if blank[j] else np.where(blank, 1.0, np.maximum(f @ f[j], 0.0))
        closest = np.maximum(closest, sim)
        value = (1 - weight) * scores - weight * closest
        value[kept] = -np.inf
        if floor is not None and (value[scores >= floor] > -np.inf).any():
            value[scores < floor] = -np.inf  # variety among the consistent ones first
        kept.append(int(np.argmax(value)))
    return np.array(kept)
