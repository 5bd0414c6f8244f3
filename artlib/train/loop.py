"""The training loop of Section 5: epochs of Adam steps, validation each epoch, the epoch with
the lowest validation loss kept and read once on the test split; resumable, and DDP-aware.

Shown in chapters 2 and 3.
"""
from __future__ import annotations

import contextlib
import io
import math
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch
import torch.distributed as dist
from tqdm import tqdm

from ..data import ARTDataset, collate, dataset_identity, subset_rows
from ..files import read_json, sha256_file
from ..outputs import OutputFolder, output_folder
from ..model import Verifier, VerifierConfig
from .checkpoint import check_run_record, load_checkpoint, load_weights, save_checkpoint
from .run import finished_disagreement, run_diffs
from .config import TrainConfig, check_recipe, resolve_device
from .metrics import metrics, predict, validation_loss

__all__ = ["read_metrics", "train", "train_like"]

_RUN_FILES = ("metrics.json", "best.pt", "checkpoint.pt", "predictions.npz")


def _dist_info() -> tuple[int, int]:
    """``(rank, world size)``; joins the process group under ``torchrun`` (gloo on CPU, NCCL on CUDA)."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world > 1 and not dist.is_initialized():
        dist.init_process_group("nccl" if torch.cuda.is_available() else "gloo")
    return (dist.get_rank(), dist.get_world_size()) if world > 1 else (0, 1)


def _verified_result(out_dir: Path, verifier_cfg: VerifierConfig, train_cfg: TrainConfig,
                     data_id: str) -> dict[str, Any] | None:
    """The metrics of a finished run with these settings, verified against its checkpoints.

    Returns ``None`` when the run is not finished; raises ``ValueError`` when the folder
    claims a finished run that its checkpoints contradict.
    """
    done = out_dir / "metrics.json"
    if not done.exists():
        return None
    prev = read_json(done)
    if not isinstance(prev, dict) or not prev.get("dataset") or run_diffs(prev, verifier_cfg, train_cfg, True, "metrics.json",
                                                                          data_id):
        return None
    try:
        for name in ("best.pt", "checkpoint.pt"):
            check_run_record(out_dir / name)  # the hash metrics.json records for it
        last = load_checkpoint(out_dir / "checkpoint.pt", verifier_cfg, train_cfg, data_id)
        best = load_checkpoint(out_dir / "best.pt", verifier_cfg, train_cfg, data_id)
    except (FileNotFoundError, ValueError) as exc:
        raise ValueError(f"{out_dir}: metrics.json describes a finished run, but its checkpoint cannot be "
                         f"trusted ({exc}); run again with --restart (resume=False)") from exc
    if problem := finished_disagreement(prev, last, best, train_cfg.epochs):
        raise ValueError(f"{out_dir}: {problem}; run again with --restart (resume=False)")
    pred = out_dir / "predictions.npz"
    if not pred.is_file() or sha256_file(pred) != prev.get("predictions_sha256") or not prev.get("checkpoints"):
        return None  # predictions missing or changed, or an older record without the checkpoints' hashes: _test_once again
    return _measures_as_floats(prev)


def _measures_as_floats(result: dict[str, Any]) -> dict[str, Any]:
    """``metrics.json`` as :func:`train` returns it: an undefined measure (written as JSON ``null``,
    see :func:`artlib.files.json_safe`) read back as NaN, as it was computed."""
    nan = lambda rec: {k: (math.nan if v is None else v) for k, v in rec.items()}  # noqa: E731
    out = dict(result)
    out["history"] = [nan(h) for h in result["history"]]
    for split in ("val", "test"):
        if isinstance(result.get(split), dict):
            out[split] = nan(result[split])
    return out


@dataclass
class _Splits:
    """The three splits and the rows of each that the run uses."""

    train: ARTDataset
    val: ARTDataset
    test: ARTDataset
    train_rows: np.ndarray
    val_rows: np.ndarray
    test_rows: np.ndarray
    spatial_mean: float  # the training rows' mean spatial target (the RMSE baseline)

    @classmethod
    def load(cls, cfg: TrainConfig) -> "_Splits":
        train_ds = ARTDataset(cfg.data_dir, "train")
        val_ds, test_ds = ARTDataset(train_ds.manifest, "val"), ARTDataset(train_ds.manifest, "test")
        train_rows = subset_rows(len(train_ds), cfg.train_limit, cfg.seed)
        spatial_mean = float(np.mean(train_ds.manifest.samples["spatial"][train_ds.rows[train_rows]]))
        return cls(train_ds, val_ds, test_ds, train_rows, subset_rows(len(val_ds), cfg.val_limit, cfg.seed),
                   subset_rows(len(test_ds), cfg.test_limit, cfg.seed), spatial_mean)


def _restore(path: Path, model: Verifier, opt: torch.optim.Optimizer, verifier_cfg: VerifierConfig,
             train_cfg: TrainConfig, data_id: str) -> tuple[list[dict[str, float]], int]:
    """Load the last checkpoint into ``model`` and ``opt``; returns ``(history, epochs done)``."""
    ckpt = load_checkpoint(path, verifier_cfg, train_cfg, data_id)
    if ckpt["epoch"] > train_cfg.epochs:
        raise ValueError(f"{path}: the run already has {ckpt['epoch']} epochs, more than the {train_cfg.epochs} "
                         "requested; use another folder or --restart (resume=False)")
    load_weights(model, ckpt["model"], path)
    try:
        opt.load_state_dict(ckpt["optimizer"])
    except (ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"{path}: the optimizer state does not fit this model ({exc}); run again with --restart") from None
    torch.set_rng_state(ckpt["rng"]["torch"])
    if "cuda" in ckpt["rng"] and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(ckpt["rng"]["cuda"])
    return list(ckpt["history"]), int(ckpt["epoch"])


def _epoch_rows(train_rows: np.ndarray, cfg: TrainConfig, epoch: int, rank: int, world: int) -> tuple[np.ndarray, int]:
    """This process's shuffled rows of an epoch and the number of steps (last partial batch dropped)."""
    g = torch.Generator().manual_seed(cfg.seed * 100_003 + epoch)
    order = train_rows[torch.randperm(len(train_rows), generator=g).numpy()]
    steps = len(order) // (cfg.batch_size * world)
    return order[: steps * cfg.batch_size * world][rank::world], steps


