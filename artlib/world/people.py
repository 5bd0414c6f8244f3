"""The world's people: six outfits, the places each fits, and the articulated figure drawn as a sprite.

Shown in chapter 1.
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

__all__ = ["ASPECT", "COMPATIBLE", "OUTFITS", "Person", "draw_person", "light_sprite", "sample_person"]

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


class _Canvas:
    """Anti-aliased drawing in sprite fractions ``(x, y)`` in [0, 1], on colour and alpha at once."""

    def __init__(self, h: int, w: int):
        self.h, self.w = h, w
        self.col = np.zeros((h, w, 3), np.float32)
        self.alpha = np.zeros((h, w), np.float32)

    def _px(self, x: float, y: float) -> tuple[int, int]:
        return int(round(x * self.w * 16)), int(round(y * self.h * 16))  # 4 fractional bits

    def line(self, p0, p1, t: float, c) -> None:
        thick = max(1, int(round(t * self.h)))
        for img, value in ((self.col, c), (self.alpha, 1.0)):
            cv2.line(img, self._px(*p0), self._px(*p1), value, thick, cv2.LINE_AA, shift=4)

    def poly(self, pts, c) -> None:
        p = np.array([self._px(*q) for q in pts], np.int32)
        for img, value in ((self.col, c), (self.alpha, 1.0)):
            cv2.fillPoly(img, [p], value, cv2.LINE_AA, shift=4)

    def ellipse(self, x: float, y: float, rx: float, ry: float, c) -> None:
        axes = (int(rx * self.w * 16), int(ry * self.h * 16))
        for img, value in ((self.col, c), (self.alpha, 1.0)):
            cv2.ellipse(img, self._px(x, y), axes, 0, 0, 360, value, -1, cv2.LINE_AA, shift=4)

    def rgba(self) -> np.ndarray:
        """Straight RGBA ``(h, w, 4)`` float32 (colour divided by coverage)."""
        alpha = np.clip(self.alpha, 0.0, 1.0)
        rgb = np.where(alpha[..., None] > 1e-3, self.col / np.maximum(alpha[..., None], 1e-3), 0.0)
        return np.concatenate([np.clip(rgb, 0, 1), alpha[..., None]], axis=2).astype(np.float32)


_CX, _HIP, _SHOULDER = 0.5, 0.5, 0.19


def _legs(c: _Canvas, p: Person) -> None:
    """Legs and shoes (bare legs and feet for swimwear)."""
    s = p.leg_spread / ASPECT
    leg_col = p.skin if p.outfit in ("swimwear", "sportswear") else p.bottom
    for side in (-1, 1):
        foot_x = _CX + side * (0.12 + s)
        c.line((_CX + side * 0.08, _HIP), (foot_x, 0.96), 0.075, leg_col)
        shoe = (0.1, 0.08, 0.07) if p.outfit != "sportswear" else (0.95, 0.95, 0.95)
        if p.outfit == "swimwear":
            shoe = p.skin
        c.line((foot_x - 0.04 * side, 0.975), (foot_x + 0.06 * side, 0.975), 0.045, shoe)


def _torso(c: _Canvas, p: Person) -> None:
    """The body of the outfit, then a shirt and tie (suit) or backpack straps (hiking)."""
    o, cx, hip, sh = p.outfit, _CX, _HIP, _SHOULDER
    if o == "swimwear":
        c.poly([(cx - 0.17, hip - 0.03), (cx + 0.17, hip - 0.03), (cx + 0.19, hip + 0.07), (cx - 0.19, hip + 0.07)], p.top)
        c.poly([(cx - 0.2, sh), (cx + 0.2, sh), (cx + 0.17, hip - 0.03), (cx - 0.17, hip - 0.03)], p.skin)
    elif o == "sportswear":
        c.poly([(cx - 0.19, hip - 0.02), (cx + 0.19, hip - 0.02), (cx + 0.24, hip + 0.14), (cx - 0.24, hip + 0.14)], p.bottom)
        c.poly([(cx - 0.22, sh), (cx + 0.22, sh), (cx + 0.19, hip), (cx - 0.19, hip)], p.top)
    elif o == "winter_coat":
        c.poly([(cx - 0.24, sh), (cx + 0.24, sh), (cx + 0.3, 0.76), (cx - 0.3, 0.76)], p.top)
    else:
        c.poly([(cx - 0.22, sh), (cx + 0.22, sh), (cx + 0.2, hip + 0.02), (cx - 0.2, hip + 0.02)], p.top)
    if o == "suit":  # shirt and tie
        c.poly([(cx - 0.05, sh), (cx + 0.05, sh), (cx, sh + 0.12)], (0.95, 0.95, 0.95))
        c.line((cx, sh + 0.02), (cx, sh + 0.14), 0.02, (0.7, 0.1, 0.1))
    if o == "hiking":  # backpack straps
        c.line((cx - 0.12, sh), (cx - 0.12, hip - 0.05), 0.02, (0.2, 0.15, 0.1))
        c.line((cx + 0.12, sh), (cx + 0.12, hip - 0.05), 0.02, (0.2, 0.15, 0.1))


def _arms(c: _Canvas, p: Person) -> None:
    """Both arms at the person's angles: long sleeves, or short sleeves and bare forearms; hands."""
    long_sleeves = p.outfit in ("winter_coat", "suit", "hiking")
    for side, ang in zip((-1, 1), p.arm_angles):
        a = np.deg2rad(ang)
        sx, sy = _CX + side * 0.22, _SHOULDER + 0.02
        ex = float(np.clip(sx + side * np.sin(a) * 0.32 / ASPECT * 0.45, 0.05, 0.95))
        ey = sy + np.cos(a) * 0.3
        if long_sleeves:
            c.line((sx, sy), (ex, ey), 0.06, p.top)
        else:
            mx, my = (sx + ex) / 2, (sy + ey) / 2
            c.line((sx, sy), (mx, my), 0.065, p.top if p.outfit != "swimwear" else p.skin)
            c.line((mx, my), (ex, ey), 0.05, p.skin)
        c.ellipse(ex, ey + 0.01, 0.05, 0.02, p.skin)


