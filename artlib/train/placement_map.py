"""Training a :class:`~artlib.model.PlacementMap` for one verifier: distilled, on eq. (1), or both.

Each step takes ``batch_size`` training photos of a built dataset (each person on their own
background) and ``placements`` placements per photo: half uniform over the feasible set, half
near where the person stood (a Gaussian of 0.1 canvas in ``x`` and ``y`` and 0.2 in ``log s``,
projected onto the feasible set). The map's logit ``z`` at each placement is fitted to a soft
target ``p`` by binary cross-entropy ``-p log sigma(z) - (1 - p) log(1 - sigma(z))``:

* ``"distil"``: ``p`` is the verifier's spatial score at that placement (the teacher, one
  rendering and one spatial pass per placement, at training time only);
* ``"eq1"``: ``p`` is eq. (1)'s spatial score of the move from the person's own placement
  (:func:`artlib.score.spatial_score`), the paper's self-supervision, with no verifier;
* ``"both"``: the mean of the two losses.

Adam, a fixed number of epochs, one shuffled pass over the training photos each. The run is a
folder with ``placement_map.pt`` (written atomically after every epoch: weights, optimizer, RNG
state, both configs, the label set, the verifier's identity, the dataset's identity and the loss
history); a stopped run resumes from it and a finished one is returned after its record is
checked, never retrained. :func:`load_placement_map` reads it with ``weights_only=True``.

Shown in chapter 4.
"""
from __future__ import annotations

import io
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from tqdm import tqdm

from ..compose import Placement, as_float_image, image_to_tensor, render_foreground_torch, sprite_width
from ..config import check_types, strict_from_dict
from ..feasible import FeasibleSet, project, random_placements
from ..data import SPLITS, dataset_identity, load_manifest, read_source
from ..files import shown
from ..outputs import output_folder
from ..labels import LabelSet
from ..model import PlacementMap, PlacementMapConfig, Verifier, verifier_identity
from ..score import max_displacement, spatial_score
from .checkpoint import load_weights, read_record, state_digest

__all__ = ["MAP_FILE", "MapTrainConfig", "TARGETS", "eq1_targets", "fit_epoch", "load_placement_map", "map_history", "prepare_queries",
           "sample_placements", "teacher_scores", "train_placement_map"]

TARGETS = ("distil", "eq1", "both")
MAP_FILE = "placement_map.pt"
_REQUIRED = ("model", "map_config", "train_config", "labels", "verifier", "dataset", "epoch", "history")


@dataclass(frozen=True)
class MapTrainConfig:
    """How a placement map is trained (see the module docstring)."""

    targets: str = "distil"
    epochs: int = 3
    batch_size: int = 16  # photos per step
    placements: int = 16  # placements per photo per step
    lr: float = 2e-3
    seed: int = 0
    limit: int | None = None  # training photos used (None: all)

    def __post_init__(self) -> None:
        check_types(self)
        if self.targets not in TARGETS:
            raise ValueError(f"targets must be one of {TARGETS}, got {self.targets!r}")
        for name in ("epochs", "batch_size", "placements"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}")
        if not self.lr > 0:
            raise ValueError(f"lr must be > 0, got {self.lr}")
        if self.limit is not None and self.limit < 1:
            raise ValueError(f"limit must be >= 1 or None, got {self.limit}")

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "MapTrainConfig":
        return strict_from_dict(cls, d, "placement map training options")


# ----------------------------------------------------------------------------- targets
def sample_placements(own: np.ndarray, sprite_hw: tuple[int, int], canvas_hw: tuple[int, int], n: int,
                      rng: np.random.Generator, cfg: FeasibleSet | None = None) -> np.ndarray:
    """``(n, 3)`` feasible placements: half uniform, half near ``own`` ``(x, y, s)`` (see the module docstring)."""
    cfg = cfg or FeasibleSet()
    k = n // 2
    uniform = random_placements(n - k, sprite_hw, canvas_hw, cfg, rng)
    near = np.stack([own[0] + rng.normal(0, 0.1, k), own[1] + rng.normal(0, 0.1, k),
                     own[2] * np.exp(rng.normal(0, 0.2, k))], 1)
    return np.concatenate([uniform, project(near, sprite_hw, canvas_hw, cfg)])


