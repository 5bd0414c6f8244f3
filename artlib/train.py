"""Training and evaluating the verifier (Section 5): loop, metrics, checkpoints, DDP.

The paper trains with Adam (lr 1e-5), batch 20, dropout 0.3 and lambda = 0.5 on a 20% test
split. :func:`train` does the same with any :class:`~artlib.model.VerifierConfig`, shows a
tqdm bar with the running loss, evaluates on the **validation** split every epoch, keeps the
epoch with the lowest validation loss, and reads the **test** split once, at the end, with
that epoch's weights. It writes into its run folder:

* ``checkpoint.pt``: model, optimizer, epoch, RNG states, configs and history, written
  atomically after every epoch (for resuming); :func:`load_checkpoint` reads it with
  ``weights_only=True`` and refuses one whose configuration differs from the requested one;
* ``best.pt``: the same for the epoch chosen on validation (what :func:`load_verifier` loads);
* ``metrics.json``: the configs, the per-epoch validation history, the chosen epoch, and its
  validation and test metrics;
* ``predictions.npz``: the chosen epoch's test predictions, for the book's plots.

A run that is stopped resumes from its last checkpoint and ends with the same weights as an
uninterrupted run (same seed, CPU). A run that looks finished is verified before it is
trusted: both checkpoints must load and agree with ``metrics.json``. Under ``torchrun``
(``WORLD_SIZE > 1``) it trains with DistributedDataParallel: gloo on CPU, NCCL on CUDA;
rank 0 evaluates and writes.
"""
from __future__ import annotations

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
from scipy.stats import spearmanr
from sklearn.metrics import balanced_accuracy_score, roc_auc_score
from tqdm import tqdm

from .config import check_types, strict_from_dict
from .dataset import KINDS, ARTDataset
from .files import atomic_write_bytes, atomic_write_json, read_json
from .model import Verifier, VerifierConfig

__all__ = [
    "FINE_TUNING_LR", "TrainConfig", "check_recipe", "collate", "dataset_identity", "load_checkpoint", "load_verifier", "metrics", "predict", "read_metrics",
    "subset_rows", "train", "validation_loss",
]


@dataclass(frozen=True)
class TrainConfig:
    """Optimisation settings; defaults are the paper's (Section 5: Adam, lr 1e-5, batch 20,
    12 epochs in the authors' code)."""

    data_dir: str
    epochs: int = 12
    batch_size: int = 20
    lr: float = 1e-5
    beta1: float = 0.9
    beta2: float = 0.999
    seed: int = 0
    train_limit: int = 0  # samples per epoch (0 = all); a fixed subset, the same every epoch
    val_limit: int = 0  # validation samples evaluated per epoch (0 = all)
    test_limit: int = 0  # test samples evaluated at the end (0 = all)
    device: str = "auto"
    from_scratch: bool = False  # allow a fine-tuning rate without pretrained weights (see check_recipe)

    def __post_init__(self) -> None:
        check_types(self)
        for name in ("epochs", "batch_size"):
            if int(getattr(self, name)) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}")
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


def _device(name: str) -> torch.device:
    """``auto`` (CUDA when present), ``cpu``, ``cuda`` or ``cuda:N``; refused when not usable here."""
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


def collate(items: list[dict[str, torch.Tensor]]) -> dict[str, torch.Tensor]:
    return {k: torch.stack([it[k] for it in items]) for k in items[0]}


def subset_rows(n: int, limit: int, seed: int) -> np.ndarray:
    """A fixed random subset of ``limit`` of ``n`` rows (all rows when ``limit`` is 0)."""
    if limit <= 0 or limit >= n:
        return np.arange(n)
    return np.sort(np.random.default_rng([seed, 11]).choice(n, limit, replace=False))


# ----------------------------------------------------------------------------- metrics
@torch.no_grad()
def predict(model: Verifier, ds: ARTDataset, rows: np.ndarray, batch_size: int = 64, device: torch.device | None = None) -> dict[str, np.ndarray]:
    """Predictions of ``model`` (in eval mode) on dataset rows: content, spatial and targets."""
    device = device or next(model.parameters()).device
    was = model.training
    model.eval()
    out: dict[str, list] = {k: [] for k in ("content", "spatial", "y_content", "y_spatial", "kind")}
    for i in range(0, len(rows), batch_size):
        b = collate([ds[int(r)] for r in rows[i : i + batch_size]])
        pred = model(b["fg"].to(device), b["bg"].to(device), b["parse"].to(device))
        out["content"].append(pred["content"].float().cpu())
        out["spatial"].append(pred["spatial"].float().cpu())
        out["y_content"].append(b["content"])
        out["y_spatial"].append(b["spatial"])
        out["kind"].append(b["kind"])
    model.train(was)
    return {k: torch.cat(v).numpy() for k, v in out.items()}


