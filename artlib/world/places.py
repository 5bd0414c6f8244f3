"""The world's sixteen places and the renderer of an empty scene: background B and exact parsing map S.

Each place has its features (ground, far objects, obstacles), a palette and a light tint; the
camera (horizon, camera height), the ground's layout and the posts come from a
:class:`~artlib.world.geometry.Geometry`. Geometry is drawn in normalised coordinates from a
geometry random stream and pixel noise from a separate one, so a scene is the same picture at
any resolution.

Shown in chapter 1.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from .geometry import PERSON_HEIGHTS, WORLD_GEOMETRY, Geometry, draw_camera, draw_layout, draw_posts, fill_poly
from .labels import LABEL_ID, LABELS, WALKABLE
from .people import ASPECT

__all__ = ["FEATURES", "PLACES", "PLACE_SPECS", "PlaceSpec", "Scene", "has_room", "render_scene"]


@dataclass(frozen=True)
class PlaceSpec:
    """Layout rules of one place category.

    ``features`` are drawn in order on the label map; each is ``(kind, label)`` with kinds
    ``mountains``, ``trees``, ``buildings``, ``windows``, ``shelves`` (standing on the
    horizon), ``band`` (a strip just below the horizon), ``side`` (a region on one side of
    the ground), ``blobs`` (obstacles on the ground), ``rect`` (a pool), ``strip`` (a path
    across the ground) and ``desks`` (rows of furniture). ``horizon`` is the place's own band
    (used by :data:`~artlib.world.geometry.NARROW_GEOMETRY`); ``obstacle`` the label that covers
    the ground in a layout (water outdoors, furniture indoors, unless given).
    """

    name: str
    indoor: bool
    ground: str
    horizon: tuple[float, float]
    features: tuple[tuple[str, str], ...]
    light: tuple[float, float, float]
    colours: dict[str, tuple[int, int, int]] = field(default_factory=dict)
    obstacle: str = ""

    def __post_init__(self) -> None:
        if not self.obstacle:
            object.__setattr__(self, "obstacle", "furniture" if self.indoor else "water")


_OUT = dict(indoor=False)
_IN = dict(indoor=True)
PLACE_SPECS: dict[str, PlaceSpec] = {
    p.name: p
    for p in [
        PlaceSpec("beach", ground="sand", horizon=(0.35, 0.45), features=(("band", "water"),),
                  light=(1.08, 1.0, 0.88), colours={"sand": (222, 200, 150), "water": (40, 120, 190)}, **_OUT),
        PlaceSpec("desert", ground="sand", horizon=(0.4, 0.5), features=(("mountains", "mountain"), ("blobs", "rock")),
                  light=(1.12, 0.98, 0.8), colours={"sand": (214, 160, 90), "mountain": (170, 110, 70)}, obstacle="rock", **_OUT),
        PlaceSpec("snowfield", ground="snow", horizon=(0.38, 0.5), features=(("mountains", "mountain"), ("blobs", "rock")),
                  light=(0.88, 0.95, 1.12), colours={"mountain": (150, 160, 185)}, obstacle="rock", **_OUT),
        PlaceSpec("forest", ground="grass", horizon=(0.42, 0.52), features=(("trees", "tree"), ("strip", "path"), ("blobs", "tree")),
                  light=(0.9, 1.05, 0.9), colours={"grass": (60, 110, 45), "tree": (30, 80, 30)}, obstacle="tree", **_OUT),
        PlaceSpec("park", ground="grass", horizon=(0.4, 0.5), features=(("trees", "tree"), ("blobs", "water"), ("strip", "path")),
                  light=(1.0, 1.03, 0.95), colours={"grass": (100, 170, 70)}, **_OUT),
        PlaceSpec("street", ground="road", horizon=(0.4, 0.52), features=(("buildings", "building"), ("strip", "path")),
                  light=(1.0, 1.0, 1.0), colours={"road": (90, 90, 95), "path": (170, 165, 160)}, obstacle="building", **_OUT),
        PlaceSpec("mountain", ground="path", horizon=(0.3, 0.42), features=(("mountains", "mountain"), ("blobs", "rock")),
                  light=(0.95, 0.98, 1.05), colours={"path": (140, 120, 95), "mountain": (100, 110, 120)}, obstacle="rock", **_OUT),
        PlaceSpec("lakeside", ground="grass", horizon=(0.38, 0.48), features=(("trees", "tree"), ("side", "water")),
                  light=(0.97, 1.02, 1.03), colours={"water": (50, 100, 140)}, **_OUT),
        PlaceSpec("stadium", ground="grass", horizon=(0.35, 0.45), features=(("buildings", "building"), ("strip", "path")),
                  light=(1.02, 1.02, 0.97), colours={"grass": (50, 150, 60), "path": (190, 80, 60), "building": (150, 150, 170)}, **_OUT),
        PlaceSpec("harbour", ground="road", horizon=(0.38, 0.48), features=(("buildings", "building"), ("side", "water")),
                  light=(0.95, 0.98, 1.05), colours={"road": (150, 145, 135), "water": (30, 80, 120)}, **_OUT),
        PlaceSpec("office", ground="floor", horizon=(0.4, 0.5), features=(("windows", "window"), ("desks", "furniture")),
                  light=(0.98, 1.0, 1.04), colours={"floor": (150, 150, 160), "wall": (225, 225, 220), "furniture": (90, 70, 60)}, **_IN),
        PlaceSpec("classroom", ground="floor", horizon=(0.42, 0.52), features=(("windows", "window"), ("desks", "furniture")),
                  light=(1.03, 1.0, 0.95), colours={"floor": (170, 130, 90), "wall": (230, 220, 190), "furniture": (150, 110, 60)}, **_IN),
        PlaceSpec("library", ground="floor", horizon=(0.42, 0.5), features=(("shelves", "furniture"), ("blobs", "furniture")),
                  light=(1.08, 0.98, 0.85), colours={"floor": (120, 80, 50), "wall": (170, 140, 110), "furniture": (100, 60, 35)}, **_IN),
        PlaceSpec("restaurant", ground="floor", horizon=(0.42, 0.52), features=(("windows", "window"), ("blobs", "furniture")),
                  light=(1.1, 0.97, 0.85), colours={"floor": (140, 60, 50), "wall": (200, 160, 120), "furniture": (230, 230, 225)}, **_IN),
        PlaceSpec("swimming_pool", ground="floor", horizon=(0.38, 0.48), features=(("windows", "window"), ("rect", "water")),
                  light=(0.95, 1.02, 1.08), colours={"floor": (200, 210, 215), "wall": (190, 210, 220), "water": (60, 170, 220)}, obstacle="water", **_IN),
        PlaceSpec("gym", ground="floor", horizon=(0.42, 0.5), features=(("windows", "window"), ("desks", "furniture")),
                  light=(1.0, 1.0, 1.0), colours={"floor": (70, 75, 80), "wall": (160, 165, 170), "furniture": (40, 40, 45)}, **_IN),
    ]
}
PLACES: tuple[str, ...] = tuple(PLACE_SPECS)

#: Base colours of labels (RGB 0-255), overridden per place by ``PlaceSpec.colours``.
_BASE_COLOURS: dict[str, tuple[int, int, int]] = {
    "sky": (135, 190, 235), "water": (50, 110, 170), "sand": (215, 190, 140), "grass": (90, 150, 60),
    "snow": (240, 243, 248), "road": (95, 95, 100), "floor": (160, 140, 120), "wall": (210, 205, 195),
    "building": (150, 130, 120), "tree": (40, 100, 40), "furniture": (110, 80, 55), "mountain": (120, 120, 130),
    "rock": (110, 105, 100), "ceiling": (235, 235, 230), "window": (180, 215, 240), "path": (165, 140, 110),
    "post": (60, 60, 66),
}


@dataclass
class Scene:
    """A rendered empty scene: the clean background B and its exact parsing map S.

    Attributes:
        place: place category name.
        horizon: horizon height ``y_h`` (normalised, from the top).
        camera_k: height of a standing person per unit of ``y - y_h`` (camera-height rule).
        labels: ``(H, W)`` uint8 label ids.
        background: ``(H, W, 3)`` float32 RGB in [0, 1].
        light: ``(3,)`` RGB tint of the scene's light, applied to people standing in it.
        layout: the ground's layout (:data:`~artlib.world.geometry.LAYOUTS`).
        posts: the posts as ``(x, feet_y, height)`` in normalised units.
    """

    place: str
    horizon: float
    camera_k: float
    labels: np.ndarray
    background: np.ndarray
    light: np.ndarray
    layout: str = "open"
    posts: tuple[tuple[float, float, float], ...] = ()

    @property
    def size(self) -> tuple[int, int]:
        return self.labels.shape  # type: ignore[return-value]


_poly = fill_poly


def _rect(img: np.ndarray, x0: float, y0: float, x1: float, y1: float, value: int) -> None:
    _poly(img, np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]]), value)


def _mountains(lab: np.ndarray, label: int, hz: float, k: float, rng: np.random.Generator) -> None:
    """Two to four triangles standing on the horizon."""
    for _ in range(rng.integers(2, 5)):
        cx, w, h = rng.uniform(0, 1), rng.uniform(0.25, 0.6), rng.uniform(0.1, 0.25)
        _poly(lab, np.array([[cx - w / 2, hz], [cx, hz - h], [cx + w / 2, hz]]), label)


def _trees(lab: np.ndarray, label: int, hz: float, k: float, rng: np.random.Generator) -> None:
    """Four to nine narrow triangles on the horizon."""
    for _ in range(rng.integers(4, 10)):
        cx, w, h = rng.uniform(0, 1), rng.uniform(0.06, 0.14), rng.uniform(0.12, 0.3)
        _poly(lab, np.array([[cx - w / 2, hz + 0.01], [cx, hz - h], [cx + w / 2, hz + 0.01]]), label)


def _buildings(lab: np.ndarray, label: int, hz: float, k: float, rng: np.random.Generator) -> None:
    """A row of blocks of random widths and heights along the horizon."""
    x = rng.uniform(-0.1, 0.0)
    while x < 1.0:
        w, h = rng.uniform(0.1, 0.25), rng.uniform(0.12, 0.32)
        _rect(lab, x, hz - h, x + w * 0.95, hz + 0.005, label)
        x += w


def _windows(lab: np.ndarray, label: int, hz: float, k: float, rng: np.random.Generator) -> None:
    """One to three windows in the wall above the horizon."""
    for _ in range(rng.integers(1, 4)):
        cx, w = rng.uniform(0.1, 0.9), rng.uniform(0.1, 0.2)
        _rect(lab, cx - w / 2, hz - 0.3, cx + w / 2, hz - 0.08, label)


def _shelves(lab: np.ndarray, label: int, hz: float, k: float, rng: np.random.Generator) -> None:
    """Shelves standing on the floor line, with gaps between them."""
    x = rng.uniform(0.0, 0.1)
    while x < 0.95:
        w = rng.uniform(0.12, 0.22)
        _rect(lab, x, hz - 0.3, x + w, hz + 0.02, label)
        x += w + rng.uniform(0.05, 0.2)


def _band(lab: np.ndarray, label: int, hz: float, k: float, rng: np.random.Generator) -> None:
    """A strip just below the horizon (the sea at a beach)."""
    _rect(lab, 0, hz, 1, hz + (1 - hz) * rng.uniform(0.15, 0.35), label)


def _side(lab: np.ndarray, label: int, hz: float, k: float, rng: np.random.Generator) -> None:
    """A region on one side of the ground (a lake, a harbour basin)."""
    left = rng.random() < 0.5
    edge = rng.uniform(0.3, 0.5)
    xs = (0.0, edge, edge * 0.6) if left else (1.0, 1 - edge, 1 - edge * 0.6)
    _poly(lab, np.array([[xs[0], hz], [xs[1] * 0.9 + xs[0] * 0.1, hz], [xs[2], 1.0], [xs[0], 1.0]]), label)


def _blobs(lab: np.ndarray, label: int, hz: float, k: float, rng: np.random.Generator) -> None:
    """One to three ellipses on the ground, sized by the camera rule (rocks, ponds, tables)."""
    H, W = lab.shape
    for _ in range(rng.integers(1, 4)):
        cy = hz + (1 - hz) * rng.uniform(0.08, 0.92)
        r = min(0.4, k * (cy - hz) * rng.uniform(0.15, 0.35))
        cx = rng.uniform(0.05, 0.95)
        centre = (int(round((cx * W - 0.5) * 16)), int(round((cy * H - 0.5) * 16)))
        axes = (max(16, int(r * W * 1.4 * 16)), max(16, int(r * H * 0.6 * 16)))
        cv2.ellipse(lab, centre, axes, 0, 0, 360, int(label), -1, cv2.LINE_8, shift=4)


def _pool(lab: np.ndarray, label: int, hz: float, k: float, rng: np.random.Generator) -> None:
    """A rectangle in the floor (a swimming pool)."""
    x0, x1 = rng.uniform(0.05, 0.35), rng.uniform(0.65, 0.95)
    y0 = hz + (1 - hz) * rng.uniform(0.15, 0.3)
    _rect(lab, x0, y0, x1, y0 + (1 - hz) * rng.uniform(0.25, 0.5), label)


def _strip(lab: np.ndarray, label: int, hz: float, k: float, rng: np.random.Generator) -> None:
    """A path from the horizon to the bottom edge, wider nearer the camera."""
    c = rng.uniform(0.3, 0.7)
    _poly(lab, np.array([[c - 0.02, hz], [c + 0.02, hz], [c + 0.25, 1.0], [c - 0.25, 1.0]]), label)


def _desks(lab: np.ndarray, label: int, hz: float, k: float, rng: np.random.Generator) -> None:
    """One or two rows of desks on the floor, sized by the camera rule."""
    for row in range(rng.integers(1, 3)):
        cy = hz + (1 - hz) * (0.2 + 0.4 * row + rng.uniform(0, 0.1))
        n = rng.integers(1, 4)
        for cx in rng.uniform(0.05, 0.95, size=n):
            w, h = k * (cy - hz) * 0.8, k * (cy - hz) * 0.45
            _rect(lab, cx - w / 2, cy - h, cx + w / 2, cy, label)


#: How each kind of layout feature is drawn on the label map (normalised geometry).
FEATURES = {
    "mountains": _mountains, "trees": _trees, "buildings": _buildings, "windows": _windows, "shelves": _shelves,
    "band": _band, "side": _side, "blobs": _blobs, "rect": _pool, "strip": _strip, "desks": _desks,
}


#: Draws of camera and layout before a scene gives up; the sides in pixels of the maps that check for room.
_LAYOUT_TRIES, _PROBE_SIZES = 16, (48, 96)


def _draw_labels(spec: PlaceSpec, geometry: Geometry, hz: float, k: float, size: int,
                 rng: np.random.Generator) -> tuple[np.ndarray, str, list[tuple]]:
    """The label map of a scene: ground, the place's features, a layout of the geometry's, posts."""
    lab = np.full((size, size), LABEL_ID["wall" if spec.indoor else "sky"], np.uint8)
    _rect(lab, 0, hz, 1, 1.01, LABEL_ID[spec.ground])
    if spec.indoor:
        _rect(lab, 0, -0.01, 1, hz * 0.18, LABEL_ID["ceiling"])
    for kind, label in spec.features:
        FEATURES[kind](lab, LABEL_ID[label], hz, k, rng)
    layouts = geometry.layouts
    layout = layouts[int(rng.integers(len(layouts)))] if len(layouts) > 1 else layouts[0]
    draw_layout(lab, layout, hz, k, LABEL_ID[spec.ground], LABEL_ID[spec.obstacle], rng)
    lo, hi = geometry.posts
    posts = draw_posts(lab, int(rng.integers(lo, hi + 1)) if hi > lo else lo, hz, k, LABEL_ID["post"], rng)
    return lab, layout, posts


def has_room(labels: np.ndarray, hz: float, k: float, area: float = 0.01) -> bool:
    """Whether a person of :data:`PERSON_HEIGHTS` can stand in a scene: walkable feet where the
    camera rule gives such a height and the box stays on the canvas, over at least ``area`` of it."""
    H, W = labels.shape
    ys, xs = (np.arange(H) + 0.5) / H, (np.arange(W) + 0.5) / W
    h = k * (ys - hz)
    rows = (h >= PERSON_HEIGHTS[0] * 1.1) & (h <= PERSON_HEIGHTS[1] * 0.9) & (h * 1.1 <= ys)  # people's own +-8%
    half = (h * ASPECT / 2)[rows, None]
    fits = (xs[None] - half >= 0) & (xs[None] + half <= 1) & WALKABLE[labels[rows]]
    return float(fits.sum()) / (H * W) >= area


def render_scene(place: str, size: int, rng: np.random.Generator, noise_rng: np.random.Generator | None = None,
                 geometry: Geometry = WORLD_GEOMETRY) -> Scene:
    """Render an empty scene of a place category.

    Args:
        place: one of :data:`PLACES`.
        size: canvas side in pixels (square canvases).
        rng: geometry stream; the same state gives the same layout at any ``size``.
        noise_rng: pixel-noise stream (defaults to a stream derived from ``rng``).
        geometry: the ranges of the camera, the layouts and the posts (the book's world by default).

    Returns:
        A :class:`Scene` with ``(size, size)`` labels and background.
    """
    if place not in PLACE_SPECS:
        raise ValueError(f"unknown place {place!r}; choose from {', '.join(PLACES)}")
    if size < 16:
        raise ValueError(f"size must be at least 16 px, got {size}")
    spec = PLACE_SPECS[place]
    for _ in range(_LAYOUT_TRIES):  # draw again a camera and layout that leave a person nowhere to stand
        start = rng.bit_generator.state
        room = []
        for probe in _PROBE_SIZES:
            rng.bit_generator.state = start
            hz, camera_k = draw_camera(geometry, spec.horizon, rng)
            room.append(has_room(_draw_labels(spec, geometry, hz, camera_k, probe, rng)[0], hz, camera_k))
        if all(room):
            break
    else:
        raise RuntimeError(f"no {place!r} scene of this geometry left room for a person in {_LAYOUT_TRIES} draws")
    rng.bit_generator.state = start
    hz, camera_k = draw_camera(geometry, spec.horizon, rng)
    lab, layout, posts = _draw_labels(spec, geometry, hz, camera_k, size, rng)
    # colour: per-label base colour, per-scene jitter, vertical shading, light tint, grain
    colours = np.array([spec.colours.get(n, _BASE_COLOURS[n]) for n in LABELS], np.float32) / 255.0
    colours = np.clip(colours * rng.uniform(0.9, 1.1, size=(len(LABELS), 1)), 0, 1)
    light = np.array(spec.light, np.float32) * np.float32(rng.uniform(0.92, 1.08))
    nrng = noise_rng if noise_rng is not None else np.random.default_rng(rng.integers(2**63))
    ys = (np.arange(size, dtype=np.float32) + 0.5) / size
    shade = (1.0 - 0.15 * np.abs(ys - hz))[:, None, None]
    bg = colours[lab] * shade * light
    bg += nrng.normal(0.0, 0.025, size=bg.shape).astype(np.float32)
    return Scene(place, hz, camera_k, lab, np.clip(bg, 0, 1).astype(np.float32), light, layout, tuple(posts))


