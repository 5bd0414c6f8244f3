"""Optimisation settings of Section 5 (:class:`TrainConfig`) and the checks made before training.

Shown in chapter 2.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..config import check_types, strict_from_dict
from ..model import VerifierConfig

__all__ = ["FINE_TUNING_LR", "TrainConfig", "check_recipe", "resolve_device"]


@dataclass(frozen=True)
class TrainConfig:
    """Optimisation settings; defaults are the paper's (Section 5: Adam, lr 1e-5, batch 20,
    12 epochs in the authors' code)."""

    #: the built dataset to train on (a folder with manifest.json; artlib build-dataset writes one)
    data_dir: str
    #: passes over the training samples (the authors' code: 12)
    epochs: int = 12
    #: samples per Adam step (the paper: 20)
    batch_size: int = 20
    #: Adam's learning rate (the paper's 1e-5 fine-tunes pretrained encoders; from scratch use about 1e-3)
    lr: float = 1e-5
    #: Adam's first-moment decay
    beta1: float = 0.9
    #: Adam's second-moment decay
    beta2: float = 0.999
    #: seed of the weights' initialisation, the shuffling and the subsets
    seed: int = 0
    #: training samples per epoch (0 = all); a fixed subset, the same every epoch
    train_limit: int = 0
    #: validation samples evaluated per epoch (0 = all)
    val_limit: int = 0
    #: test samples evaluated once at the end (0 = all)
    test_limit: int = 0
    #: where to train: auto (CUDA when present), cpu, cuda or cuda:N
    device: str = "auto"
    #: allow a fine-tuning rate without pretrained weights (see check_recipe)
    from_scratch: bool = False

    def __post_init__(self) -> None:
        check_types(self)
        for name, hi in (("epochs", 10_000), ("batch_size", 4096)):
            if not 1 <= int(getattr(self, name)) <= hi:
                raise ValueError(f"{name} must be in [1, {hi}], got {getattr(self, name)}")
        for name in ("train_limit", "val_limit", "test_limit"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be >= 0 (0 = all samples), got {getattr(self, name)}")
        if self.seed < 0:
            raise ValueError(f"seed must be >= 0, got {self.seed}")
        if not self.lr > 0:
            raise ValueError(f"lr must be > 0, got {self.lr}")

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "TrainConfig":
        return strict_from_dict(cls, d, "training options")


#: Learning rates at or below this are fine-tuning rates (the paper's is 1e-5).
FINE_TUNING_LR = 1e-4


def check_recipe(verifier_cfg: VerifierConfig, train_cfg: TrainConfig) -> None:
    """Refuse to train from scratch at a fine-tuning rate unless ``from_scratch`` says so.

    The paper fine-tunes ImageNet ResNet-50s with Adam 1e-5; the same rate from random
    weights learns far too slowly to mean anything, and would do so silently.
    """
    if train_cfg.lr <= FINE_TUNING_LR and not verifier_cfg.pretrained_path and not train_cfg.from_scratch:
        raise ValueError(
            f"lr {train_cfg.lr:g} is a fine-tuning rate, but pretrained_path is not set: the {verifier_cfg.encoder} "
            "encoders would train from random weights. Set pretrained_path to a local weights file (timm format), "
            "or from_scratch: true to train from scratch at this rate anyway")


def resolve_device(name: str) -> "torch.device":
    """``auto`` (CUDA when present), ``cpu``, ``cuda`` or ``cuda:N``; refused when not usable here."""
    import torch

    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        device = torch.device(name)
    except RuntimeError as exc:
        raise ValueError(f"device must be 'auto', 'cpu', 'cuda' or 'cuda:N', got {name!r}") from exc
    if device.type == "cuda" and (not torch.cuda.is_available() or (device.index or 0) >= torch.cuda.device_count()):
        raise ValueError(f"device {name!r} requested, but this machine has no such CUDA device; use 'cpu' or 'auto'")
    if device.type not in ("cpu", "cuda"):
        raise ValueError(f"device must be 'auto', 'cpu', 'cuda' or 'cuda:N', got {name!r}")
    return device