def eq1_targets(own: np.ndarray, xyz: np.ndarray) -> np.ndarray:
    """Eq. (1) of moving a person from ``own`` ``(x, y, s)`` to each of ``(M, 3)`` placements: ``(M,)``."""
    x0, y0 = float(np.clip(own[0], 0, 1)), float(np.clip(own[1], 0, 1))
    dist = np.hypot(xyz[:, 0] - own[0], xyz[:, 1] - own[1])
    return np.asarray(spatial_score(dist, max_displacement(x0, y0), xyz[:, 2] / own[2]), np.float64).reshape(-1)


@torch.no_grad()
def teacher_scores(verifier: Verifier, sprites: list[torch.Tensor], bg: torch.Tensor, parse: torch.Tensor,
                   xyz: torch.Tensor) -> torch.Tensor:
    """The verifier's spatial scores of ``(N, M, 3)`` placements of ``sprites[i]`` ``(1, 4, h, w)`` on
    ``bg[i]`` ``(N, 3, H, W)`` / ``parse[i]``: ``(N, M)``, one batched pass, B and S encoded once each."""
    n, m, _ = xyz.shape
    ctx = verifier.encode_context(bg, parse).select(torch.arange(n).repeat_interleave(m))
    fg = torch.cat([render_foreground_torch(s.expand(m, -1, -1, -1), p[:, 0], p[:, 1], p[:, 2], tuple(bg.shape[-2:]))
                    for s, p in zip(sprites, xyz.float())])
    return verifier.score(fg, ctx, ("spatial",))["spatial"].reshape(n, m)


# ----------------------------------------------------------------------------- files
def _record(pm: PlacementMap, opt: torch.optim.Optimizer, epoch: int, cfg: MapTrainConfig, dataset: str,
            history: list[dict[str, float]], rng: np.random.Generator) -> bytes:
    buf = io.BytesIO()
    state = pm.state_dict()
    torch.save({"model": state, "model_sha256": state_digest(state), "optimizer": opt.state_dict(), "epoch": epoch, "map_config": pm.config.to_dict(),
                "train_config": asdict(cfg), "labels": pm.labels.to_dict(), "verifier": pm.verifier, "dataset": dataset,
                "history": history, "rng": {"torch": torch.get_rng_state(), "numpy": rng.bit_generator.state}}, buf)
    return buf.getvalue()


def _adopt_map_folder(root: Path) -> list[str] | None:
    """A map's folder that an artlib older than the folder rule wrote: its map file only (:mod:`artlib.outputs`)."""
    names = {p.name for p in root.iterdir()} - {".artlib.lock"}
    return sorted(names) if names == {MAP_FILE} else None


def _restore_state(path: Path, ckpt: dict[str, Any], opt: torch.optim.Optimizer, rng: np.random.Generator) -> None:
    """Restore the optimizer and both random streams of a map's record to resume it.

    Raises:
        ValueError: naming ``path``, when the record's optimizer or RNG state is missing or unusable.
    """
    try:
        opt.load_state_dict(ckpt["optimizer"])
        torch.set_rng_state(ckpt["rng"]["torch"])
        rng.bit_generator.state = ckpt["rng"]["numpy"]
    except (KeyError, TypeError, ValueError, RuntimeError) as exc:
        detail = f"no {exc}" if isinstance(exc, KeyError) else " ".join(str(exc).split())
        raise ValueError(f"{shown(path)}: the placement map's optimizer or random state cannot be restored ({detail}); "
                         "remove the file to train the map again") from None


def _read(path: Path) -> dict[str, Any]:
    return read_record(path, _REQUIRED, "placement map")