def _head(c: _Canvas, p: Person) -> None:
    """Neck, scarf (winter coat), head, and a beanie, a cap or hair."""
    c.line((_CX, 0.12), (_CX, _SHOULDER + 0.01), 0.05, p.skin)
    if p.outfit == "winter_coat":
        c.line((_CX - 0.12, _SHOULDER), (_CX + 0.12, _SHOULDER), 0.04, (0.8, 0.1, 0.1))
    c.ellipse(_CX, 0.075, 0.15, 0.07, p.skin)
    if p.outfit == "winter_coat":
        c.ellipse(_CX, 0.03, 0.16, 0.035, (0.8, 0.8, 0.85))
    elif p.outfit == "hiking":
        c.ellipse(_CX, 0.025, 0.17, 0.028, (0.3, 0.35, 0.2))
    else:
        c.ellipse(_CX, 0.028, 0.15, 0.032, p.hair)


def draw_person(person: Person, height_px: int) -> np.ndarray:
    """Draw a person as a tight RGBA sprite ``(height_px, round(ASPECT * height_px), 4)``.

    Colours are straight (not premultiplied) floats in [0, 1]; edges are anti-aliased.
    The figure's feet touch the bottom row and its head the top row. Parts are drawn back to
    front: legs, torso, arms, head.
    """
    if height_px < 8:
        raise ValueError(f"height_px must be at least 8, got {height_px}")
    h = int(height_px)
    canvas = _Canvas(h, max(3, int(round(ASPECT * h))))
    for part in (_legs, _torso, _arms, _head):
        part(canvas, person)
    return canvas.rgba()


def light_sprite(sprite: np.ndarray, light: np.ndarray) -> np.ndarray:
    """Tint a straight-alpha sprite by a scene's light (RGB multiply, clipped to [0, 1])."""
    out = sprite.copy()
    out[..., :3] = np.clip(sprite[..., :3] * np.asarray(light, np.float32), 0, 1)
    return out

