"""A built dataset: the manifest of samples, building (resumable, self-repairing) and verifying.

``manifest.json`` holds the build's parameters (:class:`~artlib.data.sampling.BuildConfig`),
each source's metadata (``meta.json`` plus its split) and the sample table of Section 3
(columns :data:`~artlib.data.sampling.SAMPLE_COLUMNS`). It is written atomically after every
source is finished; its SHA-256 is the dataset's identity (checkpoints record it).

Shown in chapter 1 (Table 1).
"""
from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from tqdm import tqdm

from ..files import atomic_write_json, read_image, read_json, sha256_file, shown
from ..outputs import OutputFolder, output_folder
from ..labels import LabelSet
from ..paper import table1_frame
from ..world import WORLD_LABELS, WORLD_VERSION
from .sampling import (
    INT_COLUMNS,
    KINDS,
    SAMPLE_COLUMNS,
    SPLITS,
    BuildConfig,
    Kind,
    make_samples,
    split_sources,
)
from .grounded import grounded_targets, learn_evidence
from .sources import PHOTO_SOURCE, source_dir, write_source, write_source_job

__all__ = ["SCHEMA_VERSION", "WORKER_BYTES", "Manifest", "worker_count", "build_dataset", "dataset_identity", "load_manifest", "table1", "verify_dataset",
           "write_manifest"]

#: Version 3 renamed the sample columns ``fg`` / ``bg`` (source indices) to ``fg_source`` / ``bg_source``.
SCHEMA_VERSION = 3


@dataclass
class Manifest:
    """A built dataset: its root, config, per-source metadata and the sample table.

    ``samples`` maps each column of :data:`~artlib.data.sampling.SAMPLE_COLUMNS` to a numpy
    array; all have one length. ``repaired`` lists the sources a build rendered again.
    """

    root: Path
    config: BuildConfig
    sources: list[dict[str, Any]]
    samples: dict[str, np.ndarray]
    repaired: list[int] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.samples["kind"])

    @property
    def labels(self) -> LabelSet:
        """The label set of the parsing maps (the world's)."""
        return WORLD_LABELS

    def rows(self, split: str = "all") -> np.ndarray:
        """Sample rows of a split (``"train"``, ``"val"``, ``"test"`` or ``"all"``)."""
        if split == "all":
            return np.arange(len(self))
        if split not in SPLITS:
            raise ValueError(f"split must be one of {SPLITS + ('all',)}, got {split!r}")
        return np.flatnonzero(self.samples["split"] == SPLITS.index(split))

    def frame(self) -> pd.DataFrame:
        """The sample table as a DataFrame, with readable ``kind`` and ``split``."""
        df = pd.DataFrame(self.samples)
        df["kind"] = pd.Categorical.from_codes(df["kind"], KINDS)
        df["split"] = pd.Categorical.from_codes(df["split"], SPLITS)
        return df


def _manifest_json(cfg: BuildConfig, sources: list[dict[str, Any]], samples: dict[str, np.ndarray]) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "seed": cfg.seed,
        "config": asdict(cfg),
        "sources": sources,
        "samples": {k: v.tolist() for k, v in samples.items()},
    }


def write_manifest(root: str | os.PathLike, cfg: BuildConfig, sources: list[dict[str, Any]]) -> None:
    """Assign the sources (their ``meta.json`` records, in index order) to splits, draw the
    samples and write ``root/manifest.json`` atomically."""
    split = split_sources(cfg.n_sources, cfg.test_fraction, cfg.val_fraction, cfg.seed)
    sources = [{**meta, "split": int(k)} for meta, k in zip(sources, split)]
    samples = make_samples(cfg, sources)
    if cfg.recipe == "grounded":
        samples["spatial"] = _grounded_spatial(root, cfg, sources, samples)
    atomic_write_json(Path(root) / "manifest.json", _manifest_json(cfg, sources, samples))


def _grounded_spatial(root: str | os.PathLike, cfg: BuildConfig, sources: list[dict[str, Any]],
                      samples: dict[str, np.ndarray]) -> np.ndarray:
    """The ``grounded`` recipe's spatial column: evidence learnt from the training positives."""
    parse = np.stack([read_image(source_dir(root, i) / "parse.png", "L", (cfg.size, cfg.size), s["sha256"].get("parse.png"))
                      for i, s in enumerate(sources)]).astype(np.int64)
    pos = (samples["kind"] == Kind.POSITIVE) & (samples["split"] == SPLITS.index("train"))
    ev = learn_evidence(parse, WORLD_LABELS, {"bg": samples["bg_source"][pos], "x": samples["x"][pos],
                                              "y": samples["y"][pos], "scale": samples["scale"][pos]})
    t = grounded_targets(ev, parse, samples["bg_source"], samples["x"], samples["y"], samples["scale"])
    return np.where(samples["kind"] == Kind.POSITIVE, 1.0, t)


