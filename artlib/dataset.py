"""The ART dataset of Section 3: sources on disk, a manifest of samples, a torch Dataset.

For each source ``i`` the build stores, once, under ``sources/NNNNNN/``:

* ``image.png``  the photo (a person standing in a scene), RGB;
* ``person.png`` the person's tight sprite, RGBA (straight alpha);
* ``fg.png``     the foreground F_i: the sprite on an empty full canvas, RGBA;
* ``bg.png``     the background B_i, RGB: the scene rendered without the person
  (``background_mode="clean"``) or the photo with the person cut out and the hole
  inpainted (``"inpaint"``, as the paper's pipeline does);
* ``parse.png``  the parsing map S_i of B_i, one label id per pixel (8-bit gray);
* ``meta.json``  place, outfit, placement, split and SHA-256 of every file; written last,
  so its presence marks a finished source and a killed build resumes after it.

``manifest.json`` then lists every sample (Section 3, "Training Data Preparation"):

========  =========  ===========  ===============================================
kind      content    spatial      what
========  =========  ===========  ===============================================
``D+``    1          1            F_i at its own place on B_i
``D_s-``  1          eq. (1)      F_i moved and scaled (``spatial_per_positive``)
``D_c-``  0          0            F_j, j != i, on B_i (``content_per_positive``)
========  =========  ===========  ===============================================

The paper's Table 1 prints the spatial column of the two negative rows swapped; we follow
the authors' code (content negatives carry spatial target 0). Content negatives are drawn
by derangements within a split, so no foreground meets its own background. The
train/validation/test split is by source, so no foreground and no background appears in two
splits (the authors' split shares them, which makes their test numbers optimistic).

Two sampling recipes (``BuildConfig.recipe``):

* ``"paper"`` (Section 3): a content negative F_j keeps its own original placement, with
  spatial target 0;
* ``"balanced"`` (ours): a content negative F_j on B_i is placed the way positives and
  spatial negatives of B_i are, relative to the person removed from B_i: at that person's
  placement (probability ``1 / (1 + spatial_per_positive)``) or moved from it by a draw of
  the ``D_s-`` distribution, with the spatial target of eq. (1) relative to that placement.
  Placement then carries no information about content, and every sample has a meaningful
  spatial target. No oracle is used: real photos have none.

Moved foregrounds F' are rendered on the fly by :class:`ARTDataset`, from the sprite.
"""
from __future__ import annotations

import math
import os
from dataclasses import asdict, dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch
from tqdm import tqdm

from . import synth
from .compose import Placement, placement_box, render_foreground
from .config import check_types, strict_from_dict
from .files import atomic_write_json, read_image, read_json, sha256_file, write_png
from .inpaint import inpaint_background
from .score import max_displacement, spatial_score

SCHEMA_VERSION = 2
KINDS: tuple[str, ...] = ("D+", "D_s-", "D_c-")
SPLITS: tuple[str, ...] = ("train", "val", "test")
RECIPES: tuple[str, ...] = ("paper", "balanced")
SOURCE_FILES: tuple[str, ...] = ("image.png", "person.png", "fg.png", "bg.png", "parse.png")
BACKGROUND_MODES = ("clean", "inpaint")