def _train_epoch(net: torch.nn.Module, model: Verifier, opt: torch.optim.Optimizer, ds: ARTDataset, rows: np.ndarray,
                 steps: int, cfg: TrainConfig, device: torch.device, bar: tqdm) -> dict[str, float]:
    """One epoch of Adam steps; returns the mean training losses."""
    model.train()
    run_loss, sums = float("nan"), {"loss": 0.0, "loss_content": 0.0, "loss_spatial": 0.0}
    for step in bar:
        b = collate([ds[int(r)] for r in rows[step * cfg.batch_size : (step + 1) * cfg.batch_size]])
        out = net(b["fg"].to(device), b["bg"].to(device), b["parse"].to(device))
        losses = model.loss(out, b["content"].to(device), b["spatial"].to(device))
        opt.zero_grad(set_to_none=True)
        losses["loss"].backward()
        opt.step()
        for k in sums:
            sums[k] += losses[k].item()
        v = losses["loss"].item()
        run_loss = v if math.isnan(run_loss) else 0.95 * run_loss + 0.05 * v
        bar.set_postfix(loss=f"{run_loss:.4f}", refresh=False)
    return {f"train_{k}": v / max(steps, 1) for k, v in sums.items()}


def _validate(model: Verifier, data: _Splits, device: torch.device,
              on_epoch: Callable[[Verifier], dict[str, float]] | None) -> dict[str, float]:
    """The epoch's validation loss and metrics, and the caller's own measures (``on_epoch``)."""
    pred = predict(model, data.val, data.val_rows, device=device)
    rec = {"val_loss": validation_loss(model, pred), **metrics(pred, data.spatial_mean)}
    if on_epoch is not None:
        model.eval()
        rec.update(on_epoch(model))
    return rec


