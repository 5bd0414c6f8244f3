"""The synthetic world: the embedded default data of the book.

The paper builds its dataset from *Celebrity in Places* photos (Section 3), which cannot be
downloaded here. This package renders a small procedural world instead, whose rules are
known, so every claim of the book can be checked against ground truth:

* :mod:`artlib.world.labels`: the semantic label set (:data:`LABELS`, colours in
  :data:`PALETTE`); some labels are walkable;
* :mod:`artlib.world.places`: 16 place categories (the paper's dataset also has 16), each with
  its features, a palette and a light tint, and the renderer of an empty scene (exact parsing map);
* :mod:`artlib.world.geometry`: the scene's camera (horizon, camera height), the ground's layout
  (water or furniture in front, one side, a path, patches, a far shore) and posts of standard
  height, drawn from the ranges of a :class:`Geometry`;
* :mod:`artlib.world.people`: articulated figures in one of six outfits, which fit some places
  and not others (:data:`COMPATIBLE`);
* :mod:`artlib.world.oracle`: is a placement plausible (feet on walkable ground, height by the
  camera rule ``camera_k * (y - y_h)``, inside the canvas), does an outfit fit a place;
* :mod:`artlib.world.samples`: a sample of the world: a person standing in a scene (its photo);
* :mod:`artlib.world.difficulty`: how often fixed placements are plausible over fresh scenes.

All geometry is drawn in normalised coordinates from a geometry random stream, and pixel
noise from a separate stream, so a scene is the same picture at 64 px and 256 px. Shown in
chapter 1.
"""
from .labels import (
    LABELS,
    PALETTE,
    WALKABLE,
    WALKABLE_LABELS,
    WORLD_LABELS,
    LABEL_ID,
    parse_colours,
)
from .oracle import (
    CANVAS_MARGIN,
    HEIGHT_TOLERANCE,
    compatible,
    implausible_reasons,
    is_plausible,
    perspective_height,
    plausible_mask,
    sample_placement,
)
from .people import (
    ASPECT,
    COMPATIBLE,
    OUTFITS,
    Person,
    draw_person,
    light_sprite,
    sample_person,
)
from .difficulty import DIFFICULTY_GRID, best_fixed, difficulty, fixed_baselines, fixed_grid, plausible_table
from .geometry import (
    GEOMETRIES,
    LAYOUTS,
    NARROW_GEOMETRY,
    PERSON_HEIGHTS,
    POST_HEIGHT,
    WORLD_GEOMETRY,
    WORLD_VERSION,
    Geometry,
)
from .samples import (FRESH_SEEDS, PLACEMENT_SIZE, WorldSample, make_world_sample, shadow_map, source_place, sprite_height_px,
                     world_scene)
from .places import FEATURES, PLACE_SPECS, PLACES, PlaceSpec, Scene, render_scene

__all__ = [
    "DIFFICULTY_GRID", "FRESH_SEEDS", "PLACEMENT_SIZE", "GEOMETRIES", "Geometry", "LAYOUTS", "NARROW_GEOMETRY", "PERSON_HEIGHTS", "POST_HEIGHT",
    "WORLD_GEOMETRY", "WORLD_VERSION", "best_fixed", "difficulty", "fixed_baselines", "fixed_grid", "plausible_table",
    "ASPECT", "CANVAS_MARGIN", "COMPATIBLE", "FEATURES", "HEIGHT_TOLERANCE", "LABEL_ID", "LABELS", "OUTFITS", "PALETTE",
    "PLACES", "PLACE_SPECS", "Person", "PlaceSpec", "Scene", "source_place", "WALKABLE", "WALKABLE_LABELS", "WORLD_LABELS",
    "WorldSample", "compatible", "draw_person", "implausible_reasons", "is_plausible", "light_sprite",
    "make_world_sample", "parse_colours", "perspective_height", "plausible_mask", "render_scene", "sample_person",
    "sample_placement", "shadow_map", "sprite_height_px", "world_scene",
]
