"""Ablations of the verifier (Table 2 of the paper, and more): variants x seeds, lambda grid.

Every run is an ordinary :func:`artlib.train.train` run in its own folder, so an ablation
that is stopped resumes where it stopped and a finished one is read back at once.
"""
from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path
from typing import Any, Iterable

import pandas as pd

from .files import atomic_write_json
from .model import VerifierConfig
from .train import TrainConfig, train

#: The variants compared in the book: the paper's model, its ablation, and the authors' code.
VARIANTS: dict[str, dict[str, Any]] = {
    "base (paper)": {},
    "-attention": {"attention": "none"},
    "outer attention (code)": {"attention": "outer"},
    "code layout": {"layout": "code"},
    "authors' code": {"attention": "outer", "layout": "code", "loss": "code"},
}
METRICS = ("accuracy", "auc", "balanced_accuracy", "rmse", "rmse_mean_baseline", "spearman_spatial_neg")


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in text).strip("_").lower()


def run_grid(
    base: VerifierConfig,
    train_cfg: TrainConfig,
    out_dir: str | os.PathLike,
    variants: Iterable[str],
    seeds: Iterable[int],
    lambdas: Iterable[float] = (),
    progress: bool = True,
) -> pd.DataFrame:
    """Train every ``variant x seed`` and, for seed ``min(seeds)``, every ``lambda``.

    Returns one row per run (variant, seed, lam, the final metrics and training seconds),
    and writes it to ``out_dir/ablation.json``.
    """
    out_dir = Path(out_dir)
    jobs: list[tuple[str, int, VerifierConfig]] = []
    for name in variants:
        if name not in VARIANTS:
            raise ValueError(f"unknown variant {name!r}; choose from {list(VARIANTS)}")
        for seed in seeds:
            jobs.append((name, int(seed), replace(base, **VARIANTS[name])))
    seeds = list(seeds)
    for lam in lambdas:
        if lam != base.lam:
            jobs.append(("lambda grid", int(min(seeds)), replace(base, lam=float(lam))))
    rows = []
    for name, seed, vcfg in jobs:
        run = out_dir / f"{_slug(name)}_lam{vcfg.lam:g}_seed{seed}"
        if progress:
            print(f"{name}, lambda {vcfg.lam:g}, seed {seed}", flush=True)
        res = train(vcfg, replace(train_cfg, seed=seed), run, progress=False, verbose=False)
        fin = res["final"]
        rows.append({"variant": name, "seed": seed, "lam": vcfg.lam, **{m: fin[m] for m in METRICS},
                     "train_seconds": sum(h["seconds"] for h in res["history"]), "run": str(run)})
    df = pd.DataFrame(rows)
    atomic_write_json(out_dir / "ablation.json", rows)
    return df


def summarize(df: pd.DataFrame, metrics: Iterable[str] = ("accuracy", "auc", "rmse", "spearman_spatial_neg")) -> pd.DataFrame:
    """Mean and standard deviation over seeds per variant, as ``mean +- std`` strings."""
    g = df.groupby("variant", sort=False)
    out = pd.DataFrame(index=g.size().index)
    out["seeds"] = g.size()
    for m in metrics:
        mean, std = g[m].mean(), g[m].std(ddof=1)
        out[m] = [f"{a:.3f} ± {s:.3f}" if pd.notna(s) else f"{a:.3f}" for a, s in zip(mean, std)]
    return out