def _test_once(out: OutputFolder, model: Verifier, data: _Splits, device: torch.device, verifier_cfg: VerifierConfig,
               train_cfg: TrainConfig, history: list[dict[str, float]], world: int, data_id: str) -> dict[str, Any]:
    """Read the test split once with the epoch chosen on validation; write the run's results, with
    the SHA-256 of both checkpoints (checked before a finished run or its ``best.pt`` is trusted)."""
    best = load_checkpoint(out.root / "best.pt", verifier_cfg, train_cfg, data_id)
    load_weights(model, best["model"], out.root / "best.pt")
    pred = predict(model, data.test, data.test_rows, device=device)
    buf = io.BytesIO()
    np.savez(buf, **pred, rows=data.test.rows[data.test_rows])
    pred_sha = out.write_bytes("predictions.npz", buf.getvalue())
    result = {"verifier_config": verifier_cfg.to_dict(), "train_config": asdict(train_cfg),
              "dataset": data_id, "world_size": world,
              "history": history, "best_epoch": int(best["epoch"]), "val": history[int(best["epoch"]) - 1],
              "test": {"epoch": int(best["epoch"]), **metrics(pred, data.spatial_mean)},
              "predictions_sha256": pred_sha,
              "checkpoints": {name: sha256_file(out.root / name) for name in ("best.pt", "checkpoint.pt")}}
    out.write_json("metrics.json", result)
    return result


def _optimizer(model: Verifier, verifier_cfg: VerifierConfig, train_cfg: TrainConfig, out_dir: Path,
               resume: bool, data_id: str) -> tuple[torch.optim.Optimizer, list[dict[str, float]], int]:
    """The verifier's Adam optimizer, both restored from the last checkpoint when resuming.

    Returns ``(optimizer, history, epochs done)``. A restart (``resume=False``) has already
    removed the old run's files (:func:`artlib.outputs.output_folder` with ``overwrite``).
    """
    opt = torch.optim.Adam(model.parameters(), lr=train_cfg.lr, betas=(train_cfg.beta1, train_cfg.beta2))
    if resume and (out_dir / "checkpoint.pt").exists():
        return opt, *_restore(out_dir / "checkpoint.pt", model, opt, verifier_cfg, train_cfg, data_id)
    return opt, [], 0


def _save_epoch(out: OutputFolder | None, model: Verifier, opt: torch.optim.Optimizer, train_cfg: TrainConfig,
                history: list[dict[str, float]], data_id: str) -> None:
    """Checkpoint the epoch just recorded in ``history``; also as ``best.pt`` when its validation loss is the lowest."""
    epoch = history[-1]["epoch"]
    if history[-1]["val_loss"] <= min(h["val_loss"] for h in history):
        save_checkpoint(out.claim("best.pt"), model, None, epoch, train_cfg, history, data_id)
    save_checkpoint(out.claim("checkpoint.pt"), model, opt, epoch, train_cfg, history, data_id)


def _adopt_run(root: Path) -> list[str] | None:
    """The files of a run an artlib older than the folder rule wrote (only a run's files, a
    checkpoint among them), else ``None`` (:mod:`artlib.outputs`)."""
    names = {p.name for p in root.iterdir()} - {".artlib.lock"}
    if not names <= set(_RUN_FILES) or not names & {"checkpoint.pt", "best.pt"}:
        return None
    return sorted(names)


def _check_steps(data: _Splits, cfg: TrainConfig, world: int) -> None:
    """Refuse settings under which an epoch takes no optimizer step (the model would stay untrained)."""
    if len(data.train_rows) // (cfg.batch_size * world) == 0:
        per = f" x {world} processes" if world > 1 else ""
        raise ValueError(f"batch_size {cfg.batch_size}{per} is larger than the {len(data.train_rows)} training samples "
                         f"of {cfg.data_dir}: no optimizer step would be taken; lower batch_size or raise train_limit")


def _check_out_dir(out_dir: Path) -> None:
    if out_dir.exists() and not out_dir.is_dir():
        raise ValueError(f"{out_dir}: exists and is not a folder")


