"""The synthetic world: the embedded default data of the book (design.md, "synthetic world").

The paper builds its dataset from *Celebrity in Places* photos (Section 3), which cannot be
downloaded here. This module renders a small procedural world instead, whose rules are
known, so every claim of the book can be checked against ground truth:

* 16 place categories (the paper's dataset also has 16 places), 10 outdoor and 6 indoor,
  each with a layout (horizon, ground material, far objects, obstacles), a palette and a
  light tint.
* A fixed semantic label set (:data:`LABELS`, colours in :data:`PALETTE`); the renderer
  emits the label map, so the scene-parsing map S is exact. Some labels are walkable.
* People are articulated figures with skin, hair and one of six outfits; outfits fit some
  places and not others (:data:`COMPATIBLE`); the scene's light tints the person.
* Placement follows a camera-height rule: a standing person whose feet are at height
  ``y`` below the horizon ``y_h`` is ``camera_k * (y - y_h)`` tall (fraction of the canvas).
* An oracle (:func:`is_plausible`, :func:`compatible`) answers whether a placement is
  physically plausible and whether an outfit fits a place.

All geometry is drawn in normalised coordinates from a geometry random stream, and pixel
noise from a separate stream, so a scene is the same picture at 64 px and 256 px.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from .compose import Placement, paste, placement_box

# ----------------------------------------------------------------------------- labels
#: The semantic label set; the index of a name is its label id in a parsing map.
LABELS: tuple[str, ...] = (
    "sky", "water", "sand", "grass", "snow", "road", "floor", "wall",
    "building", "tree", "furniture", "mountain", "rock", "ceiling", "window", "path",
)
L = {name: i for i, name in enumerate(LABELS)}
#: Colour of each label in a rendered parsing map (ADE20K-like, one row per label).
PALETTE = np.array(
    [
        [6, 230, 230], [61, 230, 250], [160, 150, 20], [4, 250, 7], [255, 255, 255],
        [140, 140, 140], [80, 50, 50], [120, 120, 120], [180, 120, 120], [4, 200, 3],
        [204, 5, 255], [143, 255, 140], [255, 184, 6], [120, 120, 80], [230, 230, 230],
        [255, 31, 0],
    ],
    dtype=np.uint8,
)
#: Labels a person can stand on.
WALKABLE_LABELS = frozenset({"sand", "grass", "snow", "road", "floor", "path"})
WALKABLE = np.array([name in WALKABLE_LABELS for name in LABELS])

# ----------------------------------------------------------------------------- outfits
OUTFITS: tuple[str, ...] = ("swimwear", "winter_coat", "suit", "sportswear", "casual", "hiking")
#: Which places each outfit fits (the content-consistency rule of the world).
COMPATIBLE: dict[str, frozenset[str]] = {
    "swimwear": frozenset({"beach", "swimming_pool", "lakeside"}),
    "winter_coat": frozenset({"snowfield", "mountain", "street", "harbour"}),
    "suit": frozenset({"office", "classroom", "library", "restaurant", "street"}),
    "sportswear": frozenset({"gym", "stadium", "park"}),
    "casual": frozenset({"park", "street", "restaurant", "classroom", "library", "harbour", "lakeside", "stadium"}),
    "hiking": frozenset({"mountain", "forest", "desert", "snowfield", "lakeside"}),
}

#: Width / height of every person sprite (arms included); the oracle uses it for boxes.
ASPECT = 0.45
#: Oracle tolerance on the person's height relative to the camera-height rule.
HEIGHT_TOLERANCE = 0.25
#: Oracle tolerance on how far the person's box may leave the canvas (normalised units).
CANVAS_MARGIN = 0.02


# ----------------------------------------------------------------------------- places
@dataclass(frozen=True)
class PlaceSpec:
    """Layout rules of one place category.

    ``features`` are drawn in order on the label map; each is ``(kind, label)`` with kinds
    ``mountains``, ``trees``, ``buildings``, ``windows``, ``shelves`` (standing on the
    horizon), ``band`` (a strip just below the horizon), ``side`` (a region on one side of
    the ground), ``blobs`` (obstacles on the ground), ``rect`` (a pool), ``strip`` (a path
    across the ground) and ``desks`` (rows of furniture).
    """

    name: str
    indoor: bool
    ground: str
    horizon: tuple[float, float]
    features: tuple[tuple[str, str], ...]
    light: tuple[float, float, float]
    colours: dict[str, tuple[int, int, int]] = field(default_factory=dict)


_OUT = dict(indoor=False)
_IN = dict(indoor=True)
PLACE_SPECS: dict[str, PlaceSpec] = {
    p.name: p
    for p in [
        PlaceSpec("beach", ground="sand", horizon=(0.35, 0.45), features=(("band", "water"),),
                  light=(1.08, 1.0, 0.88), colours={"sand": (222, 200, 150), "water": (40, 120, 190)}, **_OUT),
        PlaceSpec("desert", ground="sand", horizon=(0.4, 0.5), features=(("mountains", "mountain"), ("blobs", "rock")),
                  light=(1.12, 0.98, 0.8), colours={"sand": (214, 160, 90), "mountain": (170, 110, 70)}, **_OUT),
        PlaceSpec("snowfield", ground="snow", horizon=(0.38, 0.5), features=(("mountains", "mountain"), ("blobs", "rock")),
                  light=(0.88, 0.95, 1.12), colours={"mountain": (150, 160, 185)}, **_OUT),
        PlaceSpec("forest", ground="grass", horizon=(0.42, 0.52), features=(("trees", "tree"), ("strip", "path"), ("blobs", "tree")),
                  light=(0.9, 1.05, 0.9), colours={"grass": (60, 110, 45), "tree": (30, 80, 30)}, **_OUT),
        PlaceSpec("park", ground="grass", horizon=(0.4, 0.5), features=(("trees", "tree"), ("blobs", "water"), ("strip", "path")),
                  light=(1.0, 1.03, 0.95), colours={"grass": (100, 170, 70)}, **_OUT),
        PlaceSpec("street", ground="road", horizon=(0.4, 0.52), features=(("buildings", "building"), ("strip", "path")),
                  light=(1.0, 1.0, 1.0), colours={"road": (90, 90, 95), "path": (170, 165, 160)}, **_OUT),
        PlaceSpec("mountain", ground="path", horizon=(0.3, 0.42), features=(("mountains", "mountain"), ("blobs", "rock")),
                  light=(0.95, 0.98, 1.05), colours={"path": (140, 120, 95), "mountain": (100, 110, 120)}, **_OUT),
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
                  light=(0.95, 1.02, 1.08), colours={"floor": (200, 210, 215), "wall": (190, 210, 220), "water": (60, 170, 220)}, **_IN),
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
    """

    place: str
    horizon: float
    camera_k: float
    labels: np.ndarray
    background: np.ndarray
    light: np.ndarray

    @property
    def size(self) -> tuple[int, int]:
        return self.labels.shape  # type: ignore[return-value]