def validation_loss(model: Verifier, pred: dict[str, np.ndarray]) -> float:
    """The training loss (:meth:`Verifier.loss`) evaluated on predictions.

    For a 2-way softmax head, cross-entropy depends only on the predicted probability, so
    ``log([1 - p, p])`` stands in for the logits.
    """
    p = torch.as_tensor(pred["content"], dtype=torch.float64).clamp(1e-12, 1 - 1e-12)
    out = {"content": p, "content_logits": torch.log(torch.stack([1 - p, p], 1)),
           "spatial": torch.as_tensor(pred["spatial"], dtype=torch.float64)}
    y_c = torch.as_tensor(pred["y_content"], dtype=torch.float64)
    return float(model.loss(out, y_c, torch.as_tensor(pred["y_spatial"], dtype=torch.float64))["loss"])


def metrics(pred: dict[str, np.ndarray], train_spatial_mean: float) -> dict[str, float]:
    """Metrics of Section 5 and more (see the chapter on the verifier).

    * ``accuracy``, ``balanced_accuracy``, ``auc``: content classification (threshold 0.5);
    * ``rmse``: spatial RMSE over all samples (the paper's Task 2 RMSE);
    * ``rmse_mean_baseline``: RMSE of always predicting the training mean target;
    * ``rmse_spatial_neg``, ``spearman_spatial_neg``: on spatial negatives only, RMSE and
      Spearman correlation of the predicted score with eq. (1);
    * ``content_mean_K``, ``spatial_mean_K``: mean predictions per sample kind ``K``.
    """
    yc, p = pred["y_content"], pred["content"]
    ys, q = pred["y_spatial"], pred["spatial"]
    sneg = pred["kind"] == KINDS.index("D_s-")
    out = {
        "accuracy": float(np.mean((p >= 0.5) == (yc >= 0.5))),
        "balanced_accuracy": float(balanced_accuracy_score(yc >= 0.5, p >= 0.5)),
        "auc": float(roc_auc_score(yc >= 0.5, p)) if len(np.unique(yc)) == 2 else float("nan"),
        "rmse": float(np.sqrt(np.mean((q - ys) ** 2))),
        "rmse_mean_baseline": float(np.sqrt(np.mean((train_spatial_mean - ys) ** 2))),
        "rmse_spatial_neg": float(np.sqrt(np.mean((q[sneg] - ys[sneg]) ** 2))) if sneg.any() else float("nan"),
        "spearman_spatial_neg": float(spearmanr(q[sneg], ys[sneg]).statistic) if sneg.sum() > 2 else float("nan"),
    }
    for k, name in enumerate(KINDS):
        m = pred["kind"] == k
        out[f"content_mean_{name}"] = float(p[m].mean()) if m.any() else float("nan")
        out[f"spatial_mean_{name}"] = float(q[m].mean()) if m.any() else float("nan")
    return out


