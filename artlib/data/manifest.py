"""A built dataset's record: the manifest of samples, loaded and checked, its identity, Table 1.

``manifest.json`` holds the build's parameters (:class:`~artlib.data.sampling.BuildConfig`),
each source's metadata (``meta.json`` plus its split) and the sample table of Section 3
(columns :data:`~artlib.data.sampling.SAMPLE_COLUMNS`). It is written atomically once every
source is finished (:mod:`artlib.data.build`); its SHA-256 is the dataset's identity
(checkpoints record it).

Shown in chapter 1 (Table 1).
"""
from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..files import atomic_write_json, read_image, read_json, sha256_file
from ..labels import LabelSet
from ..paper import table1_frame
from ..world import WORLD_LABELS
from .grounded import grounded_targets, learn_evidence
from .sampling import INT_COLUMNS, KINDS, SAMPLE_COLUMNS, SPLITS, BuildConfig, Kind, make_samples, split_sources
from .sources import source_dir

__all__ = ["SCHEMA_VERSION", "Manifest", "dataset_identity", "load_manifest", "table1", "verify_dataset", "write_manifest"]

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