@dataclass(frozen=True)
class BuildConfig:
    """Everything that determines a dataset; stored in ``build.json`` and the manifest.

    Spatial negatives (``D_s-``) move the anchor by ``u * x_max`` in a uniformly random
    direction, ``u ~ U(0, shift_max_fraction)``, and scale the person by
    ``r = exp(U(log ratio_min, log ratio_max))``; a draw is kept when the new anchor lies
    on the canvas, the person fits (``scale <= 0.95``) and at least ``min_visible`` of
    its box stays on the canvas (else it is drawn again). The paper does not publish its
    ranges.
    """

    n_sources: int
    size: int = 64
    seed: int = 0
    background_mode: str = "clean"
    shadow: bool = True
    recipe: str = "paper"
    test_fraction: float = 0.2
    val_fraction: float = 0.1
    spatial_per_positive: int = 2
    content_per_positive: int = 2
    shift_max_fraction: float = 1.0
    ratio_min: float = 0.5
    ratio_max: float = 2.0
    min_visible: float = 0.5

    def __post_init__(self) -> None:
        check_types(self)
        if self.n_sources < 2:
            raise ValueError(f"n_sources must be at least 2, got {self.n_sources}")
        if self.size < 16:
            raise ValueError(f"size must be at least 16 px, got {self.size}")
        if self.seed < 0:
            raise ValueError(f"seed must be >= 0, got {self.seed}")
        for name in ("spatial_per_positive", "content_per_positive"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1 (the paper makes 2 per positive), got {getattr(self, name)}")
        if not 0 < self.shift_max_fraction <= 1:
            raise ValueError(f"shift_max_fraction must be in (0, 1], got {self.shift_max_fraction}")
        if not 0 < self.min_visible <= 1:
            raise ValueError(f"min_visible must be in (0, 1] (a share of the box on the canvas), got {self.min_visible}")
        if self.background_mode not in BACKGROUND_MODES:
            raise ValueError(f"background_mode must be one of {BACKGROUND_MODES}, got {self.background_mode!r}")
        if self.recipe not in RECIPES:
            raise ValueError(f"recipe must be one of {RECIPES}, got {self.recipe!r}")
        if not (0 < self.test_fraction < 1 and 0 < self.val_fraction < 1 and self.test_fraction + self.val_fraction < 1):
            raise ValueError(f"test_fraction and val_fraction must be in (0, 1) with a sum below 1, "
                             f"got {self.test_fraction} and {self.val_fraction}")
        if not 0 < self.ratio_min <= 1 <= self.ratio_max:
            raise ValueError(f"need 0 < ratio_min <= 1 <= ratio_max, got {self.ratio_min}, {self.ratio_max}")
        sizes = split_sizes(self.n_sources, self.test_fraction, self.val_fraction)
        if min(sizes) <= self.content_per_positive:
            raise ValueError(
                f"each split needs more than content_per_positive={self.content_per_positive} sources "
                f"for the derangements; got {dict(zip(SPLITS, sizes))} from n_sources={self.n_sources}"
            )

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "BuildConfig":
        return strict_from_dict(cls, d, "dataset parameters")


def split_sizes(n: int, test_fraction: float, val_fraction: float) -> tuple[int, int, int]:
    """Sources per split ``(train, val, test)``."""
    n_test, n_val = int(round(n * test_fraction)), int(round(n * val_fraction))
    return n - n_test - n_val, n_val, n_test


def split_sources(n: int, test_fraction: float, val_fraction: float, seed: int) -> np.ndarray:
    """Assign each source to a split: ``(n,)`` indices into :data:`SPLITS`, by source."""
    order = np.random.default_rng([seed, 7]).permutation(n)
    _, n_val, n_test = split_sizes(n, test_fraction, val_fraction)
    split = np.zeros(n, np.int64)
    split[order[:n_test]] = SPLITS.index("test")
    split[order[n_test : n_test + n_val]] = SPLITS.index("val")
    return split


def cyclic_derangement(n: int, rng: np.random.Generator) -> np.ndarray:
    """Sattolo's algorithm: a uniformly random ``n``-cycle, so ``perm[i] != i`` for all i.

    Its powers ``perm^k`` for ``0 < k < n`` are derangements too, and differ from each
    other at every position, which gives several distinct content negatives per positive.
    """
    perm = np.arange(n)
    for i in range(n - 1, 0, -1):
        j = int(rng.integers(0, i))
        perm[i], perm[j] = perm[j], perm[i]
    return perm


def visible_fraction(box: np.ndarray) -> float:
    """Fraction of a box's area inside the unit canvas."""
    x0, y0, x1, y1 = box
    inter = max(0.0, min(x1, 1) - max(x0, 0)) * max(0.0, min(y1, 1) - max(y0, 0))
    area = (x1 - x0) * (y1 - y0)
    return inter / area if area > 0 else 0.0


def sample_moved(
    placement: Placement, rng: np.random.Generator, cfg: BuildConfig, aspect: float = synth.ASPECT, tries: int = 100
) -> tuple[Placement, float, float]:
    """Draw a spatial negative's placement; returns ``(placement, distance, ratio)``."""
    xmax = max_displacement(placement.x, placement.y)
    lo, hi = math.log(cfg.ratio_min), math.log(cfg.ratio_max)
    for _ in range(tries):
        theta = rng.uniform(0, 2 * math.pi)
        d = rng.uniform(0, cfg.shift_max_fraction) * xmax
        r = math.exp(rng.uniform(lo, hi))
        p = Placement(placement.x + d * math.cos(theta), placement.y + d * math.sin(theta), placement.scale * r)
        if not (0 <= p.x <= 1 and 0 <= p.y <= 1 and p.scale <= 0.95):
            continue
        box = np.array([p.x - p.scale * aspect / 2, p.y - p.scale, p.x + p.scale * aspect / 2, p.y])
        if visible_fraction(box) >= cfg.min_visible:
            return p, float(d), float(r)
    return placement, 0.0, 1.0  # pragma: no cover - vanishingly rare with the default ranges


# ----------------------------------------------------------------------------- sources
def source_dir(root: str | os.PathLike, index: int) -> Path:
    return Path(root) / "sources" / f"{index:06d}"


def _straight(pre: np.ndarray) -> np.ndarray:
    """Premultiplied ``(H, W, 4)`` -> straight alpha."""
    a = pre[..., 3:]
    rgb = np.where(a > 1e-6, pre[..., :3] / np.maximum(a, 1e-6), 0.0)
    return np.concatenate([np.clip(rgb, 0, 1), a], axis=2)


def write_source(root: str | os.PathLike, index: int, cfg: BuildConfig) -> dict[str, Any]:
    """Render source ``index`` of the world and write its files; ``meta.json`` last."""
    ws = synth.make_world_sample(cfg.seed, index, cfg.size, shadow=cfg.shadow)
    H, W = ws.scene.labels.shape
    fg = render_foreground(ws.sprite, ws.placement, (H, W))
    if cfg.background_mode == "clean":
        bg = ws.scene.background
    else:
        bg = inpaint_background(ws.image, fg[..., 3])
    d = source_dir(root, index)
    arrays = {
        "image.png": ws.image,
        "person.png": ws.sprite,
        "fg.png": _straight(fg),
        "bg.png": bg,
        "parse.png": ws.scene.labels,
    }
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
        "sha256": hashes,
    }
    atomic_write_json(d / "meta.json", meta)
    return meta


