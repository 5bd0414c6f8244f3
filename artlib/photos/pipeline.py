"""Section 3's dataset construction on real photos: detect, cut out, fill, parse.

:func:`cutout` runs the four stages on one photo; :func:`build_photo_sources` turns a folder of
photos into ART sources in the same on-disk format as the synthetic world's (``image.png``,
``person.png``, ``fg.png``, ``bg.png``, ``parse.png``, ``meta.json`` per source, and a
``manifest.json`` when there are enough photos for the three splits), resumably, listing every
photo that failed with the reason; :func:`photo_gallery` parses a folder of background photos
into a gallery folder for ``artlib retouch``.

Photos are read with :func:`artlib.files.read_photo` (grayscale, palette and CMYK photos are
converted to RGB, and the report says so) and reduced to ``max_side`` pixels on the longer side.
Each stage's backend is chosen by name (:class:`PhotoConfig`); each backend's docstring states
its known failure modes.
"""
from __future__ import annotations

import os
import shutil
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import cv2
import numpy as np
from tqdm import tqdm

from ..compose import Placement, alpha_extent, unpremultiply
from ..config import check_types
from ..files import atomic_write_json, check_outputs, folder_lock, read_json, read_photo, sha256_file, write_png
from .detect import DETECTORS, Detection, detect
from .fill import FILLS, fill
from .matte import MATTES, matte
from .parse import PARSERS, ModelParser, parse

__all__ = ["NoPersonError", "PhotoConfig", "PhotoCutout", "build_photo_sources", "cutout", "full_frame_rgba",
           "photo_gallery", "square_crop"]

PHOTO_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp")
#: ``build.json``'s ``source`` in a dataset folder made from photos (a synthetic one has none).
PHOTO_SOURCE = "photos"
#: The shortest side a photo may have after reduction to ``max_side`` (a person needs room).
MIN_PHOTO_SIDE = 32
#: The largest square side of a photo source, in pixels (the paper's is 256).
MAX_SOURCE_SIZE = 1024


class NoPersonError(ValueError):
    """The detector found no person in the photo."""


@dataclass(frozen=True)
class PhotoConfig:
    """The backend of each stage, and the working size of the photos."""

    detector: str = "hog"
    matte: str = "guided"
    fill: str = "telea"
    parser: str = "classical"
    max_side: int = 512
    dilate: float = 0.02  # the hole: the alpha dilated by this fraction of the longer side

    def __post_init__(self) -> None:
        check_types(self)
        for name, options in (("detector", DETECTORS), ("matte", MATTES), ("fill", FILLS), ("parser", PARSERS)):
            if getattr(self, name) not in options:
                raise ValueError(f"{name} must be one of {sorted(options)}, got {getattr(self, name)!r}")
        if not 64 <= self.max_side <= 4096:
            raise ValueError(f"max_side must be in [64, 4096] pixels, got {self.max_side}")


@dataclass
class PhotoCutout:
    """One photo through the four stages.

    ``photo`` ``(H, W, 3)`` uint8; ``alpha`` ``(H, W)`` float; ``sprite`` the tight RGBA cut-out
    ``(h, w, 4)`` float; ``placement`` where the person stood; ``background`` ``(H, W, 3)`` float
    with the hole filled; ``labels`` ``(H, W)`` uint8 label ids of the background; ``seconds``
    per stage; ``mode`` the photo's original colour mode.
    """

    photo: np.ndarray
    detection: Detection
    alpha: np.ndarray
    sprite: np.ndarray
    placement: Placement
    background: np.ndarray
    labels: np.ndarray
    seconds: dict[str, float] = field(default_factory=dict)
    mode: str = "RGB"


def _reduce(photo: np.ndarray, max_side: int) -> np.ndarray:
    H, W = photo.shape[:2]
    f = max_side / max(H, W)
    return cv2.resize(photo, (round(W * f), round(H * f)), interpolation=cv2.INTER_AREA) if f < 1 else photo


def _sprite(photo: np.ndarray, alpha: np.ndarray, threshold: float = 0.05) -> tuple[np.ndarray, Placement]:
    """The tight RGBA cut-out of an alpha matte, and the placement of its box (bottom centre, height)."""
    extent = alpha_extent(alpha, threshold)
    if extent is None:
        raise ValueError("the matte is empty: nothing was cut out")
    (rows, cols), placement = extent
    rgba = np.concatenate([photo.astype(np.float32) / 255, alpha[..., None]], 2)[rows, cols]
    return np.ascontiguousarray(rgba), placement