def _poly(img: np.ndarray, pts: np.ndarray, value: int) -> None:
    H, W = img.shape[:2]
    p = np.round((pts * np.array([W, H]) - 0.5) * 16).astype(np.int32)  # pixel centres, 4 fractional bits
    cv2.fillPoly(img, [p], int(value), cv2.LINE_8, shift=4)


def _rect(img: np.ndarray, x0: float, y0: float, x1: float, y1: float, value: int) -> None:
    _poly(img, np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]]), value)


def _draw_feature(lab: np.ndarray, kind: str, label: int, hz: float, rng: np.random.Generator) -> None:
    """Draw one layout feature of a place on the label map ``lab`` (normalised geometry)."""
    if kind == "mountains":
        n = rng.integers(2, 5)
        for _ in range(n):
            cx, w, h = rng.uniform(0, 1), rng.uniform(0.25, 0.6), rng.uniform(0.1, 0.25)
            _poly(lab, np.array([[cx - w / 2, hz], [cx, hz - h], [cx + w / 2, hz]]), label)
    elif kind == "trees":
        for _ in range(rng.integers(4, 10)):
            cx, w, h = rng.uniform(0, 1), rng.uniform(0.06, 0.14), rng.uniform(0.12, 0.3)
            _poly(lab, np.array([[cx - w / 2, hz + 0.01], [cx, hz - h], [cx + w / 2, hz + 0.01]]), label)
    elif kind == "buildings":
        x = rng.uniform(-0.1, 0.0)
        while x < 1.0:
            w, h = rng.uniform(0.1, 0.25), rng.uniform(0.12, 0.32)
            _rect(lab, x, hz - h, x + w * 0.95, hz + 0.005, label)
            x += w
    elif kind == "windows":
        for _ in range(rng.integers(1, 4)):
            cx, w = rng.uniform(0.1, 0.9), rng.uniform(0.1, 0.2)
            _rect(lab, cx - w / 2, hz - 0.3, cx + w / 2, hz - 0.08, label)
    elif kind == "shelves":
        x = rng.uniform(0.0, 0.1)
        while x < 0.95:
            w = rng.uniform(0.12, 0.22)
            _rect(lab, x, hz - 0.3, x + w, hz + 0.02, label)
            x += w + rng.uniform(0.05, 0.2)
    elif kind == "band":
        _rect(lab, 0, hz, 1, hz + rng.uniform(0.08, 0.18), label)
    elif kind == "side":
        left = rng.random() < 0.5
        edge = rng.uniform(0.3, 0.5)
        xs = (0.0, edge, edge * 0.6) if left else (1.0, 1 - edge, 1 - edge * 0.6)
        _poly(lab, np.array([[xs[0], hz], [xs[1] * 0.9 + xs[0] * 0.1, hz], [xs[2], 1.0], [xs[0], 1.0]]), label)
    elif kind == "blobs":
        H, W = lab.shape
        for _ in range(rng.integers(1, 4)):
            cy = rng.uniform(hz + 0.05, 0.95)
            r = (cy - hz) * rng.uniform(0.15, 0.35)
            cx = rng.uniform(0.05, 0.95)
            centre = (int(round((cx * W - 0.5) * 16)), int(round((cy * H - 0.5) * 16)))
            axes = (max(16, int(r * W * 1.4 * 16)), max(16, int(r * H * 0.6 * 16)))
            cv2.ellipse(lab, centre, axes, 0, 0, 360, int(label), -1, cv2.LINE_8, shift=4)
    elif kind == "rect":
        x0, x1 = rng.uniform(0.05, 0.35), rng.uniform(0.65, 0.95)
        y0 = hz + rng.uniform(0.08, 0.15)
        _rect(lab, x0, y0, x1, y0 + rng.uniform(0.15, 0.3), label)
    elif kind == "strip":
        c = rng.uniform(0.3, 0.7)
        _poly(lab, np.array([[c - 0.02, hz], [c + 0.02, hz], [c + 0.25, 1.0], [c - 0.25, 1.0]]), label)
    elif kind == "desks":
        for row in range(rng.integers(1, 3)):
            cy = hz + 0.1 + 0.2 * row + rng.uniform(0, 0.05)
            n = rng.integers(1, 4)
            for cx in rng.uniform(0.05, 0.95, size=n):
                w, h = (cy - hz) * 0.8, (cy - hz) * 0.45
                _rect(lab, cx - w / 2, cy - h, cx + w / 2, cy, label)
    else:  # pragma: no cover - specs are fixed above
        raise ValueError(f"unknown feature kind {kind!r}")


