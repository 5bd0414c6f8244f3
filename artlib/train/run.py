"""Is this the same run, and is it finished? The one place that answers, for training and the study.

A run's settings are its verifier's configuration, the training settings that change the result
(:func:`comparable`) and the identity of its dataset (:func:`artlib.data.dataset_identity`, the
SHA-256 of the manifest, hashed once per run by the caller). Every record of a run carries them:
each checkpoint and ``metrics.json``. These functions decide on records already read; the files
are :mod:`artlib.train.checkpoint`'s, the loop that acts on the answers :mod:`artlib.train.loop`'s.

* :func:`run_diffs`: how a record differs from the requested settings (resume, or refuse);
* :func:`finished_disagreement`: whether ``metrics.json`` and both checkpoints tell one finished run;
* :func:`matching_run`: a finished run of exactly these settings, to reuse (chapter 3's study).

Shown in chapters 2 and 3.
"""
from __future__ import annotations

import os
from dataclasses import asdict
from pathlib import Path
from typing import Any

from ..data import dataset_identity
from ..files import json_safe, read_json
from ..model import VerifierConfig
from .config import TrainConfig

__all__ = ["comparable", "finished_disagreement", "matching_run", "run_diffs"]


def comparable(train_cfg: dict[str, Any]) -> dict[str, Any]:
    """Training settings that must match to resume (the number of epochs may grow; the dataset
    is compared by its identity, not by how its folder was spelled)."""
    return {k: v for k, v in train_cfg.items() if k not in ("epochs", "device", "data_dir")}


def _diffs(have: dict[str, Any], want: dict[str, Any], what: str) -> list[str]:
    return [f"{k}: {what} {have.get(k)!r} != requested {v!r}" for k, v in want.items() if have.get(k) != v]


def run_diffs(record: dict[str, Any], verifier_cfg: VerifierConfig | None, train_cfg: TrainConfig | None,
              same_epochs: bool = False, what: str = "checkpoint", dataset: str | None = None) -> list[str]:
    """How a run's record (a checkpoint or ``metrics.json``) differs from the requested settings.

    The one answer to "is this the same run?": the verifier's configuration, the training
    settings that matter (:func:`comparable`; with ``same_epochs`` also the number of epochs)
    and the dataset's identity (``dataset``, or hashed here from ``train_cfg.data_dir`` when not
    given). Returns one line per difference (empty when the same).
    """
    diffs = []
    if verifier_cfg is not None:
        diffs += _diffs(record.get("verifier_config") or {}, verifier_cfg.to_dict(), what)
    if train_cfg is not None:
        have = record.get("train_config") or {}
        diffs += _diffs(comparable(have), comparable(asdict(train_cfg)), what)
        if same_epochs and have.get("epochs") != train_cfg.epochs:
            diffs.append(f"epochs: {what} {have.get('epochs')!r} != requested {train_cfg.epochs!r}")
        if record.get("dataset") is not None and record["dataset"] != (dataset or dataset_identity(train_cfg.data_dir)):
            diffs.append(f"dataset: {what} trained on another dataset than {train_cfg.data_dir}")
    return diffs


def finished_disagreement(metrics: dict[str, Any], last: dict[str, Any], best: dict[str, Any], epochs: int) -> str | None:
    """What contradicts a finished run (``metrics.json``, the last checkpoint, ``best.pt``), or None:
    the last checkpoint must be the final epoch with the same history, ``best.pt`` the chosen epoch."""
    if last["epoch"] != epochs or json_safe(last["history"]) != json_safe(metrics["history"]) or \
            best["epoch"] != metrics.get("best_epoch"):
        return (f"metrics.json and the checkpoints disagree (checkpoint epoch {last['epoch']}, best.pt epoch "
                f"{best['epoch']}, metrics best epoch {metrics.get('best_epoch')})")
    return None


def matching_run(folder: str | os.PathLike | None, verifier_cfg: VerifierConfig, train_cfg: TrainConfig) -> Path | None:
    """``folder`` if its ``metrics.json`` records a finished run of exactly these settings (:func:`run_diffs`
    with the same epochs), else ``None``; :func:`artlib.train.train` verifies its checkpoints when it is reused."""
    if not folder or not (Path(folder) / "metrics.json").is_file():
        return None
    prev = read_json(Path(folder) / "metrics.json")
    same = isinstance(prev, dict) and not run_diffs(prev, verifier_cfg, train_cfg, same_epochs=True, what="metrics.json")
    return Path(folder) if same else None