def cutout(photo: np.ndarray, cfg: PhotoConfig | None = None, parser: ModelParser | None = None,
           mode: str = "RGB") -> PhotoCutout:
    """Detect the main person, matte them, fill the hole, parse the background.

    Args:
        photo: ``(H, W, 3)`` uint8 RGB (reduced to ``cfg.max_side`` first).
        cfg: the backends (:class:`PhotoConfig`).
        parser: the user's own segmentation model, instead of ``cfg.parser``.
        mode: the photo's original colour mode, for the record.

    Raises:
        NoPersonError: the detector found nobody.
        ValueError: a stage failed (the message says which).
    """
    cfg = cfg or PhotoConfig()
    photo = np.asarray(photo)
    if photo.ndim != 3 or photo.shape[2] != 3 or photo.dtype != np.uint8:
        raise ValueError(f"the photo must be (H, W, 3) uint8 RGB, got shape {photo.shape} dtype {photo.dtype}")
    if min(photo.shape[:2]) * min(1.0, cfg.max_side / max(photo.shape[:2])) < MIN_PHOTO_SIDE:
        raise ValueError(f"a {photo.shape[1]} x {photo.shape[0]} photo is too thin: reduced to {cfg.max_side} px on "
                         f"its longer side, each side needs at least {MIN_PHOTO_SIDE} px to find a person in")
    img = _reduce(photo, cfg.max_side)
    t = {"start": time.perf_counter()}
    found = detect(img, cfg.detector)
    t["detect"] = time.perf_counter()
    if not found:
        raise NoPersonError(f"no person found by the {cfg.detector} detector")
    alpha = matte(img, found[0].box, cfg.matte)
    t["matte"] = time.perf_counter()
    sprite, placement = _sprite(img, alpha)
    background = fill(img, alpha, cfg.fill, cfg.dilate)
    t["fill"] = time.perf_counter()
    labels = parse(np.clip(np.round(background * 255), 0, 255).astype(np.uint8), parser or cfg.parser)
    t["parse"] = time.perf_counter()
    stages = ("start", "detect", "matte", "fill", "parse")
    seconds = {b: t[b] - t[a] for a, b in zip(stages, stages[1:])}
    return PhotoCutout(img, found[0], alpha, sprite, placement, background, labels, seconds, mode)


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


def _source_arrays(c: PhotoCutout, size: int) -> tuple[dict[str, np.ndarray], Placement, list[float]]:
    """The world-format files of a cut-out: the square around the person, resized to ``size``."""
    from ..compose import placement_box, render_foreground

    x0, y0, side = square_crop(c)
    crop = lambda a, interp: cv2.resize(np.ascontiguousarray(a[y0 : y0 + side, x0 : x0 + side]), (size, size),  # noqa: E731
                                        interpolation=interp)
    image = crop(c.photo, cv2.INTER_AREA)
    alpha = crop(c.alpha.astype(np.float32), cv2.INTER_AREA)
    sprite, placement = _sprite(image, alpha)
    fg = render_foreground(sprite, placement, (size, size))
    arrays = {"image.png": image, "person.png": sprite, "fg.png": unpremultiply(fg),
              "bg.png": crop(np.clip(c.background, 0, 1).astype(np.float32), cv2.INTER_AREA),
              "parse.png": crop(c.labels, cv2.INTER_NEAREST)}
    return arrays, placement, [float(v) for v in placement_box(sprite.shape[:2], placement, (size, size))]


def _photos(folder: Path) -> list[Path]:
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder}: no such folder of photos")
    photos = sorted(p for p in folder.iterdir() if p.suffix.lower() in PHOTO_SUFFIXES and p.is_file())
    if not photos:
        raise ValueError(f"{folder}: no photos ({', '.join(PHOTO_SUFFIXES)})")
    return photos


def _reason(exc: Exception, photo: Path) -> str:
    """A per-photo failure as one line: the message with the photo's name, the kind when it is not ours."""
    text = " ".join(str(exc).replace(str(photo), photo.name).split())
    return text if isinstance(exc, (ValueError, OSError)) else f"{exc.__class__.__name__}: {text}"