def render_scene(place: str, size: int, rng: np.random.Generator, noise_rng: np.random.Generator | None = None) -> Scene:
    """Render an empty scene of a place category.

    Args:
        place: one of :data:`PLACES`.
        size: canvas side in pixels (square canvases).
        rng: geometry stream; the same state gives the same layout at any ``size``.
        noise_rng: pixel-noise stream (defaults to a stream derived from ``rng``).

    Returns:
        A :class:`Scene` with ``(size, size)`` labels and background.
    """
    if place not in PLACE_SPECS:
        raise ValueError(f"unknown place {place!r}; choose from {', '.join(PLACES)}")
    if size < 16:
        raise ValueError(f"size must be at least 16 px, got {size}")
    spec = PLACE_SPECS[place]
    hz = float(rng.uniform(*spec.horizon))
    camera_k = float(rng.uniform(0.95, 1.15))
    lab = np.full((size, size), L["wall" if spec.indoor else "sky"], np.uint8)
    _rect(lab, 0, hz, 1, 1.01, L[spec.ground])
    if spec.indoor:
        _rect(lab, 0, -0.01, 1, hz * 0.18, L["ceiling"])
    for kind, label in spec.features:
        _draw_feature(lab, kind, L[label], hz, rng)
    # colour: per-label base colour, per-scene jitter, vertical shading, light tint, grain
    colours = np.array([spec.colours.get(n, _BASE_COLOURS[n]) for n in LABELS], np.float32) / 255.0
    colours = np.clip(colours * rng.uniform(0.9, 1.1, size=(len(LABELS), 1)), 0, 1)
    light = np.array(spec.light, np.float32) * np.float32(rng.uniform(0.92, 1.08))
    nrng = noise_rng if noise_rng is not None else np.random.default_rng(rng.integers(2**63))
    ys = (np.arange(size, dtype=np.float32) + 0.5) / size
    shade = (1.0 - 0.15 * np.abs(ys - hz))[:, None, None]
    bg = colours[lab] * shade * light
    bg += nrng.normal(0.0, 0.025, size=bg.shape).astype(np.float32)
    return Scene(place, hz, camera_k, lab, np.clip(bg, 0, 1).astype(np.float32), light)