def _build(ckpt: dict[str, Any], path: Path) -> PlacementMap:
    try:
        pm = PlacementMap(PlacementMapConfig.from_dict(ckpt["map_config"]), LabelSet.from_dict(ckpt["labels"]), ckpt["verifier"])
    except (TypeError, ValueError, KeyError) as exc:
        raise ValueError(f"{path}: the placement map's configuration is not usable ({exc})") from exc
    load_weights(pm, ckpt["model"], path)
    return pm.eval()


def map_history(path: str | os.PathLike) -> list[dict[str, float]]:
    """The per-epoch ``loss`` and ``seconds`` of a placement map's run (its file or folder)."""
    path = Path(path)
    return list(_read(path / MAP_FILE if path.is_dir() else path)["history"])


def load_placement_map(path: str | os.PathLike, verifier: Verifier | None = None) -> PlacementMap:
    """A trained placement map in eval mode, from its file or run folder; checked against ``verifier`` if given.

    Raises:
        FileNotFoundError: no such file.
        ValueError: unreadable, not a finished map, or built for another verifier or label set.
    """
    path = Path(path)
    path = path / MAP_FILE if path.is_dir() else path
    ckpt = _read(path)
    epochs = (ckpt.get("train_config") or {}).get("epochs")
    if ckpt["epoch"] != epochs:
        raise ValueError(f"{path}: an unfinished placement map (epoch {ckpt['epoch']} of {epochs}); train it to the end")
    pm = _build(ckpt, path)
    if verifier is not None:
        pm.check_for(verifier, str(path))
    return pm


# ----------------------------------------------------------------------------- training
def _training_photos(data_dir: str | os.PathLike, limit: int | None) -> list[SimpleNamespace]:
    """The training split's photos of a built dataset, each person with their own background."""
    manifest = load_manifest(data_dir)
    ids = [m["index"] for m in manifest.sources if m["split"] == SPLITS.index("train")][:limit]
    out = []
    for i in ids:
        src = read_source(manifest.root, i, manifest.config.size, manifest.sources[i].get("sha256"), len(manifest.labels))
        out.append(SimpleNamespace(sprite=as_float_image(src.sprite, 4, "sprite"), background=as_float_image(src.background, 3, "background"),
                                   parse=src.labels.astype(np.int64), placement=Placement.of(manifest.sources[i]["placement"])))
    return out


def prepare_queries(queries: list) -> list[dict[str, Any]]:
    """Training photos (:class:`~artlib.evaluate.Query`-like: ``sprite``, ``background``, ``parse``,
    ``placement``) as the tensors :func:`fit_epoch` reads."""
    out = []
    for q in queries:
        sprite = image_to_tensor(np.asarray(q.sprite, np.float32))
        out.append({"sprite": sprite, "bg": image_to_tensor(np.asarray(q.background, np.float32))[0],
                    "parse": torch.from_numpy(np.asarray(q.parse, np.int64)), "own": np.array(q.placement.as_tuple()),
                    "sprite_hw": q.sprite.shape[:2], "canvas_hw": q.background.shape[:2],
                    "aspect": sprite_width(q.sprite.shape[:2], 1.0, q.background.shape[:2])})
    return out


def _step(pm: PlacementMap, verifier: Verifier, batch: list[dict[str, Any]], cfg: MapTrainConfig,
          rng: np.random.Generator) -> torch.Tensor:
    dev = next(pm.parameters()).device
    xyz = np.stack([sample_placements(b["own"], b["sprite_hw"], b["canvas_hw"], cfg.placements, rng) for b in batch])
    bg, parse = torch.stack([b["bg"] for b in batch]).to(dev), torch.stack([b["parse"] for b in batch]).to(dev)
    aspect = torch.tensor([b["aspect"] for b in batch], dtype=torch.float32, device=dev)
    xyz_t = torch.from_numpy(xyz).float().to(dev)
    sprites = [b["sprite"].to(dev) for b in batch]
    person = pm.encode_person(torch.cat([pm.person_input(s) for s in sprites]))
    z = pm.logits(pm.encode_context(bg, parse), person, xyz_t, aspect)
    losses = []
    if cfg.targets in ("distil", "both"):
        p = teacher_scores(verifier, sprites, bg, parse, xyz_t)
        losses.append(F.binary_cross_entropy_with_logits(z, p))
    if cfg.targets in ("eq1", "both"):
        p = torch.from_numpy(np.stack([eq1_targets(b["own"], x) for b, x in zip(batch, xyz)])).float().to(dev)
        losses.append(F.binary_cross_entropy_with_logits(z, p))
    return sum(losses) / len(losses)


