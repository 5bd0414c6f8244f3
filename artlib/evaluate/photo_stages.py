"""Measuring the real-photo stages where the truth is known, and the photos that ship with packages.

Real photos have no ground truth for the person's alpha or the background's labels, so the
truth is manufactured (chapter 6): people of the synthetic world, drawn at the photo's
resolution, are pasted onto real background photos at known places, so their box and alpha
are exact (:func:`paste_trials`); the parser is compared with the world's exact labels on world
scenes (:func:`parser_agreement`). The photos come from installed packages (scikit-image,
scikit-learn, Matplotlib), never from the network (:func:`sample_photos`).
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .. import world
from ..compose import Placement, as_float_image, box_iou, box_width, paste, placement_box, render_foreground
from ..files import read_photo
from ..photos import detect, fill, parse, refine, segment

__all__ = ["PHOTO_FILES", "Trial", "detection_recall", "leak_on_photos", "matte_quality", "parser_agreement",
           "paste_trials", "sample_photos", "verifier_on_trials"]


def _package_file(module: str, *parts: str) -> Path:
    import importlib

    return Path(importlib.import_module(module).__file__).parent.joinpath(*parts)


#: Photos bundled inside installed packages: name -> (package module, path inside it).
PHOTO_FILES = {
    "astronaut": ("skimage", "data", "astronaut.png"),
    "cameraman": ("skimage", "data", "camera.png"),
    "grace_hopper": ("matplotlib", "mpl-data", "sample_data", "grace_hopper.jpg"),
    "coffee": ("skimage", "data", "coffee.png"),
    "chelsea": ("skimage", "data", "chelsea.png"),
    "rocket": ("skimage", "data", "rocket.jpg"),
    "china": ("sklearn.datasets", "images", "china.jpg"),
    "motorcycle": ("skimage", "data", "motorcycle_left.png"),
}


def sample_photos(names: tuple[str, ...] | None = None) -> dict[str, tuple[np.ndarray, str, Path]]:
    """The bundled photos as ``{name: (RGB uint8, original mode, path)}`` (read from disk, nothing fetched)."""
    out = {}
    for name in names or tuple(PHOTO_FILES):
        module, *parts = PHOTO_FILES[name]
        path = _package_file(module, *parts)
        rgb, mode = read_photo(path)
        out[name] = (rgb, mode, path)
    return out


@dataclass
class Trial:
    """A world person pasted onto a real photo: the image, the exact alpha and box (pixels), the background."""

    name: str
    image: np.ndarray
    alpha: np.ndarray
    box: np.ndarray
    background: np.ndarray


def paste_trials(backgrounds: dict[str, np.ndarray], per_background: int, seed: int = 0, height: float = 0.55,
                 max_side: int = 512) -> list[Trial]:
    """World people pasted onto each real background at known places (feet near the bottom, heights about ``height``)."""
    import cv2

    rng = np.random.default_rng([seed, 41])
    trials = []
    for name, bg in backgrounds.items():
        H, W = bg.shape[:2]
        f = min(1.0, max_side / max(H, W))
        bg = cv2.resize(bg, (round(W * f), round(H * f)), interpolation=cv2.INTER_AREA) if f < 1 else bg
        H, W = bg.shape[:2]
        for k in range(per_background):
            person = world.sample_person(rng)
            scale = float(height * rng.uniform(0.8, 1.2))
            sprite = world.draw_person(person, max(16, int(round(scale * H))))
            half = box_width(scale, world.ASPECT, (H, W)) / 2
            p = Placement(float(rng.uniform(half + 0.02, 1 - half - 0.02)), float(rng.uniform(0.85, 0.97)), scale)
            image = np.clip(np.round(paste(bg, sprite, p) * 255), 0, 255).astype(np.uint8)
            alpha = render_foreground(sprite, p, (H, W))[..., 3]
            trials.append(Trial(f"{name}-{k}", image, alpha, placement_box(sprite.shape[:2], p, (H, W)) * [W, H, W, H], bg))
    return trials


def detection_recall(trials: list[Trial], backend: str = "ssd", iou: float = 0.5) -> pd.Series:
    """Share of trials whose best detection overlaps the true box by ``iou`` or more, mean IoU and seconds."""
    hits, ious, secs = [], [], []
    for t in trials:
        t0 = time.perf_counter()
        found = detect(t.image, backend)
        secs.append(time.perf_counter() - t0)
        best = max((float(box_iou(np.array(d.box), t.box)) for d in found), default=0.0)
        ious.append(best)
        hits.append(best >= iou)
    return pd.Series({"recall": float(np.mean(hits)), "mean best IoU": float(np.mean(ious)),
                      "seconds per photo": float(np.mean(secs))}, name=backend)


def matte_quality(trials: list[Trial], backend: str = "guided", segmenter: str = "pose") -> pd.Series:
    """Alpha IoU (at 0.5) and SAD (sum of absolute alpha differences, in thousands) given the true
    box, for a segmenter and a matting backend; a trial where no person is found scores IoU 0."""
    ious, sads, secs = [], [], []
    for t in trials:
        t0 = time.perf_counter()
        try:
            mask, _ = segment(t.image, t.box, segmenter)
        except ValueError as exc:  # nothing found in the box: an empty matte
            if "found no person" not in str(exc):
                raise
            a = np.zeros_like(t.alpha)
        else:
            a = refine(t.image, mask, t.box, backend)
        secs.append(time.perf_counter() - t0)
        inter, union = ((a > 0.5) & (t.alpha > 0.5)).sum(), ((a > 0.5) | (t.alpha > 0.5)).sum()
        ious.append(inter / max(union, 1))
        sads.append(np.abs(a - t.alpha).sum() / 1000)
    return pd.Series({"alpha IoU": float(np.mean(ious)), "alpha IoU (worst)": float(np.min(ious)),
                      "SAD / 1000": float(np.mean(sads)), "seconds per photo": float(np.mean(secs))},
                     name=f"{segmenter} + {backend}")


def leak_on_photos(trials: list[Trial], backend: str = "telea", hit_iou: float = 0.3) -> pd.Series:
    """Chapter 1's leak on real photos: does the filled background betray the person's box?

    The hole detector (:func:`artlib.inpaint.locate_hole`) guesses a box from the filled
    background and from the real background without anyone pasted; a hit overlaps the
    person's box by ``hit_iou``.
    """
    from ..inpaint import locate_hole

    filled_hits, clean_hits = [], []
    for t in trials:
        H, W = t.alpha.shape
        norm = t.box / [W, H, W, H]
        for bg, hits in ((fill(t.image, t.alpha, backend), filled_hits), (as_float_image(t.background, 3, "background"), clean_hits)):
            guess = locate_hole(bg)
            hits.append(guess is not None and float(box_iou(guess, norm)) >= hit_iou)
    return pd.Series({"found in filled backgrounds": float(np.mean(filled_hits)),
                      "found in the real backgrounds (false alarms)": float(np.mean(clean_hits))}, name=backend)


#: Coarse groups of labels for comparing a parser with the world's exact labels.
GROUPS = {"sky": ("sky", "ceiling"), "water": ("water",), "vegetation": ("grass", "tree"),
          "ground": ("sand", "snow", "road", "floor", "path"), "structure": ("wall", "building", "window", "furniture",
                                                                            "mountain", "rock", "post")}


def parser_agreement(n_scenes: int, size: int = 256, seed: int = 5) -> pd.Series:
    """The classical parser against the world's exact labels on world scenes, per pixel.

    ``label agreement``: the same label; ``group agreement``: the same coarse group of
    :data:`GROUPS`; ``walkable agreement``: both say walkable or both say not (what the
    placement oracle needs).
    """
    group_of = np.zeros(len(world.LABELS), np.int64)
    for g, (_, names) in enumerate(GROUPS.items()):
        for n in names:
            group_of[world.LABELS.index(n)] = g
    same, group, walk = [], [], []
    for i in range(n_scenes):
        scene = world.render_scene(world.PLACES[i % len(world.PLACES)], size, np.random.default_rng([seed, i]))
        got = parse(np.clip(np.round(scene.background * 255), 0, 255).astype(np.uint8))
        same.append(np.mean(got == scene.labels))
        group.append(np.mean(group_of[got] == group_of[scene.labels]))
        walk.append(np.mean(world.WALKABLE[got] == world.WALKABLE[scene.labels]))
    return pd.Series({"label agreement": float(np.mean(same)), "group agreement": float(np.mean(group)),
                      "walkable agreement": float(np.mean(walk))}, name="classical parser")


def verifier_on_trials(verifier, trials: list[Trial], parser="classical") -> pd.DataFrame:
    """The spatial head on real photos: each pasted person where pasted and raised into the top third.

    The background is resized to the verifier's input size and parsed by ``parser``; one row
    per trial with the spatial score ``as pasted`` and ``moved up`` (feet at a third of the
    height, no taller than 0.3 of it).
    """
    import cv2

    from ..adjust import PlacementScorer

    size = verifier.config.image_size
    rows = []
    for t in trials:
        bg = cv2.resize(t.background, (size, size), interpolation=cv2.INTER_AREA)
        lab = cv2.resize(parse(t.background, parser), (size, size), interpolation=cv2.INTER_NEAREST).astype(np.int64)
        H, W = t.alpha.shape
        ys, xs = np.nonzero(t.alpha > 0.05)
        rgba = np.concatenate([as_float_image(t.image, 3, "photo"), t.alpha[..., None]], 2)
        sprite = rgba[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]
        x, y, s = (xs.min() + xs.max() + 1) / 2 / W, (ys.max() + 1) / H, (ys.max() + 1 - ys.min()) / H
        good, bad = PlacementScorer(verifier, sprite, bg, lab).spatial(np.array([[x, y, s], [x, min(1 / 3, y), min(s, 0.3)]]))
        rows.append({"trial": t.name, "as pasted": float(good), "moved up": float(bad)})
    return pd.DataFrame(rows).set_index("trial")
