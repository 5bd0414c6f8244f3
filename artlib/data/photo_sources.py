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

import errno
import os
import re
import shutil
from collections import Counter
from dataclasses import asdict
from pathlib import Path

import cv2
import numpy as np
from tqdm import tqdm

from ..compose import Placement, placement_box, render_foreground, unpremultiply
from ..files import read_json, read_photo, sha256_file, shown, write_png
from ..outputs import output_folder
from ..photos import (PHOTO_SUFFIXES, ModelParser, PhotoConfig, PhotoCutout, cutout, parse, read_camera, reduce_photo,
                      sprite_of, square_crop)
from .gallery import CAMERAS, FULL_SIDE, GALLERY_ALSO, LABEL_SUFFIX, adopt_gallery, write_background
from .manifest import write_manifest
from .sampling import BuildConfig
from .sources import PHOTO_SOURCE, source_dir

__all__ = ["MAX_SOURCE_SIZE", "build_photo_sources", "gallery_names", "list_photos", "photo_gallery", "square_background"]

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


def list_photos(folder: Path) -> tuple[list[Path], list[dict[str, str]]]:
    """The photos of a folder (regular files with a photo suffix, sorted), and every other entry
    that was skipped, with the reason (``{"photo": NAME, "reason": ...}``); hidden files are ignored.

    Raises:
        FileNotFoundError: no such folder (or a link loop, said so).
        ValueError: the folder holds no photo (the skipped entries are named).
    """
    try:
        os.stat(folder)
    except OSError as exc:
        why = "a symbolic link loop" if exc.errno == errno.ELOOP else "no such folder of photos"
        raise FileNotFoundError(f"{shown(folder)}: {why}") from None
    if not folder.is_dir():
        raise ValueError(f"{shown(folder)}: is a file; give the folder of photos")
    photos, skipped = [], []
    for p in sorted(folder.iterdir()):
        if p.name.startswith("."):
            continue
        if p.suffix.lower() not in PHOTO_SUFFIXES:
            why = "a folder" if p.is_dir() else f"not a photo of a supported kind ({', '.join(PHOTO_SUFFIXES)})"
        elif not p.exists():
            why = "a broken link" if p.is_symlink() else "not readable"
        elif not p.is_file():
            why = "not a regular file (a FIFO, device or folder)"
        else:
            photos.append(p)
            continue
        skipped.append({"photo": shown(p.name), "reason": f"skipped: {why}"})
    if not photos:
        named = "; ".join(f"{s['photo']}: {s['reason']}" for s in skipped[:3])
        raise ValueError(f"{shown(folder)}: no photos ({', '.join(PHOTO_SUFFIXES)}){f' ({named})' if named else ''}")
    return photos, skipped


def _reason(exc: Exception, photo: Path) -> str:
    """A per-photo failure as one line: the message with the photo's name, the kind when it is not ours."""
    text = shown(" ".join(str(exc).replace(str(photo), photo.name).split()))
    return text if isinstance(exc, (ValueError, OSError)) else f"{exc.__class__.__name__}: {text}"


def _settings(size: int, cfg: PhotoConfig, parser: ModelParser | None) -> dict:
    """What a photo source depends on besides the photo: the size, the backends, the user's parser."""
    own = None if parser is None else {"path": str(parser.path), "sha256": sha256_file(parser.path)}
    return {"source": PHOTO_SOURCE, "size": size, "config": asdict(cfg), "parser_model": own}


