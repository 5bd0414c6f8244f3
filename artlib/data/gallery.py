"""The gallery folder: the backgrounds that background selection (Section 4.1) ranks.

**Gallery folder format** (``artlib export-gallery`` writes one): for each background
``NAME.png`` (8-bit RGB) and ``NAME.labels.png`` (8-bit grayscale, one label id per pixel,
the same size), optionally ``full/NAME.png``, the same square at a higher resolution (a gallery
made from photos keeps it, up to :data:`FULL_SIDE` pixels, and ``artlib retouch`` renders the
final composite there), and ``labels.json`` with the label names (``{"labels": [...], "palette":
[[r, g, b], ...]}``). The label set is data of the gallery: its names must be the verifier's.
The book's label set is :data:`artlib.world.LABELS` (ids 0-15: sky, water, sand, grass, snow,
road, floor, wall, building, tree, furniture, mountain, rock, ceiling, window, path).
A gallery made from photos also has ``cameras.json``: per background the camera rule read from
the people it shows (:meth:`artlib.cues.CameraRule.as_dict`, rows of the square background),
which ``artlib retouch`` uses to keep a person at the height of the people around them.

:func:`write_world_gallery` renders one from the synthetic world (``artlib export-gallery``);
:func:`artlib.data.photo_sources.photo_gallery` parses one from background photos. The index
that encodes a gallery once for a verifier is :mod:`artlib.select`'s.

Shown in chapter 5.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from tqdm import tqdm

from ..cues import CameraRule
from ..files import ImageFileError, atomic_write_json, read_image, read_json, sha256_file, shown, write_png
from ..labels import LabelSet
from ..outputs import OutputFolder
from ..world import WORLD_LABELS

__all__ = ["CAMERAS", "FULL_SIDE", "GALLERY_ALSO", "Gallery", "LABEL_SUFFIX", "adopt_gallery", "read_gallery", "write_background",
           "write_gallery", "write_world_gallery"]

#: The suffix of a background's label map: ``NAME.labels.png`` beside ``NAME.png``.
LABEL_SUFFIX = ".labels.png"
#: The file of a photo gallery's camera rules.
CAMERAS = "cameras.json"
#: The largest side of a background's full-resolution copy (``full/NAME.png``).
FULL_SIDE = 1024
#: What other commands add to a gallery folder: ``artlib retouch``'s cached index (:mod:`artlib.select`).
GALLERY_ALSO = (".index-*.pt",)


@dataclass
class Gallery:
    """A gallery folder, read and validated: names, backgrounds ``(N, H, W, 3)`` uint8, labels
    ``(N, H, W)`` uint8, and per background the path of its full-resolution copy or None."""

    root: Path
    names: list[str]
    backgrounds: np.ndarray
    labels: np.ndarray
    hashes: list[str]
    full: list[Path | None] = field(default_factory=list)
    cameras: dict[str, CameraRule] = field(default_factory=dict)

    def full_resolution(self, i: int) -> np.ndarray | None:
        """Background ``i`` at full resolution ``(S, S, 3)`` uint8, or None when the gallery has no copy."""
        if not self.full or self.full[i] is None:
            return None
        return read_image(self.full[i], "RGB")

    def __len__(self) -> int:
        return len(self.names)


def write_background(out: OutputFolder, name: str, background: np.ndarray, labels: np.ndarray,
                     full: np.ndarray | None = None) -> None:
    """Write one background of a gallery (format in the module docstring) into a claimed folder,
    each file atomically and journalled, so a gallery is streamed to disk one background at a time.

    ``background`` ``(H, W, 3)`` uint8, ``labels`` its ``(H, W)`` label map, ``full`` the square
    full-resolution copy (no larger than :data:`FULL_SIDE`), if any.
    """
    out.write_png(f"{name}.png", background)
    out.write_png(f"{name}{LABEL_SUFFIX}", np.asarray(labels, np.uint8))
    if full is not None:
        out.write_png(f"full/{name}.png", full)


def write_gallery(root: str | os.PathLike, names: list[str], backgrounds: list[np.ndarray], labels: list[np.ndarray],
                  label_set: LabelSet = WORLD_LABELS, full: list[np.ndarray] | None = None) -> None:
    """Write a gallery folder from arrays in memory (format in the module docstring); each file
    atomically. A library helper for small galleries; the commands stream theirs with
    :func:`write_background` into a claimed folder."""
    root = Path(root)
    for k, (name, bg, lab) in enumerate(zip(names, backgrounds, labels, strict=True)):
        write_png(root / f"{name}.png", bg)
        write_png(root / f"{name}{LABEL_SUFFIX}", np.asarray(lab, np.uint8))
        if full is not None:
            write_png(root / "full" / f"{name}.png", full[k])
    atomic_write_json(root / "labels.json", label_set.to_dict())


def adopt_gallery(root: Path) -> list[str] | None:
    """The entries of a gallery an artlib older than the folder rule wrote (:mod:`artlib.outputs`),
    or ``None`` when ``root`` holds anything else: only backgrounds with their label maps,
    ``labels.json``, ``report.json``, ``full/``, ``cutouts/`` and index caches, and at least one
    background with its label map."""
    names = [p.name for p in root.iterdir()]
    pairs = [n for n in names if n.endswith(".png") and not n.endswith(LABEL_SUFFIX)
             and n[:-4] + LABEL_SUFFIX in names]
    allowed = lambda n: (n.endswith(".png") or n in ("labels.json", "report.json", CAMERAS, "full", "cutouts",  # noqa: E731
                                                      ".artlib.lock")
                         or n.startswith(".index-"))
    if not pairs or "labels.json" not in names or not all(allowed(n) for n in names):
        return None
    return sorted(n for n in names if not n.startswith(".index-") and n != ".artlib.lock")


def read_gallery(root: str | os.PathLike, labels: LabelSet = WORLD_LABELS, progress: bool = False) -> Gallery:
    """Read and validate a gallery folder whose label set must be ``labels`` (the verifier's).

    Raises:
        FileNotFoundError: no such folder, no ``labels.json``, a background without its label map.
        ValueError: bad ``labels.json``, a label set other than ``labels``, an empty gallery, an
            unreadable image, sizes that differ, label ids outside the label set.
    """
    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(f"{shown(root)}: no such gallery folder")
    meta_path = root / "labels.json"
    if not meta_path.is_file():
        raise FileNotFoundError(f"{meta_path}: missing; a gallery names its label set there (see artlib.data.gallery)")
    meta = read_json(meta_path)
    if not isinstance(meta, dict) or not isinstance(meta.get("labels"), list):
        raise ValueError(f"{meta_path}: expected {{\"labels\": [names...], ...}}")
    if tuple(meta["labels"]) != labels.names:
        raise ValueError(f"{meta_path}: the gallery's label set {meta['labels']} is not the verifier's {list(labels.names)}")
    images = sorted(p for p in root.glob("*.png") if not p.name.endswith(LABEL_SUFFIX))
    if not images:
        raise ValueError(f"{root}: no backgrounds (NAME.png with NAME.labels.png) in the gallery")
    names, bgs, labs, hashes, full = [], [], [], [], []
    for p in tqdm(images, desc="gallery", disable=not progress, mininterval=2):
        lab_path = p.with_name(p.stem + LABEL_SUFFIX)
        if not lab_path.is_file():
            raise FileNotFoundError(f"{lab_path}: missing label map of background {p.name}")
        bg = read_image(p, "RGB")
        lab = read_image(lab_path, "L", bg.shape[:2])
        if int(lab.max()) >= len(labels):
            raise ValueError(f"{lab_path}: label id {int(lab.max())} outside the {len(labels)} labels of labels.json")
        if bgs and bg.shape != bgs[0].shape:
            raise ImageFileError(f"{p}: size {bg.shape[:2]} differs from the gallery's {bgs[0].shape[:2]} ({images[0].name})")
        names.append(p.stem)
        bgs.append(bg)
        labs.append(lab)
        full.append(_full_copy(root / "full" / p.name, bg.shape[:2]))
        # the full-resolution copy is where the composite is rendered: a change to it is a change to the gallery
        hashes.append(sha256_file(p) + sha256_file(lab_path) + (sha256_file(full[-1]) if full[-1] is not None else ""))
    return Gallery(root, names, np.stack(bgs), np.stack(labs), hashes, full, _cameras(root / CAMERAS, names))


def _cameras(path: Path, names: list[str]) -> dict[str, CameraRule]:
    """The gallery's camera rules (none without the file), each naming a background of the gallery."""
    if not path.is_file():
        return {}
    data = read_json(path)
    if not isinstance(data, dict) or not set(data) <= set(names):
        raise ValueError(f"{path}: expected {{background name: camera rule}} for backgrounds of the gallery")
    try:
        return {name: CameraRule.from_dict(d) for name, d in data.items()}
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{path}: {exc}") from None


def _full_copy(path: Path, scoring_hw: tuple[int, int]) -> Path | None:
    """The checked path of a background's full-resolution copy (its header only), or None."""
    from PIL import Image

    if not path.is_file():
        return None
    try:
        with Image.open(path) as im:
            w, h = im.size
    except OSError as exc:
        raise ImageFileError(f"{path}: not a readable image: {exc}") from exc
    if w != h or h < scoring_hw[0] or max(w, h) > FULL_SIDE:
        raise ImageFileError(f"{path}: a full-resolution copy must be square, at least {scoring_hw[0]} and at most "
                             f"{FULL_SIDE} pixels on a side; got {w} x {h}")
    return path




def write_world_gallery(out: OutputFolder, n: int, seed: int, size: int, cutouts: int = 0,
                        progress: bool = False) -> list[str]:
    """A gallery of ``n`` empty world scenes (seed ``seed``, ``size`` px), and ``cutouts`` full-frame
    cut-outs of people from other scenes (seed ``seed + 1``) under ``cutouts/``, where they stood.

    Written into the claimed folder ``out`` one background at a time (memory stays that of one
    scene). Resumable: a background whose files the folder's journal records as finished, and
    which still hash to that record, is kept; the rest are rendered again.

    Returns the gallery's names (``NNNNN_PLACE``).
    """
    from ..compose import render_foreground, unpremultiply
    from .. import world

    names = []
    for i in tqdm(range(n), desc="backgrounds", disable=not progress, mininterval=2):
        place = world.source_place(i)
        name = f"{i:05d}_{place}"
        names.append(name)
        if out.verified(f"{name}.png") and out.verified(f"{name}{LABEL_SUFFIX}"):
            continue
        scene = world.world_scene(seed, i, size)  # the empty scene only: no person rendered
        write_background(out, name, scene.background, scene.labels)
    out.write_json("labels.json", WORLD_LABELS.to_dict())
    for k in range(cutouts):
        ws = world.make_world_sample(seed + 1, k, size)
        pre = render_foreground(ws.sprite, ws.placement, ws.scene.labels.shape)
        out.write_png(f"cutouts/{k:02d}_{ws.person.outfit}_from_{ws.scene.place}.png", unpremultiply(pre))
    return names