def parse_colours(labels: np.ndarray) -> np.ndarray:
    """Colour a ``(H, W)`` label map with :data:`PALETTE`: ``(H, W, 3)`` uint8."""
    return PALETTE[labels]


# ----------------------------------------------------------------------------- people
@dataclass(frozen=True)
class Person:
    """An articulated figure: outfit, colours (RGB in [0, 1]), pose and build."""

    outfit: str
    skin: tuple[float, float, float]
    hair: tuple[float, float, float]
    top: tuple[float, float, float]
    bottom: tuple[float, float, float]
    arm_angles: tuple[float, float]
    leg_spread: float
    height_factor: float


_SKINS = [(0.96, 0.8, 0.69), (0.87, 0.67, 0.5), (0.65, 0.45, 0.3), (0.42, 0.28, 0.18)]
_HAIRS = [(0.1, 0.07, 0.05), (0.35, 0.2, 0.1), (0.8, 0.65, 0.3), (0.5, 0.5, 0.5)]
_OUTFIT_COLOURS = {
    "swimwear": ([(0.9, 0.1, 0.2), (0.1, 0.3, 0.8), (1.0, 0.6, 0.0)], None),
    "winter_coat": ([(0.15, 0.15, 0.2), (0.5, 0.1, 0.1), (0.2, 0.3, 0.25)], [(0.1, 0.1, 0.12)]),
    "suit": ([(0.08, 0.1, 0.2), (0.2, 0.2, 0.22)], None),
    "sportswear": ([(0.95, 0.9, 0.1), (0.1, 0.8, 0.9), (0.9, 0.2, 0.6)], [(0.1, 0.1, 0.1), (0.95, 0.95, 0.95)]),
    "casual": ([(0.8, 0.3, 0.3), (0.3, 0.6, 0.3), (0.9, 0.9, 0.85), (0.5, 0.4, 0.7)], [(0.2, 0.3, 0.55)]),
    "hiking": ([(0.85, 0.45, 0.1), (0.3, 0.4, 0.2), (0.6, 0.1, 0.1)], [(0.55, 0.5, 0.35)]),
}


def sample_person(rng: np.random.Generator, outfit: str | None = None, place: str | None = None) -> Person:
    """Draw a random person; with ``place`` given, the outfit is drawn among compatible ones."""
    if outfit is None:
        options = [o for o in OUTFITS if place is None or place in COMPATIBLE[o]]
        outfit = options[rng.integers(len(options))]
    if outfit not in OUTFITS:
        raise ValueError(f"unknown outfit {outfit!r}; choose from {', '.join(OUTFITS)}")
    tops, bottoms = _OUTFIT_COLOURS[outfit]
    top = tops[rng.integers(len(tops))]
    bottom = top if bottoms is None else bottoms[rng.integers(len(bottoms))]
    return Person(
        outfit=outfit,
        skin=_SKINS[rng.integers(len(_SKINS))],
        hair=_HAIRS[rng.integers(len(_HAIRS))],
        top=top,
        bottom=bottom,
        arm_angles=(float(rng.uniform(5, 35)), float(rng.uniform(5, 35))),
        leg_spread=float(rng.uniform(0.02, 0.08)),
        height_factor=float(rng.uniform(0.92, 1.08)),
    )


