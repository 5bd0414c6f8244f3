"""Checkpoints of the verifier: written atomically, read with ``weights_only=True``, checked
against the configuration and the dataset they are meant to continue or describe.

Shown in chapter 2.
"""
from __future__ import annotations

import io
import os
from dataclasses import asdict
from pathlib import Path
from typing import Any

import torch

from ..data import dataset_identity
from ..files import atomic_write_bytes, torch_load_error
from ..labels import LabelSet
from ..model import Verifier, VerifierConfig
from ..model.placement_map import verifier_identity
from .config import TrainConfig

__all__ = ["load_checkpoint", "load_verifier", "load_weights", "model_identity", "run_diffs", "save_checkpoint"]

_REQUIRED = ("model", "verifier_config", "train_config", "epoch")


def model_identity(verifier: Verifier) -> str:
    """SHA-256 of a verifier's configuration and weights: the same weights give the same identity
    (:func:`artlib.model.placement_map.verifier_identity`, cached on the verifier)."""
    return verifier_identity(verifier)


def _rng_state() -> dict[str, Any]:
    state: dict[str, Any] = {"torch": torch.get_rng_state()}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def save_checkpoint(path: str | os.PathLike, model: Verifier, optimizer: torch.optim.Optimizer | None, epoch: int,
                    train_cfg: TrainConfig, history: list[dict[str, float]], dataset: str | None = None) -> None:
    """Write a checkpoint atomically (tensors and plain values only: loadable with weights_only).

    It carries the model's configuration and label set, the training settings, the RNG states
    and the validation history; ``dataset`` is the training data's
    :func:`~artlib.data.dataset_identity`, checked when the run resumes.
    """
    buf = io.BytesIO()
    torch.save(
        {
            "model": model.state_dict(),
            "optimizer": optimizer.state_dict() if optimizer is not None else {},
            "epoch": epoch,
            "rng": _rng_state(),
            "verifier_config": model.config.to_dict(),
            "labels": model.labels.to_dict(),
            "train_config": asdict(train_cfg),
            "dataset": dataset,
            "history": history,
        },
        buf,
    )
    atomic_write_bytes(path, buf.getvalue())


def _comparable(train_cfg: dict[str, Any]) -> dict[str, Any]:
    """Training settings that must match to resume (the number of epochs may grow; the dataset
    is compared by its identity, not by how its folder was spelled)."""
    return {k: v for k, v in train_cfg.items() if k not in ("epochs", "device", "data_dir")}


def _diffs(have: dict[str, Any], want: dict[str, Any], what: str) -> list[str]:
    return [f"{k}: {what} {have.get(k)!r} != requested {v!r}" for k, v in want.items() if have.get(k) != v]


def run_diffs(record: dict[str, Any], verifier_cfg: VerifierConfig | None, train_cfg: TrainConfig | None,
              same_epochs: bool = False, what: str = "checkpoint") -> list[str]:
    """How a run's record (a checkpoint or ``metrics.json``) differs from the requested settings.

    The one answer to "is this the same run?": the verifier's configuration, the training
    settings that matter (:func:`_comparable`; with ``same_epochs`` also the number of epochs)
    and the dataset's identity. Returns one line per difference (empty when the same).
    """
    diffs = []
    if verifier_cfg is not None:
        diffs += _diffs(record.get("verifier_config") or {}, verifier_cfg.to_dict(), what)
    if train_cfg is not None:
        have = record.get("train_config") or {}
        diffs += _diffs(_comparable(have), _comparable(asdict(train_cfg)), what)
        if same_epochs and have.get("epochs") != train_cfg.epochs:
            diffs.append(f"epochs: {what} {have.get('epochs')!r} != requested {train_cfg.epochs!r}")
        if record.get("dataset") is not None and record["dataset"] != dataset_identity(train_cfg.data_dir):
            diffs.append(f"dataset: {what} trained on another dataset than {train_cfg.data_dir}")
    return diffs


def read_record(path: Path, required: tuple[str, ...], what: str) -> dict[str, Any]:
    """A file written with ``torch.save``, read with ``weights_only=True``, that must hold ``required`` keys.

    Raises:
        FileNotFoundError: no such file (``"{path}: no such {what}"``).
        ValueError: unreadable, or not an artlib ``what`` (a required key missing).
    """
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such {what}")
    try:
        ckpt = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises several types for bad files
        raise torch_load_error(path, exc, what) from None
    missing = [k for k in required if not isinstance(ckpt, dict) or k not in ckpt]
    if missing:
        raise ValueError(f"{path}: not an artlib {what} (missing {missing[0]!r})")
    return ckpt


def load_checkpoint(path: str | os.PathLike, verifier_cfg: VerifierConfig | None = None,
                    train_cfg: TrainConfig | None = None) -> dict[str, Any]:
    """Load a checkpoint with ``weights_only=True``; check it against the given configs.

    Raises:
        FileNotFoundError: no such file.
        ValueError: unreadable, or built with another configuration (the message lists
            the differing options).
    """
    path = Path(path)
    ckpt = read_record(path, _REQUIRED, "checkpoint")
    if diffs := run_diffs(ckpt, verifier_cfg, train_cfg):
        raise ValueError(f"{path}: checkpoint configuration does not match: " + "; ".join(diffs))
    return ckpt


def load_verifier(path: str | os.PathLike, device: str = "cpu") -> Verifier:
    """A trained verifier in eval mode, from a checkpoint file or a run folder (its ``best.pt``).

    Its label set is the checkpoint's: a verifier's labels come from the data it was trained on.
    """
    path = Path(path)
    if path.is_dir():
        path = path / "best.pt"
    ckpt = load_checkpoint(path)
    if "labels" not in ckpt:
        raise ValueError(f"{path}: the checkpoint holds no label set (an artlib older than the one that stores it "
                         "wrote it); train again")
    try:
        labels = LabelSet.from_dict(ckpt["labels"])
        cfg = VerifierConfig.from_dict(ckpt["verifier_config"])
    except (TypeError, ValueError, KeyError) as exc:
        raise ValueError(f"{path}: the checkpoint's configuration is not usable ({exc})") from exc
    model = Verifier(cfg, labels, pretrained=False)  # every weight comes from the checkpoint
    load_weights(model, ckpt["model"], path)
    return model.to(device).eval()


def load_weights(model: torch.nn.Module, state: Any, path: str | os.PathLike) -> None:
    """``model.load_state_dict(state)``, with one line naming ``path`` when the weights do not fit.

    Raises:
        ValueError: missing or unexpected keys, or tensors of other shapes (another architecture).
    """
    if not isinstance(state, dict):
        raise ValueError(f"{path}: the checkpoint's 'model' is not a state dict")
    try:
        model.load_state_dict(state)
    except RuntimeError as exc:
        lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
        detail = "; ".join(lines[1:3]) if len(lines) > 1 else (lines[0] if lines else "")
        if len(detail) > 300:
            detail = detail[:300] + "..."
        raise ValueError(f"{path}: the weights do not fit the verifier its configuration describes "
                         f"(another architecture or a damaged checkpoint): {detail}") from None