# ----------------------------------------------------------------------------- checkpoints
def _rng_state() -> dict[str, Any]:
    state: dict[str, Any] = {"torch": torch.get_rng_state()}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def save_checkpoint(path: str | os.PathLike, model: Verifier, optimizer: torch.optim.Optimizer | None, epoch: int,
                    train_cfg: TrainConfig, history: list[dict[str, float]], dataset: str | None = None) -> None:
    """Write a checkpoint atomically (tensors and plain values only: loadable with weights_only).

    ``dataset`` is the training data's :func:`dataset_identity`, checked when the run resumes.
    """
    buf = io.BytesIO()
    torch.save(
        {
            "model": model.state_dict(),
            "optimizer": optimizer.state_dict() if optimizer is not None else {},
            "epoch": epoch,
            "rng": _rng_state(),
            "verifier_config": model.config.to_dict(),
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


def dataset_identity(data_dir: str | os.PathLike) -> str:
    """SHA-256 of a dataset's ``manifest.json``: the same for a relative and an absolute path."""
    from .files import sha256_file

    path = Path(data_dir) / "manifest.json"
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file (is {data_dir} a built dataset?)")
    return sha256_file(path)


def _config_diffs(have: dict[str, Any], want: dict[str, Any]) -> list[str]:
    return [f"{k}: checkpoint {have.get(k)!r} != requested {v!r}" for k, v in want.items() if have.get(k) != v]


def load_checkpoint(path: str | os.PathLike, verifier_cfg: VerifierConfig | None = None,
                    train_cfg: TrainConfig | None = None) -> dict[str, Any]:
    """Load a checkpoint with ``weights_only=True``; check it against the given configs.

    Raises:
        FileNotFoundError: no such file.
        ValueError: unreadable, or built with another configuration (the message lists
            the differing options).
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such checkpoint")
    try:
        ckpt = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises several types for bad files
        raise ValueError(f"{path}: not a readable checkpoint ({exc.__class__.__name__}: {exc})") from exc
    if not isinstance(ckpt, dict) or any(k not in ckpt for k in ("model", "verifier_config", "train_config", "epoch")):
        missing = [k for k in ("model", "verifier_config", "train_config", "epoch") if not isinstance(ckpt, dict) or k not in ckpt]
        raise ValueError(f"{path}: not an artlib checkpoint (missing {missing[0]!r})")
    diffs = []
    if verifier_cfg is not None:
        diffs += _config_diffs(ckpt["verifier_config"], verifier_cfg.to_dict())
    if train_cfg is not None:
        diffs += _config_diffs(_comparable(ckpt["train_config"]), _comparable(asdict(train_cfg)))
        if ckpt.get("dataset") is not None and ckpt["dataset"] != dataset_identity(train_cfg.data_dir):
            diffs.append(f"dataset: checkpoint trained on another dataset than {train_cfg.data_dir}")
    if diffs:
        raise ValueError(f"{path}: checkpoint configuration does not match: " + "; ".join(diffs))
    return ckpt


def load_verifier(path: str | os.PathLike, device: str = "cpu") -> Verifier:
    """A trained verifier in eval mode, from a checkpoint file or a run folder (its ``best.pt``)."""
    path = Path(path)
    if path.is_dir():
        path = path / "best.pt"
    ckpt = load_checkpoint(path)
    model = Verifier(VerifierConfig.from_dict(ckpt["verifier_config"]))
    model.load_state_dict(ckpt["model"])
    return model.to(device).eval()


# ----------------------------------------------------------------------------- loop
def _dist_info() -> tuple[int, int]:
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world > 1 and not dist.is_initialized():
        backend = "nccl" if torch.cuda.is_available() else "gloo"
        dist.init_process_group(backend)
    return (dist.get_rank(), dist.get_world_size()) if world > 1 else (0, 1)


def _finished(out_dir: Path, verifier_cfg: VerifierConfig, train_cfg: TrainConfig) -> dict[str, Any] | None:
    """The metrics of a finished run with these settings, verified against its checkpoints.

    Returns ``None`` when the run is not finished; raises ``ValueError`` when the folder
    claims a finished run that its checkpoints contradict.
    """
    done = out_dir / "metrics.json"
    if not done.exists():
        return None
    prev = read_json(done)
    same = (isinstance(prev, dict) and prev.get("verifier_config") == verifier_cfg.to_dict()
            and _comparable(prev.get("train_config", {})) == _comparable(asdict(train_cfg))
            and prev.get("train_config", {}).get("epochs") == train_cfg.epochs
            and prev.get("dataset") == dataset_identity(train_cfg.data_dir))
    if not same:
        return None
    try:
        last = load_checkpoint(out_dir / "checkpoint.pt", verifier_cfg, train_cfg)
        best = load_checkpoint(out_dir / "best.pt", verifier_cfg, train_cfg)
    except (FileNotFoundError, ValueError) as exc:
        raise ValueError(f"{out_dir}: metrics.json describes a finished run, but its checkpoint cannot be "
                         f"trusted ({exc}); run again with --restart (resume=False)") from exc
    if last["epoch"] != train_cfg.epochs or last["history"] != prev["history"] or best["epoch"] != prev["best_epoch"]:
        raise ValueError(f"{out_dir}: metrics.json and the checkpoints disagree (checkpoint epoch {last['epoch']}, "
                         f"best.pt epoch {best['epoch']}, metrics best epoch {prev.get('best_epoch')}); "
                         "run again with --restart (resume=False)")
    return prev


def _restore(path: Path, model: Verifier, opt: torch.optim.Optimizer, verifier_cfg: VerifierConfig,
             train_cfg: TrainConfig) -> tuple[list[dict[str, float]], int]:
    """Load the last checkpoint into ``model`` and ``opt``; returns ``(history, epochs done)``."""
    ckpt = load_checkpoint(path, verifier_cfg, train_cfg)
    if ckpt["epoch"] > train_cfg.epochs:
        raise ValueError(f"{path}: the run already has {ckpt['epoch']} epochs, more than the {train_cfg.epochs} "
                         "requested; use another folder or --restart (resume=False)")
    model.load_state_dict(ckpt["model"])
    opt.load_state_dict(ckpt["optimizer"])
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


def _finish(out_dir: Path, model: Verifier, test_ds: ARTDataset, test_rows: np.ndarray, device: torch.device,
            verifier_cfg: VerifierConfig, train_cfg: TrainConfig, history: list[dict[str, float]],
            spatial_mean: float, world: int) -> dict[str, Any]:
    """Read the test split once with the epoch chosen on validation; write the run's results."""
    best = load_checkpoint(out_dir / "best.pt", verifier_cfg, train_cfg)
    model.load_state_dict(best["model"])
    pred = predict(model, test_ds, test_rows, device=device)
    np.savez(out_dir / "predictions.npz", **pred, rows=test_ds.rows[test_rows])
    result = {"verifier_config": verifier_cfg.to_dict(), "train_config": asdict(train_cfg),
              "dataset": dataset_identity(train_cfg.data_dir), "world_size": world,
              "history": history, "best_epoch": int(best["epoch"]), "val": history[int(best["epoch"]) - 1],
              "test": {"epoch": int(best["epoch"]), **metrics(pred, spatial_mean)}}
    atomic_write_json(out_dir / "metrics.json", result)
    return result


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
    device = _device(train_cfg.device)
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise ValueError(f"{out_dir}: exists and is not a folder")
    data_id = dataset_identity(train_cfg.data_dir)
    if resume and (prev := _finished(out_dir, verifier_cfg, train_cfg)) is not None:
        return prev
    rank, world = _dist_info()
    if world > 1 and device.type == "cuda":
        device = torch.device("cuda", int(os.environ.get("LOCAL_RANK", 0)))
        torch.cuda.set_device(device)
    train_ds = ARTDataset(train_cfg.data_dir, "train")
    val_ds, test_ds = ARTDataset(train_ds.manifest, "val"), ARTDataset(train_ds.manifest, "test")
    train_rows = subset_rows(len(train_ds), train_cfg.train_limit, train_cfg.seed)
    val_rows = subset_rows(len(val_ds), train_cfg.val_limit, train_cfg.seed)
    test_rows = subset_rows(len(test_ds), train_cfg.test_limit, train_cfg.seed)
    spatial_mean = float(np.mean(train_ds.manifest.samples["spatial"][train_ds.rows[train_rows]]))

    torch.manual_seed(train_cfg.seed)
    model = Verifier(verifier_cfg).to(device)
    out_dir.mkdir(parents=True, exist_ok=True)
    if not resume and rank == 0:  # a restart must not leave the old run's results beside the new checkpoints
        for name in ("metrics.json", "best.pt", "checkpoint.pt", "predictions.npz"):
            (out_dir / name).unlink(missing_ok=True)
    opt = torch.optim.Adam(model.parameters(), lr=train_cfg.lr, betas=(train_cfg.beta1, train_cfg.beta2))
    history: list[dict[str, float]] = []
    start = 0
    ckpt_path = out_dir / "checkpoint.pt"
    if resume and ckpt_path.exists():
        history, start = _restore(ckpt_path, model, opt, verifier_cfg, train_cfg)
    net: torch.nn.Module = model
    if world > 1:
        net = torch.nn.parallel.DistributedDataParallel(model, device_ids=[device.index] if device.type == "cuda" else None)

    for epoch in range(start, train_cfg.epochs):
        mine, steps = _epoch_rows(train_rows, train_cfg, epoch, rank, world)
        bar = tqdm(range(steps), desc=f"epoch {epoch + 1}/{train_cfg.epochs}", disable=not progress or rank != 0, mininterval=5)
        t0 = time.perf_counter()
        losses = _train_epoch(net, model, opt, train_ds, mine, steps, train_cfg, device, bar)
        seconds = time.perf_counter() - t0
        if rank == 0:
            pred = predict(model, val_ds, val_rows, device=device)
            rec = {"epoch": epoch + 1, "seconds": seconds, "samples_per_s": steps * train_cfg.batch_size * world / max(seconds, 1e-9),
                   **losses, "val_loss": validation_loss(model, pred), **metrics(pred, spatial_mean)}
            if on_epoch is not None:
                model.eval()
                rec.update(on_epoch(model))
            history.append(rec)
            if rec["val_loss"] <= min(h["val_loss"] for h in history):
                save_checkpoint(out_dir / "best.pt", model, None, epoch + 1, train_cfg, history, data_id)
            save_checkpoint(ckpt_path, model, opt, epoch + 1, train_cfg, history, data_id)
            if verbose:
                print(f"epoch {epoch + 1}: loss {rec['train_loss']:.4f} | validation: loss {rec['val_loss']:.4f}, "
                      f"AUC {rec['auc']:.3f}, RMSE {rec['rmse']:.3f}", flush=True)
        if world > 1:
            dist.barrier()

    result: dict[str, Any] = {}
    if rank == 0:
        if not history:
            raise RuntimeError(f"{out_dir}: no epoch finished")
        result = _finish(out_dir, model, test_ds, test_rows, device, verifier_cfg, train_cfg, history, spatial_mean, world)
    if world > 1:
        dist.barrier()
    return result


def read_metrics(out_dir: str | os.PathLike) -> dict[str, Any]:
    """The ``metrics.json`` of a finished run."""
    return read_json(Path(out_dir) / "metrics.json")