def draw_person(person: Person, height_px: int) -> np.ndarray:
    """Draw a person as a tight RGBA sprite ``(height_px, round(ASPECT * height_px), 4)``.

    Colours are straight (not premultiplied) floats in [0, 1]; edges are anti-aliased.
    The figure's feet touch the bottom row and its head the top row.
    """
    if height_px < 8:
        raise ValueError(f"height_px must be at least 8, got {height_px}")
    h = int(height_px)
    w = max(3, int(round(ASPECT * h)))
    col = np.zeros((h, w, 3), np.float32)
    alpha = np.zeros((h, w), np.float32)
    cx = 0.5
    aa = cv2.LINE_AA

    def px(x: float, y: float) -> tuple[int, int]:
        return int(round(x * w * 16)), int(round(y * h * 16))  # 4 fractional bits

    def thick(t: float) -> int:
        return max(1, int(round(t * h)))

    def line(p0, p1, t, c):
        cv2.line(col, px(*p0), px(*p1), c, thick(t), aa, shift=4)
        cv2.line(alpha, px(*p0), px(*p1), 1.0, thick(t), aa, shift=4)

    def poly(pts, c):
        p = np.array([px(*q) for q in pts], np.int32)
        cv2.fillPoly(col, [p], c, aa, shift=4)
        cv2.fillPoly(alpha, [p], 1.0, aa, shift=4)

    def ellipse(x, y, rx, ry, c):
        cv2.ellipse(col, px(x, y), (int(rx * w * 16), int(ry * h * 16)), 0, 0, 360, c, -1, aa, shift=4)
        cv2.ellipse(alpha, px(x, y), (int(rx * w * 16), int(ry * h * 16)), 0, 0, 360, 1.0, -1, aa, shift=4)

    o, skin, top, bottom = person.outfit, person.skin, person.top, person.bottom
    s = person.leg_spread / ASPECT
    hip, shoulder = 0.5, 0.19
    leg_col = skin if o in ("swimwear", "sportswear") else bottom
    for side in (-1, 1):  # legs and shoes
        foot_x = cx + side * (0.12 + s)
        line((cx + side * 0.08, hip), (foot_x, 0.96), 0.075, leg_col)
        shoe = (0.1, 0.08, 0.07) if o != "sportswear" else (0.95, 0.95, 0.95)
        if o == "swimwear":
            shoe = skin
        line((foot_x - 0.04 * side, 0.975), (foot_x + 0.06 * side, 0.975), 0.045, shoe)
    if o == "swimwear":
        poly([(cx - 0.17, hip - 0.03), (cx + 0.17, hip - 0.03), (cx + 0.19, hip + 0.07), (cx - 0.19, hip + 0.07)], top)
        poly([(cx - 0.2, shoulder), (cx + 0.2, shoulder), (cx + 0.17, hip - 0.03), (cx - 0.17, hip - 0.03)], skin)
    elif o == "sportswear":
        poly([(cx - 0.19, hip - 0.02), (cx + 0.19, hip - 0.02), (cx + 0.24, hip + 0.14), (cx - 0.24, hip + 0.14)], bottom)
        poly([(cx - 0.22, shoulder), (cx + 0.22, shoulder), (cx + 0.19, hip), (cx - 0.19, hip)], top)
    elif o == "winter_coat":
        poly([(cx - 0.24, shoulder), (cx + 0.24, shoulder), (cx + 0.3, 0.76), (cx - 0.3, 0.76)], top)
    else:
        poly([(cx - 0.22, shoulder), (cx + 0.22, shoulder), (cx + 0.2, hip + 0.02), (cx - 0.2, hip + 0.02)], top)
    if o == "suit":  # shirt and tie
        poly([(cx - 0.05, shoulder), (cx + 0.05, shoulder), (cx, shoulder + 0.12)], (0.95, 0.95, 0.95))
        line((cx, shoulder + 0.02), (cx, shoulder + 0.14), 0.02, (0.7, 0.1, 0.1))
    if o == "hiking":  # backpack straps
        line((cx - 0.12, shoulder), (cx - 0.12, hip - 0.05), 0.02, (0.2, 0.15, 0.1))
        line((cx + 0.12, shoulder), (cx + 0.12, hip - 0.05), 0.02, (0.2, 0.15, 0.1))
    long_sleeves = o in ("winter_coat", "suit", "hiking")
    for side, ang in zip((-1, 1), person.arm_angles):
        a = np.deg2rad(ang)
        sx, sy = cx + side * 0.22, shoulder + 0.02
        ex = sx + side * np.sin(a) * 0.32 / ASPECT * 0.45
        ey = sy + np.cos(a) * 0.3
        ex = float(np.clip(ex, 0.05, 0.95))
        if long_sleeves:
            line((sx, sy), (ex, ey), 0.06, top)
        else:
            mx, my = (sx + ex) / 2, (sy + ey) / 2
            line((sx, sy), (mx, my), 0.065, top if o != "swimwear" else skin)
            line((mx, my), (ex, ey), 0.05, skin)
        ellipse(ex, ey + 0.01, 0.05, 0.02, skin)
    line((cx, 0.12), (cx, shoulder + 0.01), 0.05, skin)  # neck
    if o == "winter_coat":
        line((cx - 0.12, shoulder), (cx + 0.12, shoulder), 0.04, (0.8, 0.1, 0.1))  # scarf
    ellipse(cx, 0.075, 0.15, 0.07, skin)  # head
    if o == "winter_coat":
        ellipse(cx, 0.03, 0.16, 0.035, (0.8, 0.8, 0.85))  # beanie
    elif o == "hiking":
        ellipse(cx, 0.025, 0.17, 0.028, (0.3, 0.35, 0.2))  # cap
    else:
        ellipse(cx, 0.028, 0.15, 0.032, person.hair)
    alpha = np.clip(alpha, 0.0, 1.0)
    rgb = np.where(alpha[..., None] > 1e-3, col / np.maximum(alpha[..., None], 1e-3), 0.0)
    return np.concatenate([np.clip(rgb, 0, 1), alpha[..., None]], axis=2).astype(np.float32)


