"""Table 2 of the paper over seeds: the paper's model, its ablation and the authors' code, and the
lambda grid, with the seed noise that says which differences are real.

Shown in chapter 3.
"""
from __future__ import annotations

import math
import os
from dataclasses import replace
from pathlib import Path
from typing import Any, Iterable

import pandas as pd

from ..files import atomic_write_json
from ..model import VerifierConfig
from ..train import TrainConfig, train

__all__ = ["METRICS", "VARIANTS", "findings", "lambda_table", "noise_summary", "run_grid", "seed_noise", "signal_to_noise",
           "slug", "summarize", "verdict"]


#: The variants compared in the book: the paper's model, its ablation, and the authors' code.
VARIANTS: dict[str, dict[str, Any]] = {
    "base (paper)": {},
    "-attention": {"attention": "none"},
    "outer attention (code)": {"attention": "outer"},
    "code layout": {"layout": "code"},
    "authors' code": {"attention": "outer", "layout": "code", "loss": "code"},
}
METRICS = ("accuracy", "auc", "balanced_accuracy", "rmse", "rmse_mean_baseline", "spearman_spatial_neg")


def slug(text: str) -> str:
    """A run folder's name for a variant (``"base (paper)"`` -> ``"base_paper"``)."""
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
    seeds = [int(s) for s in seeds]  # a generator must serve every variant, not only the first
    jobs: list[tuple[str, int, VerifierConfig]] = []
    for name in variants:
        if name not in VARIANTS:
            raise ValueError(f"unknown variant {name!r}; choose from {list(VARIANTS)}")
        for seed in seeds:
            jobs.append((name, int(seed), replace(base, **VARIANTS[name])))
    for lam in lambdas:
        if lam != base.lam:
            jobs.append(("lambda grid", int(min(seeds)), replace(base, lam=float(lam))))
    rows = []
    for name, seed, vcfg in jobs:
        run = out_dir / f"{slug(name)}_lam{vcfg.lam:g}_seed{seed}"
        if progress:
            print(f"{name}, lambda {vcfg.lam:g}, seed {seed}", flush=True)
        res = train(vcfg, replace(train_cfg, seed=seed), run, progress=False, verbose=False)
        fin = res["test"]
        rows.append({"variant": name, "seed": seed, "lam": vcfg.lam, **{m: fin[m] for m in METRICS},
                     "train_seconds": sum(h["seconds"] for h in res["history"]), "run": str(run)})
    df = pd.DataFrame(rows)
    atomic_write_json(out_dir / "ablation.json", rows)
    return df


def _seed_stats(df: pd.DataFrame, metrics: Iterable[str]) -> pd.DataFrame:
    """Mean and standard deviation (``ddof=1``) over seeds, per variant."""
    return df.groupby("variant", sort=False)[list(metrics)].agg(["mean", "std"])


def seed_noise(stats: pd.DataFrame, name: str, reference: str, metric: str) -> float:
    """The noise of comparing ``name`` with ``reference``: the larger of their two seed standard deviations."""
    return float(max(stats.loc[reference, (metric, "std")], stats.loc[name, (metric, "std")]))


def signal_to_noise(df: pd.DataFrame, reference: str = "base (paper)",
                    metrics: Iterable[str] = ("accuracy", "auc", "rmse")) -> pd.DataFrame:
    """Each variant's mean minus the reference's, in units of :func:`seed_noise`.

    :func:`findings` calls a difference real when this ratio is above 2 in size.
    """
    stats = _seed_stats(df, metrics)

    def ratio(v: str, m: str) -> float:
        d, noise = stats.loc[v, (m, "mean")] - stats.loc[reference, (m, "mean")], seed_noise(stats, v, reference, m)
        return float(d / noise) if noise > 0 else (0.0 if d == 0 else math.copysign(math.inf, d))

    return pd.DataFrame({m: [ratio(v, m) for v in stats.index] for m in metrics}, index=stats.index)


def verdict(diff: float, noise: float, higher_is_better: bool = True) -> str:
    """``"within seed noise"`` when ``|diff| <= 2 noise``, else ``"better"`` or ``"worse"``."""
    if abs(diff) <= 2 * noise:
        return "within seed noise"
    return "better" if (diff > 0) == higher_is_better else "worse"


def findings(df: pd.DataFrame, reference: str = "base (paper)") -> list[str]:
    """One sentence per variant: its accuracy and RMSE against the reference, read against :func:`seed_noise`."""
    stats = _seed_stats(df, ("accuracy", "rmse"))
    out = []
    for name in stats.index:
        if name == reference:
            continue
        parts = []
        for m, up in (("accuracy", True), ("rmse", False)):
            d = stats.loc[name, (m, "mean")] - stats.loc[reference, (m, "mean")]
            parts.append(f"{m} {d:+.3f} ({verdict(d, seed_noise(stats, name, reference, m), up)})")
        out.append(f"{name}: {', '.join(parts)} against the {reference} model")
    return out


def noise_summary(grid: pd.DataFrame, lam_table: pd.DataFrame, paper_gap: float,
                  reference: str = "base (paper)") -> dict[str, float | str]:
    """What chapter 3 says about Table 2's noise, computed from the runs.

    ``paper_gap``: the paper's accuracy gain from the bi-attention (one run each). Returns the
    reference's seed standard deviation of accuracy and AUC, the AUC spread across the lambda
    grid, and the two comparisons in words (``spread_vs_gap``: the seed spread against the
    paper's gap; ``lam_vs_seed``: the lambda grid's spread against the seed spread).
    """
    ref = grid[grid["variant"] == reference]
    seed_std, auc_std = float(ref["accuracy"].std(ddof=1)), float(ref["auc"].std(ddof=1))
    lam_spread = float(lam_table["auc"].max() - lam_table["auc"].min()) if len(lam_table) else 0.0
    return {"paper_gap": float(paper_gap), "seed_std": seed_std, "auc_std": auc_std, "lam_spread": lam_spread,
            "spread_vs_gap": "larger" if seed_std > paper_gap else "smaller",
            "lam_vs_seed": "no larger" if lam_spread <= auc_std else "larger"}


def lambda_table(df: pd.DataFrame, base_lam: float = 0.5) -> pd.DataFrame:
    """The lambda grid's runs and the base model's run of the same seed, indexed by lambda."""
    grid = df[df["variant"] == "lambda grid"]
    if grid.empty:
        return grid.set_index("lam")
    seed = int(grid["seed"].iloc[0])
    base = df[(df["variant"] == "base (paper)") & (df["seed"] == seed) & (df["lam"] == base_lam)]
    return pd.concat([grid, base]).sort_values("lam").set_index("lam")[["accuracy", "auc", "rmse", "spearman_spatial_neg"]]


def summarize(df: pd.DataFrame, metrics: Iterable[str] = ("accuracy", "auc", "rmse", "spearman_spatial_neg")) -> pd.DataFrame:
    """Mean and standard deviation over seeds per variant, as ``mean +- std`` strings."""
    g = df.groupby("variant", sort=False)
    out = pd.DataFrame(index=g.size().index)
    out["seeds"] = g.size()
    for m in metrics:
        mean, std = g[m].mean(), g[m].std(ddof=1)
        out[m] = [f"{a:.3f} ± {s:.3f}" if pd.notna(s) else f"{a:.3f}" for a, s in zip(mean, std)]
    return out


# ----------------------------------------------------------------------------- the recipe study