def _column_checks(out: dict[str, np.ndarray], n_sources: int) -> dict[str, np.ndarray]:
    """Per column, which values lie in their range (NaN fails every comparison)."""
    def within(c: str, lo: float, hi: float) -> np.ndarray:
        return (out[c] >= lo) & (out[c] <= hi)

    return {
        "kind": within("kind", 0, len(KINDS) - 1), "split": within("split", 0, len(SPLITS) - 1),
        "fg_source": within("fg_source", 0, n_sources - 1), "bg_source": within("bg_source", 0, n_sources - 1),
        "content": np.isin(out["content"], (0.0, 1.0)), "spatial": within("spatial", 0, 1),
        "x": within("x", 0, 1), "y": within("y", 0, 1), "scale": (out["scale"] > 0) & (out["scale"] <= 1),
        "distance": out["distance"] >= 0, "ratio": out["ratio"] > 0,
    }


def _check_samples(path: Path, samples: Any, n_sources: int) -> dict[str, np.ndarray]:
    """The sample table as arrays, every column present and every value in its range."""
    if not isinstance(samples, dict):
        raise ValueError(f"{path}: 'samples' must map column names to lists, got {type(samples).__name__}")
    missing = [c for c in SAMPLE_COLUMNS if c not in samples]
    if missing:
        raise ValueError(f"{path}: the sample table lacks the columns {missing}")
    try:
        out = {c: np.asarray(samples[c], np.int64 if c in INT_COLUMNS else np.float64) for c in SAMPLE_COLUMNS}
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{path}: a sample column holds values of the wrong type ({exc})") from exc
    if len({len(v) for v in out.values()}) != 1 or any(v.ndim != 1 for v in out.values()):
        raise ValueError(f"{path}: the sample columns differ in length")
    for col, ok in _column_checks(out, n_sources).items():
        if not ok.all():
            r = int(np.flatnonzero(~ok)[0])
            raise ValueError(f"{path}: sample {r} has {col} = {samples[col][r]!r}, outside its range")
    return out


def load_manifest(root: str | os.PathLike) -> Manifest:
    """Load ``root/manifest.json``, checking its schema version, config, columns and values."""
    root = Path(root)
    path = root / "manifest.json"
    data = read_json(path)
    version = data.get("schema_version") if isinstance(data, dict) else None
    if version != SCHEMA_VERSION:
        raise ValueError(
            f"{path}: manifest schema version {version!r} is not supported; this artlib reads "
            f"version {SCHEMA_VERSION}. Rebuild the dataset with this version (finished sources are kept)."
        )
    for key in ("config", "samples", "sources"):
        if key not in data:
            raise ValueError(f"{path}: malformed manifest (no {key!r})")
    try:
        cfg = BuildConfig.from_dict(data["config"])
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{path}: bad dataset parameters in the manifest: {exc}") from exc
    sources = data["sources"]
    if not isinstance(sources, list) or len(sources) != cfg.n_sources:
        raise ValueError(f"{path}: malformed manifest ({len(sources) if isinstance(sources, list) else 'no list of'} "
                         f"sources for n_sources={cfg.n_sources})")
    return Manifest(root, cfg, sources, _check_samples(path, data["samples"], cfg.n_sources))


def dataset_identity(data_dir: str | os.PathLike) -> str:
    """SHA-256 of a dataset's ``manifest.json``: the same for a relative and an absolute path."""
    path = Path(data_dir) / "manifest.json"
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file (is {data_dir} a built dataset?)")
    return sha256_file(path)


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
    if root.exists() and not root.is_dir():
        raise ValueError(f"{shown(root)}: exists and is not a folder")
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


def verify_dataset(manifest: Manifest) -> None:
    """Recompute every file's SHA-256 and compare with the manifest; raise on a mismatch."""
    for s in manifest.sources:
        d = source_dir(manifest.root, s["index"])
        for name, want in s["sha256"].items():
            path = d / name
            if not path.is_file():
                raise FileNotFoundError(f"{path}: missing file of source {s['index']}")
            if sha256_file(path) != want:
                raise ValueError(f"{path}: content does not match the manifest's hash (changed or corrupt)")


def table1(manifest: Manifest) -> pd.DataFrame:
    """Table 1 of the paper for a built dataset: counts per sample type and split."""
    kind, split = manifest.samples["kind"], manifest.samples["split"]
    per_split = {s: [int(np.sum((kind == k) & (split == j))) for k in Kind] for j, s in enumerate(SPLITS)}
    dc = "0" if manifest.config.recipe == "paper" else "1 or eq. (1) (balanced)"
    return table1_frame([int(np.sum(kind == k)) for k in Kind], dc, per_split)
