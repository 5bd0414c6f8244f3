"""The sources of a dataset on disk: one world photo split into F_i, B_i and S_i (Section 3).

For each source ``i`` a build stores, once, under ``sources/NNNNNN/``:

* ``image.png``  the photo (a person standing in a scene), RGB;
* ``person.png`` the person's tight sprite, RGBA (straight alpha);
* ``fg.png``     the foreground F_i: the sprite on an empty full canvas, RGBA;
* ``bg.png``     the background B_i, RGB: the scene rendered without the person
  (``background_mode="clean"``) or the photo with the person cut out and the hole
  inpainted (``"inpaint"``, as the paper's pipeline does);
* ``parse.png``  the parsing map S_i of B_i, one label id per pixel (8-bit gray);
* ``meta.json``  place, outfit, placement and the SHA-256 and size of every file; written
  last, so its presence marks a finished source and a killed build resumes after it.

Shown in chapter 1.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..compose import render_foreground, unpremultiply
from ..files import atomic_write_json, read_image, read_json, write_png
from ..inpaint import inpaint_background
from ..world import WORLD_LABELS, WORLD_VERSION, make_world_sample
from .sampling import BuildConfig

__all__ = ["PHOTO_SOURCE", "SOURCE_FILES", "dataset_kind", "SourceImages", "read_source", "source_dir", "write_source"]

SOURCE_FILES: tuple[str, ...] = ("image.png", "person.png", "fg.png", "bg.png", "parse.png")
#: ``build.json``'s ``source`` in a dataset folder made from photos (a synthetic one has none).
PHOTO_SOURCE = "photos"


def dataset_kind(root: str | os.PathLike) -> str | None:
    """What a dataset folder holds: ``"photos"`` (``build-dataset --photos``), ``"world"`` (a synthetic
    build, or sources of unknown making) or ``None`` (new, or no dataset in it).

    A photo build records ``"source": "photos"`` in ``build.json``; older ones wrote none, and are
    known by their ``photos/`` work folder beside ``report.json``.
    """
    root = Path(root)
    try:
        have = read_json(root / "build.json")
    except FileNotFoundError:
        have = None
    except ValueError:
        have = "unreadable"
    if isinstance(have, dict):
        return PHOTO_SOURCE if have.get("source") == PHOTO_SOURCE else "world"
    if (root / "photos").is_dir() and (root / "report.json").is_file():
        return PHOTO_SOURCE
    if have is not None or (root / "manifest.json").exists() or source_dir(root, 0).exists():
        return "world"
    return None


def source_dir(root: str | os.PathLike, index: int) -> Path:
    """The folder of source ``index`` in a dataset."""
    return Path(root) / "sources" / f"{index:06d}"


def write_source(root: str | os.PathLike, index: int, cfg: BuildConfig) -> dict[str, Any]:
    """Render source ``index`` of the world and write its files; ``meta.json`` last."""
    ws = make_world_sample(cfg.seed, index, cfg.size, shadow=cfg.shadow)
    fg = render_foreground(ws.sprite, ws.placement, ws.scene.labels.shape)
    bg = ws.scene.background if cfg.background_mode == "clean" else inpaint_background(ws.image, fg[..., 3])
    d = source_dir(root, index)
    arrays = {"image.png": ws.image, "person.png": ws.sprite, "fg.png": unpremultiply(fg), "bg.png": bg,
              "parse.png": ws.scene.labels}
    hashes = {name: write_png(d / name, arr) for name, arr in arrays.items()}
    meta = {
        "bytes": {name: (d / name).stat().st_size for name in arrays},
        "index": index,
        "place": ws.scene.place,
        "outfit": ws.person.outfit,
        "placement": list(ws.placement.as_tuple()),
        "box": [float(v) for v in ws.box],
        "horizon": ws.scene.horizon,
        "camera_k": ws.scene.camera_k,
        "layout": ws.scene.layout,
        "world": WORLD_VERSION,
        "sha256": hashes,
    }
    atomic_write_json(d / "meta.json", meta)
    return meta


def write_source_job(args: tuple[str, int, dict[str, Any]]) -> dict[str, Any]:
    """:func:`write_source` for a worker process: ``(root, index, asdict(cfg))``."""
    root, index, cfg = args
    return write_source(root, index, BuildConfig(**cfg))


@dataclass
class SourceImages:
    """The images of one source that training reads (uint8): sprite ``(h, w, 4)``,
    background ``(H, W, 3)``, parsing labels ``(H, W)``."""

    sprite: np.ndarray
    background: np.ndarray
    labels: np.ndarray


def read_source(root: str | os.PathLike, index: int, size: int, hashes: dict[str, str] | None = None,
                n_labels: int = len(WORLD_LABELS)) -> SourceImages:
    """Read and validate the files of one source that training needs.

    With ``hashes`` (a source's ``sha256`` record in the manifest) every file must match its
    hash: a background swapped for another valid image is refused, not trained on.
    """
    d = source_dir(root, index)
    h = hashes or {}
    labels = read_image(d / "parse.png", "L", (size, size), h.get("parse.png"))
    if int(labels.max()) >= n_labels:
        raise ValueError(f"{d / 'parse.png'}: label id {int(labels.max())} outside the {n_labels} labels")
    return SourceImages(
        sprite=read_image(d / "person.png", "RGBA", sha256=h.get("person.png")),
        background=read_image(d / "bg.png", "RGB", (size, size), h.get("bg.png")),
        labels=labels,
    )