def _write_source_job(args: tuple[str, int, dict[str, Any]]) -> dict[str, Any]:
    root, index, cfg = args
    return write_source(root, index, BuildConfig(**cfg))


# ----------------------------------------------------------------------------- manifest
@dataclass
class Manifest:
    """A built dataset: its root, config, per-source metadata and the sample table.

    ``samples`` columns (all numpy arrays of one length): ``kind`` (index into
    :data:`KINDS`), ``fg`` and ``bg`` (source indices), ``x``, ``y``, ``scale`` (where F is
    drawn), ``content``, ``spatial`` (targets), ``distance``, ``ratio`` (of eq. 1) and
    ``split`` (index into :data:`SPLITS`).
    """

    root: Path
    config: BuildConfig
    sources: list[dict[str, Any]]
    samples: dict[str, np.ndarray]
    repaired: list[int] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.samples["kind"])

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


def make_samples(cfg: BuildConfig, sources: list[dict[str, Any]]) -> dict[str, np.ndarray]:
    """The sample table of Section 3 for a list of source metadata (deterministic)."""
    n = len(sources)
    split = np.array([s["split"] for s in sources])
    cols: dict[str, list] = {k: [] for k in ("kind", "fg", "bg", "x", "y", "scale", "content", "spatial", "distance", "ratio", "split")}

    def add(kind, fg, bg, p, content, spatial, dist, ratio):
        for k, v in zip(cols, (kind, fg, bg, p.x, p.y, p.scale, content, spatial, dist, ratio, split[bg])):
            cols[k].append(v)

    placements = [Placement(*s["placement"]) for s in sources]
    partner: dict[int, list[int]] = {i: [] for i in range(n)}
    for sp in range(len(SPLITS)):
        members = np.flatnonzero(split == sp)
        perm = cyclic_derangement(len(members), np.random.default_rng([cfg.seed, 3, sp]))
        power = np.arange(len(members))
        for _ in range(cfg.content_per_positive):
            power = perm[power]
            for a, b in zip(members, members[power]):
                partner[int(a)].append(int(b))
    for i in range(n):
        p = placements[i]
        add(0, i, i, p, 1.0, 1.0, 0.0, 1.0)
        rng = np.random.default_rng([cfg.seed, i, 2])
        xmax = max_displacement(p.x, p.y)
        for _ in range(cfg.spatial_per_positive):
            q, dist, ratio = sample_moved(p, rng, cfg)
            add(1, i, i, q, 1.0, float(spatial_score(dist, xmax, ratio)), dist, ratio)
        rng_c = np.random.default_rng([cfg.seed, i, 4])
        for j in partner[i]:
            if cfg.recipe == "paper":
                add(2, j, i, placements[j], 0.0, 0.0, 0.0, 1.0)
            elif rng_c.random() < 1.0 / (1 + cfg.spatial_per_positive):
                add(2, j, i, p, 0.0, 1.0, 0.0, 1.0)
            else:
                q, dist, ratio = sample_moved(p, rng_c, cfg)
                add(2, j, i, q, 0.0, float(spatial_score(dist, xmax, ratio)), dist, ratio)
    out = {k: np.asarray(v) for k, v in cols.items()}
    for k in ("kind", "fg", "bg", "split"):
        out[k] = out[k].astype(np.int64)
    for k in ("x", "y", "scale", "content", "spatial", "distance", "ratio"):
        out[k] = out[k].astype(np.float64)
    return out


