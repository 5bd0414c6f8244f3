"""ART sources and galleries from folders of real photos (Section 3's construction on real data).

:func:`build_photo_sources` turns a folder of photos into ART sources in the same on-disk format
as the synthetic world's (``image.png``, ``person.png``, ``fg.png``, ``bg.png``, ``parse.png``,
``meta.json`` per source, and a ``manifest.json`` when there are enough photos for the three
splits), resumably, listing every photo that failed with the reason; :func:`photo_gallery`
parses a folder of background photos into a gallery folder (:mod:`artlib.data.gallery`) for
``artlib retouch``. One photo's stages are :func:`artlib.photos.cutout`'s.

Shown in chapter 6.
"""
from __future__ import annotations

import os
import shutil
from dataclasses import asdict
from pathlib import Path

import cv2
import numpy as np
from tqdm import tqdm

from ..compose import Placement, placement_box, render_foreground, unpremultiply
from ..files import atomic_write_json, check_outputs, folder_lock, read_json, read_photo, sha256_file, write_png
from ..photos import PHOTO_SUFFIXES, ModelParser, PhotoConfig, PhotoCutout, cutout, parse, reduce_photo, sprite_of, square_crop
from .gallery import FULL_SIDE, write_gallery
from .manifest import write_manifest
from .sampling import BuildConfig
from .sources import PHOTO_SOURCE, dataset_kind, source_dir

__all__ = ["MAX_SOURCE_SIZE", "build_photo_sources", "photo_gallery", "square_background"]

#: The largest square side of a photo source, in pixels (the paper's is 256).
MAX_SOURCE_SIZE = 1024


def _source_arrays(c: PhotoCutout, size: int) -> tuple[dict[str, np.ndarray], Placement, list[float]]:
    """The world-format files of a cut-out: the square around the person, resized to ``size``."""
    x0, y0, side = square_crop(c)
    crop = lambda a, interp: cv2.resize(np.ascontiguousarray(a[y0 : y0 + side, x0 : x0 + side]), (size, size),  # noqa: E731
                                        interpolation=interp)
    image = crop(c.photo, cv2.INTER_AREA)
    alpha = crop(c.alpha.astype(np.float32), cv2.INTER_AREA)
    sprite, placement = sprite_of(image, alpha)
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
    if out.exists() and not out.is_dir():
        raise ValueError(f"{out}: exists and is not a folder")
    if dataset_kind(out) == "world":
        raise ValueError(f"{out}: holds a synthetic dataset (or sources no photo build made); building photo "
                         "sources there would delete it. Choose another --out")
    atomic_write_json(out / "build.json", settings)


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


def square_background(photo: np.ndarray, size: int, parser: str | ModelParser = "classical",
                      where: str = "photo") -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A background from a photo ``(H, W, 3)`` uint8: its centre square at ``size`` pixels
    ``(size, size, 3)``, its parsing map there ``(size, size)`` (parsed at up to 512 px), and the
    square at its own resolution."""
    H, W = photo.shape[:2]
    side = min(H, W)
    if side < 16:
        raise ValueError(f"{where}: {W} x {H} pixels; a background needs at least 16 pixels on each side")
    sq = np.ascontiguousarray(photo[(H - side) // 2 : (H - side) // 2 + side, (W - side) // 2 : (W - side) // 2 + side])
    lab = parse(reduce_photo(sq, 512), parser)
    bg = cv2.resize(sq, (size, size), interpolation=cv2.INTER_AREA)
    return bg, cv2.resize(lab, (size, size), interpolation=cv2.INTER_NEAREST), sq


def photo_gallery(photos: str | os.PathLike, out: str | os.PathLike, size: int = 64, parser: str | ModelParser = "classical",
                  progress: bool = True) -> dict:
    """A gallery folder (:mod:`artlib.select`) from background photos: centre square, resized, parsed.

    Each photo's centre square is kept twice: at ``size`` pixels, the copy the verifier scores,
    and at its own resolution up to :data:`~artlib.data.gallery.FULL_SIDE` pixels
    (``full/NAME.png``), where ``artlib retouch`` renders the final composite. Returns the
    report (backgrounds written, photos that failed with the reason).
    """
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise ValueError(f"{out}: exists and is not a folder")
    files = _photos(Path(photos))
    check_outputs({"out": out}, {"photos": Path(photos), **{p.name: p for p in files}})
    names, bgs, labels, fulls, failed = [], [], [], [], []
    for p, name in tqdm(list(zip(files, _gallery_names(files))), desc="backgrounds", disable=not progress, mininterval=2):
        try:
            photo, _ = read_photo(p)
            bg, lab, sq = square_background(photo, size, parser, str(p))
            full = reduce_photo(sq, FULL_SIDE)
            if full.shape[0] < size:  # a photo smaller than the scoring copy: the scoring copy is the largest
                full = bg
        except Exception as exc:  # noqa: BLE001 -- every per-photo failure is a reported skip
            failed.append({"photo": p.name, "reason": _reason(exc, p)})
            continue
        names.append(name)
        bgs.append(bg)
        labels.append(lab)
        fulls.append(full)
    if not names:
        raise ValueError(f"{photos}: no photo could be read ({failed})")
    write_gallery(out, names, bgs, labels, full=fulls)
    report = {"backgrounds": len(names), "failed": failed}
    atomic_write_json(out / "report.json", report)
    return report
