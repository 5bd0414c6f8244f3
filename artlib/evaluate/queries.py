"""Queries for the oracle's judgement: a person, a background and its parsing map, with the scene that knows the truth.

Fresh scenes come from world seeds that no dataset uses (:data:`FRESH_SEEDS`), held-out ones
from a built dataset's split; :func:`plausible_cells` asks the oracle about placements.

Shown in chapters 2 to 5.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import world
from ..compose import Placement, as_float_image, placement_box, render_foreground

__all__ = ["FRESH_SEEDS", "Query", "dataset_queries", "fresh_queries", "plausible_cells", "read_sprite"]


FRESH_SEEDS = world.FRESH_SEEDS  # world seeds of the fresh scenes, per split; no dataset uses them


@dataclass
class Query:
    """One foreground and one background to place it on, with the oracle's view of the scene.

    ``sprite`` ``(h, w, 4)`` and ``background`` ``(H, W, 3)`` float in [0, 1]; ``parse``
    ``(H, W)`` int64 label ids; ``placement`` is where the person really stood.
    """

    name: str
    sprite: np.ndarray
    background: np.ndarray
    parse: np.ndarray
    scene: world.Scene
    placement: Placement
    outfit: str

    @property
    def box(self) -> np.ndarray:
        return placement_box(self.sprite.shape[:2], self.placement, self.background.shape[:2])


def fresh_queries(split: str, n: int, size: int, background_mode: str = "clean", shadow: bool = True) -> list[Query]:
    """``n`` freshly rendered world photos of the ``split`` seeds of :data:`FRESH_SEEDS`."""
    from ..inpaint import inpaint_background

    if split not in FRESH_SEEDS:
        raise ValueError(f"split must be one of {tuple(FRESH_SEEDS)}, got {split!r}")
    out = []
    for i in range(n):
        ws = world.make_world_sample(FRESH_SEEDS[split], i, size, shadow=shadow)
        bg = ws.scene.background
        if background_mode == "inpaint":
            bg = inpaint_background(ws.image, render_foreground(ws.sprite, ws.placement, ws.scene.labels.shape)[..., 3])
        out.append(Query(f"{split}-{i}", ws.sprite, bg, ws.scene.labels.astype(np.int64), ws.scene, ws.placement,
                         ws.person.outfit))
    return out


def dataset_queries(manifest, split: str = "test", n: int | None = None) -> list[Query]:
    """Queries from the positives of a built dataset's ``split``: each person on their own background."""
    from ..data import SPLITS, read_source, scene_of

    split_id = SPLITS.index(split) if split in SPLITS else None
    if split_id is None:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
    ids = [s["index"] for s in manifest.sources if s["split"] == split_id][:n]
    out = []
    for i in ids:
        src = read_source(manifest.root, i, manifest.config.size, manifest.sources[i].get("sha256"))
        meta = manifest.sources[i]
        out.append(Query(f"{split}-{i}", as_float_image(src.sprite, 4, "sprite"), as_float_image(src.background, 3, "background"),
                         src.labels.astype(np.int64), scene_of(manifest, i), Placement.of(meta["placement"]), meta["outfit"]))
    return out


def plausible_cells(query: Query, cells: np.ndarray) -> np.ndarray:
    aspect = query.sprite.shape[1] / query.sprite.shape[0]
    return world.plausible_mask(query.scene, cells[:, 0], cells[:, 1], cells[:, 2], aspect=aspect)


def read_sprite(manifest, index: int) -> np.ndarray:
    """The person sprite of a source, ``(h, w, 4)`` float in [0, 1]."""
    from ..data import read_source

    hashes = manifest.sources[index].get("sha256")
    return as_float_image(read_source(manifest.root, index, manifest.config.size, hashes).sprite, 4, "sprite")