def _manifest_json(cfg: BuildConfig, sources: list[dict[str, Any]], samples: dict[str, np.ndarray]) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "seed": cfg.seed,
        "config": asdict(cfg),
        "sources": sources,
        "samples": {k: v.tolist() for k, v in samples.items()},
    }


_INT_COLUMNS = ("kind", "fg", "bg", "split")
_FLOAT_COLUMNS = ("x", "y", "scale", "content", "spatial", "distance", "ratio")


def _check_samples(path: Path, samples: Any, n_sources: int) -> dict[str, np.ndarray]:
    """The sample table as arrays, every column present and every value in its range."""
    if not isinstance(samples, dict):
        raise ValueError(f"{path}: 'samples' must map column names to lists, got {type(samples).__name__}")
    missing = [c for c in (*_INT_COLUMNS, *_FLOAT_COLUMNS) if c not in samples]
    if missing:
        raise ValueError(f"{path}: the sample table lacks the columns {missing}")
    try:
        out = {c: np.asarray(samples[c], np.int64) for c in _INT_COLUMNS}
        out.update({c: np.asarray(samples[c], np.float64) for c in _FLOAT_COLUMNS})
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{path}: a sample column holds values of the wrong type ({exc})") from exc
    if len({len(v) for v in out.values()}) != 1 or any(v.ndim != 1 for v in out.values()):
        raise ValueError(f"{path}: the sample columns differ in length")
    checks = {
        "kind": (out["kind"] >= 0) & (out["kind"] < len(KINDS)), "split": (out["split"] >= 0) & (out["split"] < len(SPLITS)),
        "fg": (out["fg"] >= 0) & (out["fg"] < n_sources), "bg": (out["bg"] >= 0) & (out["bg"] < n_sources),
        "content": np.isin(out["content"], (0.0, 1.0)), "spatial": (out["spatial"] >= 0) & (out["spatial"] <= 1),
        "x": (out["x"] >= 0) & (out["x"] <= 1), "y": (out["y"] >= 0) & (out["y"] <= 1),
        "scale": (out["scale"] > 0) & (out["scale"] <= 1), "distance": out["distance"] >= 0, "ratio": out["ratio"] > 0,
    }
    for col, ok in checks.items():
        if not ok.all():  # NaN fails every comparison
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
            f"version {SCHEMA_VERSION}. Rebuild the dataset with this version."
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


def _bad_sources(root: Path, n: int, hashes: bool) -> dict[int, str]:
    """Finished sources whose files are missing, of another size, or (with ``hashes``) changed."""
    bad = {}
    for i in range(n):
        d = source_dir(root, i)
        try:
            meta = read_json(d / "meta.json")
        except (FileNotFoundError, ValueError):
            continue  # not finished: rendered anyway
        for name, want in meta.get("sha256", {}).items():
            f = d / name
            if not f.is_file():
                bad[i] = f"{f}: missing"
            elif "bytes" in meta and f.stat().st_size != meta["bytes"].get(name):
                bad[i] = f"{f}: size differs from its record"
            elif hashes and sha256_file(f) != want:
                bad[i] = f"{f}: content differs from its hash"
            if i in bad:
                break
    return bad


