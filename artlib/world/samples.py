"""A sample of the world: a person standing in a scene, lit by it, with a contact shadow (its photo).

Shown in chapter 1.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..compose import Placement, paste, placement_box
from .oracle import sample_placement
from .people import ASPECT, Person, draw_person, light_sprite, sample_person
from .geometry import WORLD_GEOMETRY, Geometry
from .places import PLACES, Scene, render_scene

__all__ = ["FRESH_SEEDS", "PLACEMENT_SIZE", "WorldSample", "make_world_sample", "shadow_map", "sprite_height_px", "world_scene"]


def shadow_map(scene: Scene, placement: Placement, strength: float = 0.45) -> np.ndarray:
    """A soft contact shadow under the feet: ``(H, W, 1)`` multiplicative factor in (0, 1]."""
    H, W = scene.labels.shape
    ys, xs = np.mgrid[0:H, 0:W].astype(np.float32)
    ys, xs = (ys + 0.5) / H, (xs + 0.5) / W
    rx = placement.scale * ASPECT * 0.6
    ry = placement.scale * 0.05
    d = ((xs - placement.x) / rx) ** 2 + ((ys - placement.y + ry * 0.3) / ry) ** 2
    return (1.0 - strength * np.exp(-d))[..., None].astype(np.float32)


#: World seeds of the fresh scenes, per split: the book's datasets use small seeds, never these.
FRESH_SEEDS = {"val": 1_000_001, "test": 1_000_002}
#: Side in pixels of the label map on which a world photo's placement is drawn, whatever its size:
#: the placement is the same at every resolution.
PLACEMENT_SIZE = 128


# ----------------------------------------------------------------------------- sources
@dataclass
class WorldSample:
    """One photo of the world: a person standing in a scene.

    Attributes:
        scene: the empty scene (clean background and exact parsing map).
        person: the person's parameters.
        sprite: ``(h, w, 4)`` straight RGBA sprite, already lit by the scene.
        placement: where the person stands (plausible by construction).
        image: ``(H, W, 3)`` float32 photo: background, shadow, person.
    """

    scene: Scene
    person: Person
    sprite: np.ndarray
    placement: Placement
    image: np.ndarray

    @property
    def box(self) -> np.ndarray:
        return placement_box(self.sprite.shape[:2], self.placement, self.scene.labels.shape)


def sprite_height_px(size: int) -> int:
    """Pixel height of person sprites for a canvas of ``size`` (0.8 canvas, the largest person)."""
    return max(8, int(round(0.8 * size)))


def source_place(index: int) -> str:
    """The place of source ``index`` of the world: places cycle through :data:`PLACES`, whatever the seed."""
    return PLACES[index % len(PLACES)]


def _scene_streams(seed: int, index: int, size: int, place: str | None):
    """The place and the two random streams of source ``index`` (layout and people; pixel noise)."""
    rng = np.random.default_rng([seed, index, 0])
    noise = np.random.default_rng([seed, index, 1, size])
    return (source_place(index) if place is None else place), rng, noise


def world_scene(seed: int, index: int, size: int, place: str | None = None,
                geometry: Geometry = WORLD_GEOMETRY) -> Scene:
    """The empty scene of source ``index``: the same scene :func:`make_world_sample` puts a person in."""
    place, rng, noise = _scene_streams(seed, index, size, place)
    return render_scene(place, size, rng, noise, geometry)


def make_world_sample(
    seed: int, index: int, size: int, place: str | None = None, shadow: bool = True,
    geometry: Geometry = WORLD_GEOMETRY,
) -> WorldSample:
    """Render source ``index`` of the world with ``seed``: deterministic, resolution independent.

    Places cycle through :data:`PLACES` by ``index`` unless ``place`` is given; the outfit
    is drawn among those compatible with the place.
    """
    place, rng, noise = _scene_streams(seed, index, size, place)
    start = rng.bit_generator.state
    probe = render_scene(place, PLACEMENT_SIZE, rng, np.random.default_rng(0), geometry)
    rng.bit_generator.state = start  # the same draws at every size: only the pixels differ
    scene = render_scene(place, size, rng, noise, geometry)
    person = sample_person(rng, place=place)
    placement = sample_placement(probe, rng, person.height_factor)
    sprite = light_sprite(draw_person(person, sprite_height_px(size)), scene.light)
    bg = scene.background * shadow_map(scene, placement) if shadow else scene.background
    image = paste(bg, sprite, placement)
    return WorldSample(scene, person, sprite, placement, image.astype(np.float32))