def _adopt_photo_build(out: Path) -> list[str] | None:
    """The entries of a photo build an artlib older than the folder rule made (``build.json`` says
    ``"source": "photos"``), or ``None`` for anything else (:mod:`artlib.outputs`)."""
    try:
        have = read_json(out / "build.json")
    except (FileNotFoundError, ValueError):
        return None
    own = {"build.json", "manifest.json", "report.json", "photos", "sources"}
    names = {p.name for p in out.iterdir()} - {".artlib.lock"}
    if not isinstance(have, dict) or have.get("source") != PHOTO_SOURCE or not names <= own:
        return None
    return sorted(names)


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
    from ..files import atomic_write_json

    photo, mode = read_photo(photo_path)
    c = cutout(photo, cfg, parser, mode)
    arrays, placement, box = _source_arrays(c, size)
    shutil.rmtree(work, ignore_errors=True)  # files of an older photo or other settings
    hashes = {name: write_png(work / name, arr) for name, arr in arrays.items()}
    meta = {"bytes": {n: (work / n).stat().st_size for n in arrays}, "photo": shown(photo_path.name), "mode": mode,
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
    files, skipped = list_photos(folder)
    settings = _settings(size, cfg, parser)
    # a re-run with other settings re-cuts the photos it must (their records say which): no settings compared here
    with output_folder(out, "build-dataset --photos", None, inputs={"photos": folder}, adopt=_adopt_photo_build) as claim:
        claim.write_json("build.json", settings)
        claim.claim("photos")
        done, failed = [], []
        for p in tqdm(files, desc="photos", disable=not progress, mininterval=2):
            work = out / "photos" / p.name
            try:
                sha = sha256_file(p)
                meta = _reusable(work, sha, settings) or _work_source(p, work, size, cfg, parser, settings, sha)
                done.append((work, meta))
            except Exception as exc:  # noqa: BLE001 -- every per-photo failure is a reported skip
                failed.append({"photo": shown(p.name), "reason": _reason(exc, p)})
        claim.remove("sources")
        if "manifest.json" in claim.owned:
            claim.remove("manifest.json")
        claim.claim("sources")
        sources = []
        for i, (work, meta) in enumerate(done):
            shutil.copytree(work, source_dir(out, i))
            sources.append({**meta, "index": i})
        report = {"photos": len(files), "sources": len(done), "failed": failed, "skipped": skipped, "config": asdict(cfg),
                  "size": size, "converted": [m["photo"] for _, m in done if m.get("mode") != "RGB"], "manifest": None}
        try:
            bcfg = BuildConfig(n_sources=len(done), size=size, seed=seed, background_mode="inpaint")
        except ValueError as exc:
            report["manifest"] = f"not written: {exc}"
        else:
            claim.claim("manifest.json")
            write_manifest(out, bcfg, sources)
            claim.finished("manifest.json", sha256_file(out / "manifest.json"))
            report["manifest"] = "manifest.json"
        claim.write_json("report.json", report)
    if not done:
        first = "; ".join(f"{f['photo']}: {f['reason']}" for f in failed[:3])
        raise ValueError(f"{shown(folder)}: none of the {len(files)} photos became a source ({first}"
                         f"{'; ...' if len(failed) > 3 else ''}); see {out / 'report.json'}")
    return report


def gallery_names(files: list[Path]) -> list[str]:
    """One gallery name per photo, distinct even on a file system that ignores case.

    A name is the photo's stem with every character other than letters, digits, ``.``, ``-`` and
    ``_`` (spaces, bytes that are not UTF-8) replaced by ``_``; photos that share a stem (in any
    case) add their extension (``b.jpg``, ``b.png``: ``b_jpg``, ``b_png``); a name still taken
    (``a.JPG`` and ``a.jpg``; ``rocket.png`` and ``rocket_png.jpg``) gets ``-2``, ``-3``, ... in
    the photos' sorted order, and a name that would read as a label map (``x.labels``) ends in ``_``.
    """
    bases = [re.sub(r"[^\w.-]", "_", shown(p.stem), flags=re.ASCII) or "photo" for p in files]
    counts = Counter(b.lower() for b in bases)
    names, taken = [], set()
    for p, base in zip(files, bases):
        if counts[base.lower()] > 1:
            base = f"{base}_{p.suffix[1:].lower()}"
        if base.lower().endswith(LABEL_SUFFIX[:-4]):
            base += "_"
        name, k = base, 1
        while name.lower() in taken:
            k += 1
            name = f"{base}-{k}"
        taken.add(name.lower())
        names.append(name)
    return names


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
    (``full/NAME.png``), where ``artlib retouch`` renders the final composite, and its camera rule
    read from the people in the square (:func:`artlib.photos.read_camera`, ``cameras.json``).
    Returns the report (backgrounds written, photos that failed with the reason).
    """
    out, folder = Path(out), Path(photos)
    files, skipped = list_photos(folder)
    names = gallery_names(files)
    failed = []
    settings = {"photos": shown(folder.resolve()), "size": size, "parser": parser if isinstance(parser, str) else
                str(getattr(parser, "path", parser))}
    with output_folder(out, "export-gallery --photos", settings, inputs={"--photos": folder}, adopt=adopt_gallery,
                       also=GALLERY_ALSO) as claim:
        claim.clear()  # a re-run parses every photo again: a photo removed since leaves no background behind
        written, cameras = 0, {}
        for p, name in tqdm(list(zip(files, names)), desc="backgrounds", disable=not progress, mininterval=2):
            try:
                photo, _ = read_photo(p)
                bg, lab, sq = square_background(photo, size, parser, shown(p))
                full = reduce_photo(sq, FULL_SIDE)
                if full.shape[0] < size:  # a photo smaller than the scoring copy: the scoring copy is the largest
                    full = bg
                cameras[name] = read_camera(sq).as_dict()
            except Exception as exc:  # noqa: BLE001 -- every per-photo failure is a reported skip
                failed.append({"photo": shown(p.name), "reason": _reason(exc, p)})
                continue
            write_background(claim, name, bg, lab, full)  # one at a time: memory stays that of one photo
            written += 1
        if not written:
            raise ValueError(f"{shown(folder)}: no photo could be read ({failed[:3]})")
        from ..world import WORLD_LABELS

        claim.write_json("labels.json", WORLD_LABELS.to_dict())
        claim.write_json(CAMERAS, cameras)
        report = {"backgrounds": written, "failed": failed, "skipped": skipped,
                  "names": {shown(p.name): n for p, n in zip(files, names)}}
        claim.write_json("report.json", report)
    return report