def light_sprite(sprite: np.ndarray, light: np.ndarray) -> np.ndarray:
    """Tint a straight-alpha sprite by a scene's light (RGB multiply, clipped to [0, 1])."""
    out = sprite.copy()
    out[..., :3] = np.clip(sprite[..., :3] * np.asarray(light, np.float32), 0, 1)
    return out


# ----------------------------------------------------------------------------- oracle
def perspective_height(scene: Scene, y: np.ndarray | float) -> np.ndarray | float:
    """Height (fraction of canvas) of a standing person with feet at ``y``: ``camera_k (y - y_h)``."""
    return scene.camera_k * (np.asarray(y, np.float64) - scene.horizon)


def plausible_mask(
    scene: Scene, x: np.ndarray, y: np.ndarray, scale: np.ndarray, aspect: float = ASPECT
) -> np.ndarray:
    """Vectorised oracle: which placements ``(x, y, scale)`` are physically plausible.

    A placement is plausible when all three hold:

    1. the anchor (feet) lies below the horizon, on a walkable label;
    2. ``|scale / perspective_height(y) - 1| <= HEIGHT_TOLERANCE`` (0.25, which covers the
       people's own height spread of +-8%);
    3. the person's box leaves the canvas by at most ``CANVAS_MARGIN`` (0.02) on any side.
    """
    x, y, scale = np.broadcast_arrays(*(np.asarray(v, np.float64) for v in (x, y, scale)))
    H, W = scene.labels.shape
    col = np.clip((x * W).astype(np.int64), 0, W - 1)
    row = np.clip((y * H - 0.5).astype(np.int64), 0, H - 1)
    on_ground = WALKABLE[scene.labels[row, col]] & (y > scene.horizon) & (y <= 1 + CANVAS_MARGIN) & (x >= 0) & (x <= 1)
    ph = perspective_height(scene, y)
    with np.errstate(divide="ignore", invalid="ignore"):
        height_ok = (ph > 0) & (np.abs(scale / np.where(ph > 0, ph, 1) - 1) <= HEIGHT_TOLERANCE)
    half_w = scale * aspect * H / W / 2
    inside = (x - half_w >= -CANVAS_MARGIN) & (x + half_w <= 1 + CANVAS_MARGIN) & (y - scale >= -CANVAS_MARGIN)
    return on_ground & height_ok & inside


def implausible_reasons(scene: Scene, placement: Placement, aspect: float = ASPECT) -> list[str]:
    """Which of the oracle's rules a placement breaks (an empty list: plausible), in words."""
    x, y, s = placement.as_tuple()
    H, W = scene.labels.shape
    reasons = []
    label = LABELS[scene.labels[min(H - 1, max(0, int(y * H - 0.5))), min(W - 1, max(0, int(x * W)))]]
    if y <= scene.horizon:
        reasons.append("feet above the horizon")
    elif label not in WALKABLE_LABELS:
        reasons.append(f"feet on {label}, not walkable")
    ph = float(perspective_height(scene, y))
    if ph > 0 and abs(s / ph - 1) > HEIGHT_TOLERANCE:
        reasons.append(f"{'too tall' if s > ph else 'too small'} for where the feet are ({s / ph:.2f} x the camera rule)")
    half = s * aspect * H / W / 2
    if x - half < -CANVAS_MARGIN or x + half > 1 + CANVAS_MARGIN or y - s < -CANVAS_MARGIN or y > 1 + CANVAS_MARGIN:
        reasons.append("leaves the canvas")
    return reasons