def _check_root(root: Path, cfg: BuildConfig) -> None:
    """Refuse a folder that is a file or holds a dataset of other parameters; write build.json."""
    if root.exists() and not root.is_dir():
        raise ValueError(f"{root}: exists and is not a folder")
    cfg_path = root / "build.json"
    want = asdict(cfg)
    if cfg_path.exists():
        have = read_json(cfg_path)
        started = (root / "manifest.json").exists() or any((root / "sources").glob("*/meta.json"))
        if have != want and started:
            diff = {k: (have.get(k), v) for k, v in want.items() if have.get(k) != v}
            raise ValueError(f"{cfg_path}: {root} holds a dataset built with other parameters {diff}; use another folder")
    root.mkdir(parents=True, exist_ok=True)
    atomic_write_json(cfg_path, want)


def build_dataset(
    root: str | os.PathLike, cfg: BuildConfig, workers: int = 1, progress: bool = True, verify: bool = True
) -> Manifest:
    """Build (or resume building, or verify and repair) the ART dataset under ``root``.

    Safe to kill and re-run: finished sources (those with ``meta.json``) are kept, and the
    manifest is written atomically at the end. A folder built with other parameters is
    refused rather than mixed. A re-run checks every finished source's files against their
    record (sizes always, SHA-256 hashes unless ``verify=False``) and renders again the
    sources whose files are missing or changed; :attr:`Manifest.repaired` lists them.

    Args:
        root: output folder.
        cfg: the dataset's parameters (validated when constructed, before anything is written).
        workers: processes rendering sources (1 = in this process). With more than one, a
            script must guard its entry point with ``if __name__ == "__main__":`` (Python's
            spawn start method re-imports it); notebooks need nothing.
        progress: show a tqdm progress bar.
        verify: check the hashes of finished sources on a re-run (sizes are always checked).
    """
    root = Path(root)
    _check_root(root, cfg)
    bad = _bad_sources(root, cfg.n_sources, verify)
    for i in bad:
        (source_dir(root, i) / "meta.json").unlink()
    if bad:
        (root / "manifest.json").unlink(missing_ok=True)
    if (root / "manifest.json").exists():
        return load_manifest(root)
    todo = [i for i in range(cfg.n_sources) if not (source_dir(root, i) / "meta.json").exists()]
    bar = tqdm(total=cfg.n_sources, initial=cfg.n_sources - len(todo), desc="sources", disable=not progress, mininterval=2)
    if workers > 1 and len(todo) > 1:
        with get_context("spawn").Pool(workers) as pool:
            for _ in pool.imap_unordered(_write_source_job, [(str(root), i, asdict(cfg)) for i in todo], chunksize=8):
                bar.update()
    else:
        for i in todo:
            write_source(root, i, cfg)
            bar.update()
    bar.close()
    split = split_sources(cfg.n_sources, cfg.test_fraction, cfg.val_fraction, cfg.seed)
    sources = []
    for i in range(cfg.n_sources):
        meta = read_json(source_dir(root, i) / "meta.json")
        meta["split"] = int(split[i])
        sources.append(meta)
    samples = make_samples(cfg, sources)
    atomic_write_json(root / "manifest.json", _manifest_json(cfg, sources, samples))
    manifest = load_manifest(root)
    manifest.repaired = sorted(bad)
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
    counts = {s: [int(np.sum((kind == k) & (split == j))) for k in range(3)] for j, s in enumerate(SPLITS)}
    dc = "0" if manifest.config.recipe == "paper" else "1 or eq. (1) (balanced)"
    return pd.DataFrame(
        {
            "content label": [True, True, False],
            "spatial score": ["1", "eq. (1) in (0, 1)", dc],
            **counts,
            "number of cases": [int(np.sum(kind == k)) for k in range(3)],
        },
        index=list(KINDS),
    )


# ----------------------------------------------------------------------------- torch
@dataclass
class SourceImages:
    """The images of one source, as read from disk (uint8)."""

    sprite: np.ndarray
    background: np.ndarray
    labels: np.ndarray


def read_source(root: str | os.PathLike, index: int, size: int, hashes: dict[str, str] | None = None) -> SourceImages:
    """Read and validate the files of one source that training needs.

    With ``hashes`` (a source's ``sha256`` record in the manifest) every file must match its
    hash: a background swapped for another valid image is refused, not trained on.
    """
    d = source_dir(root, index)
    h = hashes or {}
    labels = read_image(d / "parse.png", "L", (size, size), h.get("parse.png"))
    if int(labels.max()) >= len(synth.LABELS):
        raise ValueError(f"{d / 'parse.png'}: label id {int(labels.max())} outside the {len(synth.LABELS)} labels")
    return SourceImages(
        sprite=read_image(d / "person.png", "RGBA", sha256=h.get("person.png")),
        background=read_image(d / "bg.png", "RGB", (size, size), h.get("bg.png")),
        labels=labels,
    )