def _settings(size: int, cfg: PhotoConfig, parser: ModelParser | None) -> dict:
    """What a photo source depends on besides the photo: the size, the backends, the user's parser."""
    own = None if parser is None else {"path": str(parser.path), "sha256": sha256_file(parser.path)}
    return {"source": PHOTO_SOURCE, "size": size, "config": asdict(cfg), "parser_model": own}


def _claim_folder(out: Path, settings: dict) -> None:
    """Refuse a folder that holds a synthetic dataset (or files of no photo build); record ``settings``."""
    from ..data import source_dir

    if out.exists() and not out.is_dir():
        raise ValueError(f"{out}: exists and is not a folder")
    build = out / "build.json"
    if build.exists():
        have = read_json(build)
        if not isinstance(have, dict) or have.get("source") != PHOTO_SOURCE:
            raise ValueError(f"{out}: holds a synthetic dataset (build.json); building photo sources there would "
                             "delete it. Choose another --out")
    elif (out / "manifest.json").exists() or source_dir(out, 0).exists():
        raise ValueError(f"{out}: holds a dataset that no photo build made; choose another --out")
    atomic_write_json(build, settings)


def _reusable(work: Path, photo_sha: str, settings: dict) -> dict | None:
    """A finished photo's record, if it was made from these bytes with these settings and its files verify."""
    try:
        meta = read_json(work / "meta.json")
    except (FileNotFoundError, ValueError):
        return None
    if not isinstance(meta, dict) or meta.get("photo_sha256") != photo_sha or meta.get("settings") != settings:
        return None
    for name, want in (meta.get("sha256") or {}).items():
        f = work / name
        if not f.is_file() or f.stat().st_size != meta.get("bytes", {}).get(name) or sha256_file(f) != want:
            return None
    return meta if meta.get("sha256") else None


def _work_source(photo_path: Path, work: Path, size: int, cfg: PhotoConfig, parser: ModelParser | None,
                 settings: dict, photo_sha: str) -> dict:
    """Cut one photo out and write its source files into ``work`` (``meta.json`` last)."""
    photo, mode = read_photo(photo_path)
    c = cutout(photo, cfg, parser, mode)
    arrays, placement, box = _source_arrays(c, size)
    shutil.rmtree(work, ignore_errors=True)  # files of an older photo or other settings
    hashes = {name: write_png(work / name, arr) for name, arr in arrays.items()}
    meta = {"bytes": {n: (work / n).stat().st_size for n in arrays}, "photo": photo_path.name, "mode": mode,
            "place": "unknown", "outfit": "unknown", "placement": list(placement.as_tuple()), "box": box,
            "horizon": None, "camera_k": None, "detection_score": c.detection.score, "seconds": c.seconds,
            "sha256": hashes, "photo_sha256": photo_sha, "settings": settings}
    atomic_write_json(work / "meta.json", meta)
    return meta