def is_plausible(scene: Scene, placement: Placement) -> bool:
    """The placement oracle for one placement (see :func:`plausible_mask` for the rules)."""
    return bool(plausible_mask(scene, placement.x, placement.y, placement.scale))


def compatible(outfit: str, place: str) -> bool:
    """The content oracle: does this outfit fit this place (:data:`COMPATIBLE`)?"""
    if outfit not in COMPATIBLE:
        raise ValueError(f"unknown outfit {outfit!r}")
    if place not in PLACE_SPECS:
        raise ValueError(f"unknown place {place!r}")
    return place in COMPATIBLE[outfit]


def sample_placement(
    scene: Scene, rng: np.random.Generator, height_factor: float = 1.0, min_scale: float = 0.25, tries: int = 200
) -> Placement:
    """Draw a plausible placement: feet on walkable ground, height by the camera rule.

    Person heights are drawn between ``min_scale`` and 0.8 of the canvas (the paper's
    photos show people large in frame). Raises ``RuntimeError`` if no placement is found.
    """
    lo = scene.horizon + min_scale / scene.camera_k
    if lo >= 0.99:
        raise RuntimeError(f"horizon {scene.horizon:.2f} leaves no room for a person of scale >= {min_scale}")
    for _ in range(tries):
        y = float(rng.uniform(lo, 0.99))
        scale = float(perspective_height(scene, y)) * height_factor
        if scale > 0.8:
            continue
        half = scale * ASPECT / 2
        x = float(rng.uniform(half, 1 - half))
        if plausible_mask(scene, x, y, scale):
            return Placement(x, y, scale)
    raise RuntimeError(f"no plausible placement found in {tries} tries for place {scene.place!r}")


def shadow_map(scene: Scene, placement: Placement, strength: float = 0.45) -> np.ndarray:
    """A soft contact shadow under the feet: ``(H, W, 1)`` multiplicative factor in (0, 1]."""
    H, W = scene.labels.shape
    ys, xs = np.mgrid[0:H, 0:W].astype(np.float32)
    ys, xs = (ys + 0.5) / H, (xs + 0.5) / W
    rx = placement.scale * ASPECT * 0.6
    ry = placement.scale * 0.05
    d = ((xs - placement.x) / rx) ** 2 + ((ys - placement.y + ry * 0.3) / ry) ** 2
    return (1.0 - strength * np.exp(-d))[..., None].astype(np.float32)


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


def make_world_sample(
    seed: int, index: int, size: int, place: str | None = None, shadow: bool = True
) -> WorldSample:
    """Render source ``index`` of the world with ``seed``: deterministic, resolution independent.

    Places cycle through :data:`PLACES` by ``index`` unless ``place`` is given; the outfit
    is drawn among those compatible with the place.
    """
    rng = np.random.default_rng([seed, index, 0])
    noise = np.random.default_rng([seed, index, 1, size])
    place = PLACES[index % len(PLACES)] if place is None else place
    scene = render_scene(place, size, rng, noise)
    person = sample_person(rng, place=place)
    placement = sample_placement(scene, rng, person.height_factor)
    sprite = light_sprite(draw_person(person, sprite_height_px(size)), scene.light)
    bg = scene.background * shadow_map(scene, placement) if shadow else scene.background
    image = paste(bg, sprite, placement)
    return WorldSample(scene, person, sprite, placement, image.astype(np.float32))


__all__ = [
    "ASPECT", "CANVAS_MARGIN", "COMPATIBLE", "HEIGHT_TOLERANCE", "LABELS", "OUTFITS", "PALETTE",
    "PLACES", "PLACE_SPECS", "Person", "PlaceSpec", "Scene", "WALKABLE", "WorldSample", "compatible",
    "draw_person", "implausible_reasons", "is_plausible", "light_sprite", "make_world_sample", "parse_colours",
    "perspective_height", "plausible_mask", "render_scene", "sample_person",
    "sample_placement", "shadow_map", "sprite_height_px",
]