def fit_epoch(pm: PlacementMap, verifier: Verifier, data: list[dict[str, Any]], cfg: MapTrainConfig,
              opt: torch.optim.Optimizer, rng: np.random.Generator, progress: bool = False, desc: str = "map") -> float:
    """One shuffled pass of Adam steps over ``data`` (:func:`prepare_queries`); returns the mean loss."""
    pm.train()
    order = rng.permutation(len(data))
    total, steps = 0.0, 0
    for i in tqdm(range(0, len(order), cfg.batch_size), desc=desc, disable=not progress, mininterval=5):
        loss = _step(pm, verifier, [data[j] for j in order[i:i + cfg.batch_size]], cfg, rng)
        opt.zero_grad()
        loss.backward()
        opt.step()
        total, steps = total + loss.item(), steps + 1
    pm.eval()
    return total / max(steps, 1)


def train_placement_map(verifier: Verifier, data_dir: str | os.PathLike, out_dir: str | os.PathLike,
                        config: MapTrainConfig | None = None, map_config: PlacementMapConfig | None = None,
                        progress: bool = False) -> PlacementMap:
    """Train (or resume, or return the finished) placement map of ``verifier`` on ``data_dir``'s training photos.

    ``map_config`` defaults to the verifier's image size and its camera cue. The map trains on the
    verifier's device (a GPU under the paper profile) and is returned on the CPU, where the
    adjustment runs. Same seed, same map (CPU).

    Raises:
        ValueError: ``out_dir`` holds a map of other settings, another verifier or another dataset.
    """
    cfg = config or MapTrainConfig()
    vc = verifier.config
    mcfg = map_config or PlacementMapConfig(image_size=vc.image_size, scene_cue=vc.scene_cue)
    out = Path(out_dir)
    path, dataset, ident = out / MAP_FILE, dataset_identity(data_dir), verifier_identity(verifier)
    verifier.eval()
    torch.manual_seed(cfg.seed)
    rng = np.random.default_rng([cfg.seed, 23])
    pm = PlacementMap(mcfg, verifier.labels, ident).to(next(verifier.parameters()).device)
    opt = torch.optim.Adam(pm.parameters(), lr=cfg.lr)
    history: list[dict[str, float]] = []
    start = 0
    with output_folder(out, "train placement map", None, adopt=_adopt_map_folder) as claim:
        if path.exists():
            ckpt = _read(path)
            want = {"map_config": mcfg.to_dict(), "train_config": asdict(cfg), "verifier": ident, "dataset": dataset}
            if diffs := [k for k, v in want.items() if ckpt[k] != v]:
                raise ValueError(f"{path}: a placement map of other settings ({', '.join(diffs)} differ); "
                                 "remove the folder or choose another")
            load_weights(pm, ckpt["model"], path)
            pm.to(next(verifier.parameters()).device)
            _restore_state(path, ckpt, opt, rng)
            start, history = int(ckpt["epoch"]), list(ckpt["history"])
        if start < cfg.epochs:
            data = prepare_queries(_training_photos(data_dir, cfg.limit))
        for epoch in range(start, cfg.epochs):
            t0 = time.perf_counter()
            loss = fit_epoch(pm, verifier, data, cfg, opt, rng, progress, f"map epoch {epoch + 1}/{cfg.epochs}")
            history.append({"epoch": epoch + 1, "loss": loss, "seconds": time.perf_counter() - t0})
            claim.write_bytes(MAP_FILE, _record(pm, opt, epoch + 1, cfg, dataset, history, rng))
    return load_placement_map(path, verifier)