def build_photo_sources(photos: str | os.PathLike, out: str | os.PathLike, size: int = 256, cfg: PhotoConfig | None = None,
                        parser: ModelParser | None = None, seed: int = 0, progress: bool = True) -> dict:
    """ART sources from a folder of photos, resumable; returns (and writes) ``report.json``.

    Each photo's files are written under ``out/photos/NAME/`` (``NAME`` the photo's whole file
    name, so ``b.jpg`` and ``b.png`` stay two photos). A re-run keeps a finished photo only when
    its record says it was made from the same bytes with the same settings (size, backends,
    parser model) and its files still verify; a replaced photo, or a re-run with another
    ``size`` or detector, cuts the photo out again, so the report's settings are those of every
    file. A photo where no person is found or any stage fails is listed in the report with the
    reason, never fatal for the rest. The finished photos are then numbered into
    ``out/sources/NNNNNN/`` in the world's format, and, when each split can hold its
    derangements, a ``manifest.json`` of samples (paper recipe) is written, so ``artlib train``
    can train on it.

    ``out`` must be new, or a folder an earlier photo build made: one that holds a synthetic
    dataset is refused, never overwritten. Two builds of one folder at once are refused
    (:func:`artlib.files.folder_lock`).

    Raises:
        ValueError: ``out`` holds a synthetic dataset, is one of the photos' folder, or no photo
            became a source (the report is written first, with every photo's reason).
    """
    from ..data import BuildConfig, source_dir, write_manifest

    cfg = cfg or PhotoConfig()
    out, folder = Path(out), Path(photos)
    if not 16 <= size <= MAX_SOURCE_SIZE:
        raise ValueError(f"size must be in [16, {MAX_SOURCE_SIZE}] px, got {size}")
    files = _photos(folder)
    check_outputs({"out": out}, {"photos": folder, **{p.name: p for p in files}})
    settings = _settings(size, cfg, parser)
    with folder_lock(out, "photo build"):
        _claim_folder(out, settings)
        done, failed = [], []
        for p in tqdm(files, desc="photos", disable=not progress, mininterval=2):
            work = out / "photos" / p.name
            try:
                sha = sha256_file(p)
                meta = _reusable(work, sha, settings) or _work_source(p, work, size, cfg, parser, settings, sha)
                done.append((work, meta))
            except Exception as exc:  # noqa: BLE001 -- every per-photo failure is a reported skip
                failed.append({"photo": p.name, "reason": _reason(exc, p)})
        shutil.rmtree(out / "sources", ignore_errors=True)
        (out / "manifest.json").unlink(missing_ok=True)
        sources = []
        for i, (work, meta) in enumerate(done):
            shutil.copytree(work, source_dir(out, i))
            sources.append({**meta, "index": i})
        report = {"photos": len(files), "sources": len(done), "failed": failed, "config": asdict(cfg), "size": size,
                  "converted": [m["photo"] for _, m in done if m.get("mode") != "RGB"], "manifest": None}
        try:
            bcfg = BuildConfig(n_sources=len(done), size=size, seed=seed, background_mode="inpaint")
        except ValueError as exc:
            report["manifest"] = f"not written: {exc}"
        else:
            write_manifest(out, bcfg, sources)
            report["manifest"] = "manifest.json"
        atomic_write_json(out / "report.json", report)
    if not done:
        first = "; ".join(f"{f['photo']}: {f['reason']}" for f in failed[:3])
        raise ValueError(f"{folder}: none of the {len(files)} photos became a source ({first}"
                         f"{'; ...' if len(failed) > 3 else ''}); see {out / 'report.json'}")
    return report


def _gallery_names(files: list[Path]) -> list[str]:
    """One gallery name per photo: its stem, or stem and extension where two photos share a stem."""
    stems = [p.stem for p in files]
    return [p.stem if stems.count(p.stem) == 1 else f"{p.stem}_{p.suffix[1:].lower()}" for p in files]


def photo_gallery(photos: str | os.PathLike, out: str | os.PathLike, size: int = 64, parser: str | ModelParser = "classical",
                  progress: bool = True) -> dict:
    """A gallery folder (:mod:`artlib.select`) from background photos: centre square, resized, parsed.

    Returns the report (backgrounds written, photos that failed with the reason).
    """
    from ..select import write_gallery

    out = Path(out)
    if out.exists() and not out.is_dir():
        raise ValueError(f"{out}: exists and is not a folder")
    files = _photos(Path(photos))
    check_outputs({"out": out}, {"photos": Path(photos), **{p.name: p for p in files}})
    names, bgs, labels, failed = [], [], [], []
    for p, name in tqdm(list(zip(files, _gallery_names(files))), desc="backgrounds", disable=not progress, mininterval=2):
        try:
            photo, _ = read_photo(p)
            H, W = photo.shape[:2]
            side = min(H, W)
            if side < 16:
                raise ValueError(f"{p}: {W} x {H} pixels; a background needs at least 16 pixels on each side")
            sq = photo[(H - side) // 2 : (H - side) // 2 + side, (W - side) // 2 : (W - side) // 2 + side]
            lab = parse(_reduce(np.ascontiguousarray(sq), 512), parser)
            bg = cv2.resize(np.ascontiguousarray(sq), (size, size), interpolation=cv2.INTER_AREA)
            lab = cv2.resize(lab, (size, size), interpolation=cv2.INTER_NEAREST)
        except Exception as exc:  # noqa: BLE001 -- every per-photo failure is a reported skip
            failed.append({"photo": p.name, "reason": _reason(exc, p)})
            continue
        names.append(name)
        bgs.append(bg)
        labels.append(lab)
    if not names:
        raise ValueError(f"{photos}: no photo could be read ({failed})")
    write_gallery(out, names, bgs, labels)
    report = {"backgrounds": len(names), "failed": failed}
    atomic_write_json(out / "report.json", report)
    return report