class ARTDataset(torch.utils.data.Dataset):
    """Samples of a built dataset as tensors; moved foregrounds are rendered on the fly.

    Each item is a dict:

    * ``fg``: ``(4, H, W)`` float32, F as premultiplied RGBA in [0, 1] (the person on a
      black, transparent canvas at the sample's placement);
    * ``bg``: ``(3, H, W)`` float32 RGB in [0, 1], the background B;
    * ``parse``: ``(H, W)`` int64 label ids of S (see :data:`artlib.synth.LABELS`);
    * ``content``, ``spatial``: float32 targets; ``kind``: int64 index into :data:`KINDS`;
    * ``placement``: ``(3,)`` float32 ``(x, y, scale)`` of F.

    Args:
        data: a dataset folder or a loaded :class:`Manifest`.
        split: ``"train"``, ``"val"``, ``"test"`` or ``"all"``.
        cache: keep decoded source images in memory (per worker process).
    """

    def __init__(self, data: str | os.PathLike | Manifest, split: str = "train", cache: bool = True):
        self.manifest = data if isinstance(data, Manifest) else load_manifest(data)
        self.rows = self.manifest.rows(split)
        self.cache = cache
        self._cache: dict[int, SourceImages] = {}
        self._tensors: dict[int, tuple[np.ndarray, torch.Tensor, torch.Tensor]] = {}
        self.size = self.manifest.config.size
        s = self.manifest.samples
        self._targets = {
            "content": torch.from_numpy(s["content"][self.rows].astype(np.float32)),
            "spatial": torch.from_numpy(s["spatial"][self.rows].astype(np.float32)),
            "kind": torch.from_numpy(s["kind"][self.rows]),
            "placement": torch.from_numpy(np.stack([s["x"], s["y"], s["scale"]], 1)[self.rows].astype(np.float32)),
        }

    def __len__(self) -> int:
        return len(self.rows)

    def source(self, index: int) -> SourceImages:
        if index in self._cache:
            return self._cache[index]
        src = read_source(self.manifest.root, index, self.size, self.manifest.sources[index].get("sha256"))
        if self.cache:
            self._cache[index] = src
        return src

    def _source_tensors(self, index: int) -> tuple[np.ndarray, torch.Tensor, torch.Tensor]:
        """Float sprite, ``(3, H, W)`` background and ``(H, W)`` labels of a source (cached)."""
        if index in self._tensors:
            return self._tensors[index]
        src = self.source(index)
        out = (
            src.sprite.astype(np.float32) / 255.0,
            torch.from_numpy(src.background.transpose(2, 0, 1).astype(np.float32) / 255.0),
            torch.from_numpy(src.labels.astype(np.int64)),
        )
        if self.cache:
            self._tensors[index] = out
        return out

    def __getitem__(self, k: int) -> dict[str, torch.Tensor]:
        s = self.manifest.samples
        r = int(self.rows[k])
        p = Placement(float(s["x"][r]), float(s["y"][r]), float(s["scale"][r]))
        sprite = self._source_tensors(int(s["fg"][r]))[0]
        _, bg, parse = self._source_tensors(int(s["bg"][r]))
        fg = render_foreground(sprite, p, (self.size, self.size))
        # bg and parse are the cached tensors themselves: do not modify them in place
        return {
            "fg": torch.from_numpy(np.ascontiguousarray(fg.transpose(2, 0, 1))),
            "bg": bg,
            "parse": parse,
            **{name: t[k] for name, t in self._targets.items()},
        }

    def box(self, k: int) -> np.ndarray:
        """The bounding box of sample ``k``'s foreground (normalised units)."""
        s = self.manifest.samples
        r = int(self.rows[k])
        sprite = self.source(int(s["fg"][r])).sprite
        return placement_box(sprite.shape[:2], Placement(s["x"][r], s["y"][r], s["scale"][r]), (self.size, self.size))


