"""Building an ART dataset: resumable, self-repairing, in a claimed folder (:mod:`artlib.outputs`).

Sources are rendered (in worker processes that import no torch, as many as the cores and the
free memory allow), each source's files are checked against its own record on a re-run (its
index, sizes, hashes, the world's version) and rendered again when anything is off, and the
manifest (:mod:`artlib.data.manifest`) is written last.

Shown in chapter 1.
"""
from __future__ import annotations

import os
from dataclasses import asdict
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from tqdm import tqdm

from ..files import read_json, sha256_file
from ..outputs import OutputFolder, output_folder
from ..world import WORLD_VERSION
from .manifest import Manifest, load_manifest, write_manifest
from .sampling import BuildConfig
from .sources import PHOTO_SOURCE, source_dir, write_source, write_source_job

__all__ = ["WORKER_BYTES", "build_dataset", "worker_count"]


def _source_problem(d: Path, meta: dict[str, Any], hashes: bool, index: int | None = None) -> str | None:
    """What is wrong with a finished source's files, if anything (a source of another world is outdated,
    and one whose record names another index than its folder's is another source's, moved or swapped)."""
    if index is not None and "index" in meta and meta["index"] != index:
        return f"{d / 'meta.json'}: the record of source {meta['index']!r}, not of source {index} (folders moved or swapped)"
    if meta.get("world", 1) != WORLD_VERSION:
        return f"{d / 'meta.json'}: rendered by version {meta.get('world', 1)} of the world, not {WORLD_VERSION}"
    for name, want in meta.get("sha256", {}).items():
        f = d / name
        if not f.is_file():
            return f"{f}: missing"
        if "bytes" in meta and f.stat().st_size != meta["bytes"].get(name):
            return f"{f}: size differs from its record"
        if hashes and sha256_file(f) != want:
            return f"{f}: content differs from its hash"
    return None


def _finished_meta(d: Path) -> dict[str, Any] | None:
    """A source's ``meta.json`` if it is a readable record of finished files, else ``None``."""
    try:
        meta = read_json(d / "meta.json")
    except (FileNotFoundError, ValueError):
        return None
    ok = isinstance(meta, dict) and isinstance(meta.get("sha256"), dict) and meta["sha256"]
    return meta if ok else None


def _bad_sources(root: Path, n: int, hashes: bool) -> dict[int, str]:
    """Sources to render again: a ``meta.json`` that is unreadable or no record (corrupt), or files
    that are missing, of another size, or (with ``hashes``) changed. Sources never finished (no
    ``meta.json``) are not listed: they are rendered anyway."""
    bad = {}
    for i in range(n):
        d = source_dir(root, i)
        if not (d / "meta.json").exists():
            continue
        meta = _finished_meta(d)
        problem = f"{d / 'meta.json'}: not a readable record" if meta is None else _source_problem(d, meta, hashes, i)
        if problem:
            bad[i] = problem
    return bad


def _adopt_dataset(root: Path) -> list[str] | None:
    """The entries of a synthetic dataset an artlib older than the folder rule built (a readable
    ``build.json`` of no photo build, beside ``manifest.json`` and ``sources/`` only), else ``None``."""
    try:
        have = read_json(root / "build.json")
    except (FileNotFoundError, ValueError):
        return None
    names = {p.name for p in root.iterdir()} - {".artlib.lock"}
    if not isinstance(have, dict) or have.get("source") == PHOTO_SOURCE or not names <= {"build.json", "manifest.json", "sources"}:
        return None
    return sorted(names)


def _check_root(root: Path, out: OutputFolder, cfg: BuildConfig) -> None:
    """Refuse a folder that holds a dataset of other parameters; record ``build.json``."""
    cfg_path = root / "build.json"
    want = asdict(cfg)
    if cfg_path.exists():
        try:
            have = read_json(cfg_path)
        except ValueError:
            have = None  # a corrupt record: the sources' own files decide below
        started = (root / "manifest.json").exists() or any((root / "sources").glob("*/meta.json"))
        if have != want and started:
            if not isinstance(have, dict):
                raise ValueError(f"{cfg_path}: not a readable record of the parameters {root} was built with; "
                                 "use another folder, or delete the folder to build it anew")
            diff = {k: (have.get(k), v) for k, v in want.items() if have.get(k) != v}
            raise ValueError(f"{cfg_path}: {root} holds a dataset built with other parameters {diff}; use another folder")
    out.write_json("build.json", want)
    out.claim("sources")


