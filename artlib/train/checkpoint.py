"""Checkpoints of the verifier: written atomically, read with ``weights_only=True``, checked
against the configuration and the dataset they are meant to continue or describe.

Shown in chapter 2.
"""
from __future__ import annotations

import hashlib
import io
import os
from dataclasses import asdict
from pathlib import Path
from typing import Any

import torch

from ..files import atomic_write_bytes, read_json, sha256_file, shown, torch_load
from ..labels import LabelSet
from ..model import Verifier, VerifierConfig
from .config import TrainConfig
from .run import run_diffs

__all__ = ["check_run_record", "check_state", "load_checkpoint", "load_verifier", "load_weights", "read_record", "save_checkpoint",
           "state_digest"]

_REQUIRED = ("model", "verifier_config", "train_config", "epoch")


def state_digest(state: dict[str, torch.Tensor]) -> str:
    """SHA-256 of a state dict's names, dtypes, shapes and bytes: stored with the weights, so a
    flipped byte in any tensor is found on load. A checksum (public and unkeyed), not a seal."""
    h = hashlib.sha256()
    for k in sorted(state):
        t = state[k]
        h.update(repr((k, str(t.dtype), tuple(t.shape))).encode())
        h.update(t.detach().cpu().contiguous().view(-1).view(torch.uint8).numpy().tobytes() if t.numel() else b"")
    return h.hexdigest()


def check_state(record: dict[str, Any], path: str | os.PathLike, what: str, key: str = "model") -> None:
    """Refuse weights that do not hash to the checksum stored with them (``key + "_sha256"``; records
    an artlib older than the checksum wrote have none) or that hold a value that is not finite.

    Raises:
        ValueError: naming ``path``: changed or corrupt weights, or NaN / infinite ones.
    """
    state = record.get(key)
    if not isinstance(state, dict) or not all(isinstance(t, torch.Tensor) for t in state.values()):
        raise ValueError(f"{shown(path)}: the {what}'s {key!r} is not a state dict of tensors")
    want = record.get(f"{key}_sha256")
    if want is not None and state_digest(state) != want:
        raise ValueError(f"{shown(path)}: the {what}'s weights do not match the checksum stored with them (changed or "
                         "corrupt); train it again")
    bad = [k for k, t in state.items() if t.is_floating_point() and not bool(torch.isfinite(t).all())]
    if bad:
        raise ValueError(f"{shown(path)}: the {what} holds weights that are not finite numbers (NaN or infinite, in "
                         f"{bad[0]}{' and more' if len(bad) > 1 else ''}); train it again")


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
    state = model.state_dict()
    torch.save(
        {
            "model": state,
            "model_sha256": state_digest(state),
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


def read_record(path: Path, required: tuple[str, ...], what: str) -> dict[str, Any]:
    """A file written with ``torch.save``, read with ``weights_only=True``, that must hold ``required`` keys.

    Raises:
        FileNotFoundError: no such file (``"{path}: no such {what}"``).
        ValueError: unreadable, or not an artlib ``what`` (a required key missing).
    """
    ckpt = torch_load(path, what)
    missing = [k for k in required if not isinstance(ckpt, dict) or k not in ckpt]
    if missing:
        raise ValueError(f"{shown(path)}: not an artlib {what} (missing {missing[0]!r})")
    if "model" in required:
        check_state(ckpt, path, what)
    return ckpt


def load_checkpoint(path: str | os.PathLike, verifier_cfg: VerifierConfig | None = None,
                    train_cfg: TrainConfig | None = None, dataset: str | None = None) -> dict[str, Any]:
    """Load a checkpoint with ``weights_only=True``; check it against the given configs and the
    dataset's identity (``dataset``, when the caller has hashed it; :func:`artlib.train.run.run_diffs`).

    Raises:
        FileNotFoundError: no such file.
        ValueError: unreadable, or built with another configuration (the message lists
            the differing options).
    """
    path = Path(path)
    ckpt = read_record(path, _REQUIRED, "checkpoint")
    if diffs := run_diffs(ckpt, verifier_cfg, train_cfg, dataset=dataset):
        raise ValueError(f"{path}: checkpoint configuration does not match: " + "; ".join(diffs))
    return ckpt


def load_verifier(path: str | os.PathLike, device: str = "cpu") -> Verifier:
    """A trained verifier in eval mode, from a checkpoint file or a run folder (its ``best.pt``).

    Its label set is the checkpoint's: a verifier's labels come from the data it was trained on.
    """
    path = Path(path)
    if path.is_dir():
        path = path / "best.pt"
    check_run_record(path)
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


def check_run_record(path: Path) -> None:
    """Check a checkpoint against the hash its run's ``metrics.json`` (beside it) records, if it records one.

    Raises:
        ValueError: the file differs from the record (changed, replaced or corrupt).
    """
    record_path = path.parent / "metrics.json"
    if not record_path.is_file():
        return
    try:
        want = (read_json(record_path).get("checkpoints") or {}).get(path.name)
    except (ValueError, AttributeError):
        return  # not a run's record: the checkpoint's own checksum still applies
    if want is not None and path.is_file() and sha256_file(path) != want:
        raise ValueError(f"{shown(path)}: does not match the hash {record_path.name} records for it (changed, replaced or "
                         "corrupt); train again (--restart)")


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