# ----------------------------------------------------------------------------- checks
def scene_of(manifest: Manifest, index: int) -> synth.Scene:
    """The oracle's view of source ``index``: its place, horizon, camera rule and labels."""
    meta = manifest.sources[index]
    src = read_source(manifest.root, index, manifest.config.size, meta.get("sha256"))
    light = np.asarray(synth.PLACE_SPECS[meta["place"]].light, np.float32)
    return synth.Scene(meta["place"], meta["horizon"], meta["camera_k"], src.labels, src.background / 255.0, light)


def sample_plausible(manifest: Manifest) -> np.ndarray:
    """``(len(manifest),)`` bool: is each sample's foreground placement plausible on its background (oracle)?"""
    s = manifest.samples
    plaus = np.zeros(len(manifest), bool)
    for b in np.unique(s["bg"]):
        rows = np.flatnonzero(s["bg"] == b)
        plaus[rows] = synth.plausible_mask(scene_of(manifest, int(b)), s["x"][rows], s["y"][rows], s["scale"][rows])
    return plaus


def label_noise(manifest: Manifest) -> pd.DataFrame:
    """How often the paper's labelling assumption is wrong, judged by the world's oracle.

    Section 3 assumes every other foreground/background pairing is inconsistent and every
    random move implausible. The table gives, per kind, the share of samples whose outfit
    fits the background's place (``compatible``) and whose placement is physically
    plausible (``plausible``). For ``D_c-``, ``compatible`` is the content-label noise.
    """
    s = manifest.samples
    outfit = np.array([m["outfit"] for m in manifest.sources])
    place = np.array([m["place"] for m in manifest.sources])
    comp = np.array([synth.compatible(o, p) for o, p in zip(outfit[s["fg"]], place[s["bg"]])])
    plaus = sample_plausible(manifest)
    out = []
    for k, name in enumerate(KINDS):
        m = s["kind"] == k
        out.append({"kind": name, "samples": int(m.sum()), "compatible": comp[m].mean(), "plausible": plaus[m].mean(),
                    "compatible and plausible": (comp & plaus)[m].mean()})
    return pd.DataFrame(out).set_index("kind")


def placement_by_content(manifest: Manifest) -> pd.Series:
    """The shortcut in a recipe: share of plausibly placed foregrounds among content-consistent
    samples (``D+`` and ``D_s-``) and among content negatives. Equal shares: placement says
    nothing about the content label."""
    plaus, content = sample_plausible(manifest), manifest.samples["content"] >= 0.5
    return pd.Series({"plausible among content-consistent": plaus[content].mean(),
                      "plausible among content negatives": plaus[~content].mean()})


def leak_study(seed: int, n: int, size: int, shadow: bool = True, hit_iou: float = 0.3) -> tuple[pd.DataFrame, list]:
    """Does an inpainted background betray where the person stood?

    For ``n`` world photos the person is cut out and the hole inpainted (as in the
    ``inpaint`` background mode); :func:`artlib.inpaint.locate_hole` then guesses the
    person's box from the background alone, on the inpainted and on the clean background.

    Returns:
        A DataFrame with one row per photo (``iou_inpainted``, ``iou_clean``,
        ``hole_error``: mean absolute colour error inside the person's box), and rows for
        :func:`artlib.plots.leak_examples`.
    """
    from .compose import box_iou
    from .inpaint import locate_hole

    recs, examples = [], []
    for i in range(n):
        ws = synth.make_world_sample(seed, 10_000_000 + i, size, shadow=shadow)
        fg = render_foreground(ws.sprite, ws.placement, ws.scene.labels.shape)
        filled = inpaint_background(ws.image, fg[..., 3])
        g_inp, g_clean = locate_hole(filled), locate_hole(ws.scene.background)
        x0, y0, x1, y1 = np.clip(np.round(ws.box * size).astype(int), 0, size)
        err = float(np.abs(filled - ws.scene.background)[y0:y1, x0:x1].mean()) if (x1 > x0 and y1 > y0) else 0.0
        recs.append({
            "place": ws.scene.place,
            "iou_inpainted": 0.0 if g_inp is None else float(box_iou(g_inp, ws.box)),
            "iou_clean": 0.0 if g_clean is None else float(box_iou(g_clean, ws.box)),
            "hole_error": err,
        })
        if len(examples) < 4:
            examples.append((ws.image, ws.scene.background, filled, ws.box, g_inp))
    df = pd.DataFrame(recs)
    df["found_inpainted"] = df["iou_inpainted"] >= hit_iou
    df["found_clean"] = df["iou_clean"] >= hit_iou
    return df, examples
