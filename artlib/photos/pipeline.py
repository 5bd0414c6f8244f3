"""Section 3's dataset construction on one real photo: detect, cut out, fill, parse.

:func:`cutout` runs the four stages on one photo (the first two only, for ``artlib cutout``). Turning a folder of photos into ART sources
or a gallery is the data layer's (:mod:`artlib.data.photo_sources`).

Photos are read with :func:`artlib.files.read_photo` (grayscale, palette and CMYK photos are
converted to RGB, and the report says so) and reduced to ``max_side`` pixels on the longer side.
Each stage's backend is chosen by name (:class:`PhotoConfig`); each backend's docstring states
its known failure modes.

Shown in chapter 6; on the command line ``artlib cutout``.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import cv2
import numpy as np

from ..compose import Placement, alpha_extent, as_float_image
from ..config import check_types
from .detect import DETECTORS, Detection, detect, rank_people
from .fill import FILLS, fill
from .matte import MATTES, refine
from .parse import PARSERS, ModelParser, parse
from .segment import SEGMENTERS, segment

__all__ = ["MIN_PERSON_HEIGHT", "MIN_PHOTO_SIDE", "NoPersonError", "PHOTO_SUFFIXES", "PhotoConfig", "PhotoCutout", "cutout", "full_frame_rgba",
           "reduce_photo", "sprite_of", "square_crop"]

PHOTO_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp")
#: The shortest side a photo may have after reduction to ``max_side`` (a person needs room).
MIN_PHOTO_SIDE = 32
#: The fewest rows a person may have in the reduced photo: a smaller one is no cut-out.
MIN_PERSON_HEIGHT = 16


class NoPersonError(ValueError):
    """The detector found no person in the photo."""


@dataclass(frozen=True)
class PhotoConfig:
    """The backend of each stage, and the working size of the photos."""

    detector: str = "ssd"
    segmenter: str = "pose"
    matte: str = "guided"
    fill: str = "telea"
    parser: str = "classical"
    max_side: int = 512
    dilate: float = 0.02  # the hole: the alpha dilated by this fraction of the longer side

    def __post_init__(self) -> None:
        check_types(self)
        for name, options in (("detector", DETECTORS), ("segmenter", SEGMENTERS), ("matte", MATTES), ("fill", FILLS), ("parser", PARSERS)):
            if getattr(self, name) not in options:
                raise ValueError(f"{name} must be one of {sorted(options)}, got {getattr(self, name)!r}")
        if not 64 <= self.max_side <= 4096:
            raise ValueError(f"max_side must be in [64, 4096] pixels, got {self.max_side}")


@dataclass
class PhotoCutout:
    """One photo through the four stages.

    ``photo`` ``(H, W, 3)`` uint8; ``alpha`` ``(H, W)`` float; ``sprite`` the tight RGBA cut-out
    ``(h, w, 4)`` float; ``placement`` where the person stood; ``background`` ``(H, W, 3)`` float
    with the hole filled and ``labels`` ``(H, W)`` uint8 label ids of the background (both None
    when only the person was asked for); ``seconds`` per stage; ``mode`` the photo's original
    colour mode; ``people`` every person found, in :func:`~artlib.photos.detect.rank_people`'s
    order, ``detection`` the one cut out; ``route`` the segmenter's step that found the mask.
    """

    photo: np.ndarray
    detection: Detection
    alpha: np.ndarray
    sprite: np.ndarray
    placement: Placement
    background: np.ndarray | None
    labels: np.ndarray | None
    seconds: dict[str, float] = field(default_factory=dict)
    mode: str = "RGB"
    people: list[Detection] = field(default_factory=list)
    route: str = ""


def reduce_photo(photo: np.ndarray, max_side: int) -> np.ndarray:
    """``photo`` reduced (area resampling) so that its longer side is at most ``max_side`` pixels."""
    H, W = photo.shape[:2]
    f = max_side / max(H, W)
    return cv2.resize(photo, (round(W * f), round(H * f)), interpolation=cv2.INTER_AREA) if f < 1 else photo


def sprite_of(photo: np.ndarray, alpha: np.ndarray, threshold: float = 0.05) -> tuple[np.ndarray, Placement]:
    """The tight RGBA cut-out of an alpha matte, and the placement of its box (bottom centre, height)."""
    extent = alpha_extent(alpha, threshold)
    if extent is None:
        raise ValueError("the matte is empty: nothing was cut out")
    (rows, cols), placement = extent
    rgba = np.concatenate([as_float_image(photo, 3, "photo"), alpha[..., None]], 2)[rows, cols]
    return np.ascontiguousarray(rgba), placement


def _check_photo(photo: np.ndarray, max_side: int) -> np.ndarray:
    photo = np.asarray(photo)
    if photo.ndim != 3 or photo.shape[2] != 3 or photo.dtype != np.uint8:
        raise ValueError(f"the photo must be (H, W, 3) uint8 RGB, got shape {photo.shape} dtype {photo.dtype}")
    if min(photo.shape[:2]) * min(1.0, max_side / max(photo.shape[:2])) < MIN_PHOTO_SIDE:
        raise ValueError(f"a {photo.shape[1]} x {photo.shape[0]} photo is too thin: reduced to {max_side} px on "
                         f"its longer side, each side needs at least {MIN_PHOTO_SIDE} px to find a person in")
    return photo


def cutout(photo: np.ndarray, cfg: PhotoConfig | None = None, parser: ModelParser | None = None,
           mode: str = "RGB", person: int = 1, background: bool = True) -> PhotoCutout:
    """Detect the people, matte the ``person``-th, fill the hole, parse the background.

    Args:
        photo: ``(H, W, 3)`` uint8 RGB (reduced to ``cfg.max_side`` first).
        cfg: the backends (:class:`PhotoConfig`).
        parser: the user's own segmentation model, instead of ``cfg.parser``.
        mode: the photo's original colour mode, for the record.
        person: which person, 1 the first of :func:`~artlib.photos.detect.rank_people`'s order
            (the largest).
        background: False to stop after the cut-out (no fill, no parse: ``artlib cutout``).

    Raises:
        NoPersonError: the detector found nobody, or fewer people than ``person``.
        ValueError: a stage failed (the message says which).
    """
    cfg = cfg or PhotoConfig()
    if isinstance(person, bool) or not isinstance(person, int) or person < 1:
        raise ValueError(f"person must be a whole number from 1 (the largest person), got {person!r}")
    img = reduce_photo(_check_photo(photo, cfg.max_side), cfg.max_side)
    t = {"start": time.perf_counter()}
    people = rank_people(detect(img, cfg.detector))
    t["detect"] = time.perf_counter()
    if not people:
        raise NoPersonError(f"no person found by the {cfg.detector} detector")
    if person > len(people):
        raise NoPersonError(f"person {person} asked for, but the {cfg.detector} detector found {len(people)}")
    chosen = people[person - 1]
    if chosen.height < MIN_PERSON_HEIGHT:
        raise NoPersonError(f"person {person} is {chosen.height:.0f} px tall in the photo reduced to {cfg.max_side} px; "
                            f"a cut-out needs at least {MIN_PERSON_HEIGHT} (a larger --max-side, or a closer photo)")
    mask, route = segment(img, chosen.box, cfg.segmenter)
    alpha = refine(img, mask, chosen.box, cfg.matte)
    t["matte"] = time.perf_counter()
    sprite, placement = sprite_of(img, alpha)
    filled = labels = None
    if background:
        filled = fill(img, alpha, cfg.fill, cfg.dilate)
        t["fill"] = time.perf_counter()
        labels = parse(np.clip(np.round(filled * 255), 0, 255).astype(np.uint8), parser or cfg.parser)
        t["parse"] = time.perf_counter()
    stages = [k for k in ("start", "detect", "matte", "fill", "parse") if k in t]
    seconds = {b: t[b] - t[a] for a, b in zip(stages, stages[1:])}
    return PhotoCutout(img, chosen, alpha, sprite, placement, filled, labels, seconds, mode, people, route)


def full_frame_rgba(c: PhotoCutout) -> np.ndarray:
    """The person where they stood, transparent elsewhere: ``(H, W, 4)`` uint8, for ``artlib retouch``."""
    rgba = np.concatenate([c.photo, np.round(c.alpha[..., None] * 255).astype(np.uint8)], 2)
    rgba[c.alpha <= 1e-3, :3] = 0
    return rgba


def square_crop(c: PhotoCutout) -> tuple[int, int, int]:
    """``(x0, y0, side)`` of the largest square of the photo that keeps the person, centred on them."""
    H, W = c.alpha.shape
    side = min(H, W)
    cx, by = c.placement.x * W, c.placement.y * H
    x0 = int(np.clip(round(cx - side / 2), 0, W - side))
    y0 = int(np.clip(round(by - side), 0, H - side))
    return x0, y0, side
