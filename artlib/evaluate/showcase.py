"""The explorer's showcase scenes: fresh world scenes and one real photo, scored at build time.

Chapter 4 embeds these in its HTML page (:mod:`artlib.explorer`): two fresh test scenes of
different places with their own person, the first person on a scene whose place their outfit
does not fit (so the content head has something to say), and the first person on a real photo
(scikit-learn's ``china.jpg``, parsed by the classical parser), where no oracle can judge.

Shown in chapter 4.
"""
from __future__ import annotations

from typing import Any

from ..adjust import AdjustConfig
from ..data import square_background
from ..explorer import EXPLORER_GRID, explorer_scene
from ..model import Verifier
from ..world import compatible
from .photo_stages import sample_photos
from .queries import fresh_queries

__all__ = ["REAL_BACKGROUND", "showcase_scenes"]

#: The real photo of the showcase (a bundled photo, :data:`artlib.evaluate.photo_stages.PHOTO_FILES`).
REAL_BACKGROUND = "china"


def _outfit(name: str) -> str:
    return f"{name.replace('_', ' ')} outfit"


def showcase_scenes(verifiers: dict[str, Verifier], size: int, grid: tuple[int, int, int] = EXPLORER_GRID,
                    paths: int = 2, seed: int = 0, config: AdjustConfig | None = None,
                    real: str | None = REAL_BACKGROUND) -> list[dict[str, Any]]:
    """The explorer's scenes (:func:`artlib.explorer.explorer_scene`) at ``size`` pixels.

    Fresh *test* scenes of the world (seeds no dataset uses): the first two of different
    places, each with its own person; the first person on the first later scene whose place
    their outfit does not fit; then, unless ``real`` is ``None``, that person on the real photo.
    """
    queries = fresh_queries("test", 24, size)
    first = queries[0]
    other = next(q for q in queries[1:] if q.scene.place != first.scene.place)
    misfit = next(q for q in queries[1:] if not compatible(first.outfit, q.scene.place))
    picks = [(first, first), (other, other), (first, misfit)]
    out = []
    for person, place in picks:
        fits = compatible(person.outfit, place.scene.place)
        title = f"{place.scene.place} scene, {_outfit(person.outfit)}" + ("" if fits else " (does not fit)")
        out.append(explorer_scene(f"{person.name}-on-{place.name}", title, person.sprite, place.background, place.parse,
                                  verifiers, scene=place.scene, fits=fits, grid=grid, paths=paths, seed=seed,
                                  config=config))
    if real is not None:
        rgb, _, _ = sample_photos((real,))[real]
        bg, labels, _ = square_background(rgb, size, "classical", real)
        out.append(explorer_scene(f"{first.name}-on-{real}", f"real photo ({real}), {_outfit(first.outfit)}",
                                  first.sprite, bg, labels.astype("int64"), verifiers, grid=grid, paths=paths,
                                  seed=seed, config=config))
    return out