def train(verifier_cfg: VerifierConfig, train_cfg: TrainConfig, out_dir: str | os.PathLike,
          resume: bool = True, progress: bool = True, verbose: bool = True,
          on_epoch: Callable[[Verifier], dict[str, float]] | None = None) -> dict[str, Any]:
    """Train a verifier; returns the content of ``metrics.json``.

    With ``resume`` and a checkpoint in ``out_dir`` whose configuration matches, training
    continues after its last finished epoch; a finished run is verified and returned at once.
    ``progress`` shows a tqdm bar per epoch with the running loss; ``verbose`` prints one line
    of validation metrics per epoch. The epoch with the lowest validation loss is kept
    (``best.pt``) and evaluated once on the test split. ``on_epoch(model)`` (model in eval
    mode) returns more measures to record in each epoch's history, for example the oracle's
    placement measures on validation scenes (never used to choose the epoch).
    """
    check_recipe(verifier_cfg, train_cfg)
    device = resolve_device(train_cfg.device)
    out_dir = Path(out_dir)
    _check_out_dir(out_dir)
    data_id = dataset_identity(train_cfg.data_dir)  # hashed once: every check of this run compares it
    if resume and (prev := _verified_result(out_dir, verifier_cfg, train_cfg, data_id)) is not None:
        return prev
    rank, world = _dist_info()
    if world > 1 and device.type == "cuda":
        device = torch.device("cuda", int(os.environ.get("LOCAL_RANK", 0)))
        torch.cuda.set_device(device)
    data = _Splits.load(train_cfg)
    _check_steps(data, train_cfg, world)

    torch.manual_seed(train_cfg.seed)
    model = Verifier(verifier_cfg, data.train.manifest.labels).to(device)  # a bad encoder is refused before any write
    # the run folder is claimed by process 0 (DDP's other processes only read it)
    claim = output_folder(out_dir, "train", None, inputs={"--data-dir": train_cfg.data_dir,
                                                          "--pretrained-path": verifier_cfg.pretrained_path},
                          overwrite=not resume, adopt=_adopt_run, flag="--restart")
    with claim if rank == 0 else contextlib.nullcontext() as out:
        if world > 1:
            dist.barrier()  # a restart's files are gone before any process looks for a checkpoint
        opt, history, start = _optimizer(model, verifier_cfg, train_cfg, out_dir, resume, data_id)
        net: torch.nn.Module = model
        if world > 1:
            net = torch.nn.parallel.DistributedDataParallel(model, device_ids=[device.index] if device.type == "cuda" else None)
        for epoch in range(start, train_cfg.epochs):
            mine, steps = _epoch_rows(data.train_rows, train_cfg, epoch, rank, world)
            bar = tqdm(range(steps), desc=f"epoch {epoch + 1}/{train_cfg.epochs}", disable=not progress or rank != 0, mininterval=5)
            t0 = time.perf_counter()
            losses = _train_epoch(net, model, opt, data.train, mine, steps, train_cfg, device, bar)
            seconds = time.perf_counter() - t0
            if rank == 0:
                rec = {"epoch": epoch + 1, "seconds": seconds,
                       "samples_per_s": steps * train_cfg.batch_size * world / max(seconds, 1e-9),
                       **losses, **_validate(model, data, device, on_epoch)}
                history.append(rec)
                _save_epoch(out, model, opt, train_cfg, history, data_id)
                if verbose:
                    print(f"epoch {epoch + 1}: loss {rec['train_loss']:.4f} | validation: loss {rec['val_loss']:.4f}, "
                          f"AUC {rec['auc']:.3f}, RMSE {rec['rmse']:.3f}", flush=True)
            if world > 1:
                dist.barrier()

        result: dict[str, Any] = {}
        if rank == 0:
            if not history:
                raise RuntimeError(f"{out_dir}: no epoch finished")
            result = _test_once(out, model, data, device, verifier_cfg, train_cfg, history, world, data_id)
        if world > 1:
            dist.barrier()
    return result


def read_metrics(out_dir: str | os.PathLike) -> dict[str, Any]:
    """The ``metrics.json`` of a finished run (undefined measures as NaN)."""
    path = Path(out_dir) / "metrics.json"
    data = read_json(path)
    if not isinstance(data, dict) or not isinstance(data.get("history"), list):
        raise ValueError(f"{path}: not the metrics of a finished run")
    return _measures_as_floats(data)


def train_like(run: str | os.PathLike, out_dir: str | os.PathLike, progress: bool = False, verbose: bool = False,
               **overrides: Any) -> dict[str, Any]:
    """Train a variant of the finished ``run``: its data and training settings, its verifier
    options with ``overrides`` (for example ``spatial_input="shapes"``); resumable like :func:`train`.

    Raises:
        ValueError: ``run`` is not a finished run, or an override is no verifier option or a bad value.
    """
    from dataclasses import fields, replace

    record = read_metrics(run)
    unknown = set(overrides) - {f.name for f in fields(VerifierConfig)}
    if unknown:
        raise ValueError(f"not verifier options: {sorted(unknown)}")
    vcfg = replace(VerifierConfig.from_dict(record["verifier_config"]), **overrides)
    return train(vcfg, TrainConfig.from_dict(record["train_config"]), out_dir, progress=progress, verbose=verbose)