#: Memory one rendering worker may take, in bytes (measured: about 0.2 GB at 256 px; it imports no torch).
WORKER_BYTES = 400 * 2**20


def _available_memory() -> int | None:
    """Bytes of memory available to new processes (Linux ``MemAvailable``), or None when unknown."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def worker_count(requested: int) -> int:
    """The rendering processes a build uses for ``requested``: at most one per core, and no more than
    the available memory holds at :data:`WORKER_BYTES` each (at least 1)."""
    cap = os.cpu_count() or 1
    if (mem := _available_memory()) is not None:
        cap = min(cap, max(1, mem // WORKER_BYTES))
    return max(1, min(requested, cap))


def _render_sources(root: Path, cfg: BuildConfig, workers: int, progress: bool) -> None:
    """Render every source that has no ``meta.json`` yet, in up to :func:`worker_count` processes."""
    todo = [i for i in range(cfg.n_sources) if not (source_dir(root, i) / "meta.json").exists()]
    workers = worker_count(workers)
    bar = tqdm(total=cfg.n_sources, initial=cfg.n_sources - len(todo), desc="sources", disable=not progress, mininterval=2)
    if workers > 1 and len(todo) > 1:
        with get_context("spawn").Pool(workers) as pool:
            for _ in pool.imap_unordered(write_source_job, [(str(root), i, asdict(cfg)) for i in todo], chunksize=8):
                bar.update()
    else:
        for i in todo:
            write_source(root, i, cfg)
            bar.update()
    bar.close()


def _current_manifest(root: Path, cfg: BuildConfig) -> Manifest | None:
    """The manifest, if it agrees with this build: it loads (schema, columns, values), holds ``cfg``
    and records for every source the files its ``meta.json`` records. Anything else (an older
    schema, a hand-edited or stale manifest) gives ``None``: it is rewritten from the sources."""
    try:
        m = load_manifest(root)
    except (FileNotFoundError, ValueError, TypeError, AttributeError):
        return None
    if m.config != cfg:
        return None
    for s in m.sources:
        meta = _finished_meta(source_dir(root, s.get("index", -1))) if isinstance(s, dict) else None
        if meta is None or s.get("sha256") != meta["sha256"]:
            return None
    return m


def build_dataset(
    root: str | os.PathLike, cfg: BuildConfig, workers: int = 1, progress: bool = True, verify: bool = True
) -> Manifest:
    """Build (or resume building, or verify and repair) the ART dataset under ``root``.

    Safe to kill and re-run: finished sources (those with ``meta.json``) are kept, and the
    manifest is written atomically at the end. A folder built with other parameters, or one
    holding photo sources, is refused rather than mixed; two builds of one folder at once are
    refused (:func:`artlib.files.folder_lock`). A re-run checks every finished source's files
    against their record (sizes always, SHA-256 hashes unless ``verify=False``) and renders
    again the sources whose files or ``meta.json`` are missing, corrupt or changed, and
    rewrites a manifest that does not agree with the sources; :attr:`Manifest.repaired` lists
    the sources repaired.

    Args:
        root: output folder.
        cfg: the dataset's parameters (validated when constructed, before anything is written).
        workers: processes rendering sources (1 = in this process), at most :func:`worker_count`. With more than one, a
            script must guard its entry point with ``if __name__ == "__main__":`` (Python's
            spawn start method re-imports it); notebooks need nothing.
        progress: show a tqdm progress bar.
        verify: check the hashes of finished sources on a re-run (sizes are always checked).
    """
    root = Path(root)
    with output_folder(root, "build-dataset", None, adopt=_adopt_dataset) as out:
        _check_root(root, out, cfg)
        bad = _bad_sources(root, cfg.n_sources, verify)
        for i in bad:
            (source_dir(root, i) / "meta.json").unlink()
        had_manifest = (root / "manifest.json").exists()
        missing = [i for i in range(cfg.n_sources) if not (source_dir(root, i) / "meta.json").exists()]
        if not missing and (current := _current_manifest(root, cfg)) is not None:
            return current
        _render_sources(root, cfg, workers, progress)
        out.claim("manifest.json")
        write_manifest(root, cfg, [read_json(source_dir(root, i) / "meta.json") for i in range(cfg.n_sources)])
        out.finished("manifest.json", sha256_file(root / "manifest.json"))
        manifest = load_manifest(root)
    # a source lost from a finished build (its folder deleted) is repaired like a changed one
    manifest.repaired = sorted(set(bad) | (set(missing) if had_manifest else set()))
    return manifest
