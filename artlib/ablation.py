"""Ablations of the verifier (Table 2 of the paper, and more), and the study that chooses the book's verifier.

* :func:`run_grid`: Table 2 over seeds (variants of the paper's model and of the authors'
  code) and the lambda grid; :func:`summarize`, :func:`signal_to_noise`, :func:`findings`.
* :func:`run_study`: the spatial head's study (sampling recipe x spatial fusion, :data:`STUDY`),
  every variant measured on *validation* by the oracle; :func:`choose` applies the choice rule;
  the choice is recorded by :mod:`artlib.choice` for chapters 4 to 6;
  :func:`test_report` reads the test split and the fresh test scenes once per reported row.

Every run is an ordinary :func:`artlib.train.train` run in its own folder, so an ablation
that is stopped resumes where it stopped and a finished one is read back at once.

Shown in chapter 3.
"""
from __future__ import annotations

import math
import os
from dataclasses import replace
from pathlib import Path
from typing import Any, Iterable

import pandas as pd

from .files import atomic_write_json
from .model import VerifierConfig
from .train import TrainConfig, matching_run, train

__all__ = [
    "choose", "findings", "goal_table", "GOALS", "lambda_table", "METRICS", "noise_summary", "run_grid",
    "run_study", "seed_noise", "signal_to_noise", "split_measures", "STUDY", "study_config", "summarize", "test_report", "VARIANTS",
    "verdict",
]

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
        run = out_dir / f"{_slug(name)}_lam{vcfg.lam:g}_seed{seed}"
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
#: Chapter 3's study of the spatial head: sampling recipe and spatial fusion, beside the paper.
#: Each entry is ``(dataset recipe, verifier options changed from the base config)``.
STUDY: dict[str, tuple[str, dict[str, Any]]] = {
    "paper (faithful)": ("paper", {}),
    "paper, D_c- out of L_S": ("paper", {"spatial_on_content_negatives": False}),
    "balanced": ("balanced", {}),
    "balanced + early fusion": ("balanced", {"spatial_fusion": "early"}),
    "balanced + map fusion": ("balanced", {"spatial_fusion": "map"}),
    "balanced + map fusion + hidden head": ("balanced", {"spatial_fusion": "map", "head_hidden": 256}),
    "balanced + map fusion + camera cue": ("balanced", {"spatial_fusion": "map", "scene_cue": True}),
    "grounded + map fusion + camera cue": ("grounded", {"spatial_fusion": "map", "scene_cue": True}),
    "grounded + early fusion + camera cue": ("grounded", {"spatial_fusion": "early", "scene_cue": True}),
    "balanced + map fusion + camera cue + person crop": (
        "balanced", {"spatial_fusion": "map", "scene_cue": True, "person_crop": "half", "head_hidden": 128}),
    "grounded + map fusion + camera cue + person crop": (
        "grounded", {"spatial_fusion": "map", "scene_cue": True, "person_crop": "half", "head_hidden": 128}),
}
#: ``"half"`` in a study variant's ``person_crop``: a crop half as tall as the study's image side.
_RELATIVE = {"half": lambda cfg: cfg.image_size // 2}


def study_config(base: VerifierConfig, name: str) -> VerifierConfig:
    """The verifier options of study variant ``name`` at the study's ``base`` options (image size, encoder)."""
    if name not in STUDY:
        raise ValueError(f"unknown study variant {name!r}; choose from {list(STUDY)}")
    opts = {k: _RELATIVE[v](base) if isinstance(v, str) and v in _RELATIVE else v for k, v in STUDY[name][1].items()}
    return replace(base, **opts)


def run_study(base: VerifierConfig, train_cfg: TrainConfig, data_dirs: dict[str, str], out_dir: str | os.PathLike,
              variants: Iterable[str], scenes, epoch_scenes: int = 16, reuse: dict[str, str] | None = None,
              progress: bool = True) -> pd.DataFrame:
    """Train every study variant on its recipe's dataset and measure it on validation.

    ``data_dirs`` maps a recipe to its dataset folder; ``scenes`` are fresh *validation*
    scenes (:func:`artlib.evaluate.fresh_queries`). Returns one row per variant with the
    validation split's metrics, the oracle's placement and content measures, the training
    minutes and the run folder. Each epoch also records the grid measures on the first
    ``epoch_scenes`` scenes (the goal-against-minutes table); the epoch itself is chosen by the
    validation loss. ``reuse`` maps a variant to a finished run of another chapter (chapter 2's
    paper verifier), used when its settings are exactly the study's.
    """
    from .evaluate import epoch_measures, placement_measures
    from .train import load_verifier

    out_dir = Path(out_dir)
    rows = []
    for name in variants:
        vcfg = study_config(base, name)
        recipe = STUDY[name][0]
        if recipe not in data_dirs:
            raise ValueError(f"no dataset folder for recipe {recipe!r} (data_dirs has {sorted(data_dirs)})")
        tcfg = replace(train_cfg, data_dir=data_dirs[recipe])
        run = matching_run((reuse or {}).get(name), vcfg, tcfg) or out_dir / _slug(name)
        if progress:
            print(f"{name}: {run}", flush=True)
        res = train(vcfg, tcfg, run, progress=False, verbose=False, on_epoch=lambda m: epoch_measures(m, scenes[:epoch_scenes]))
        val = res["val"]
        rows.append({"variant": name, "recipe": recipe, **split_measures(val),
                     **placement_measures(load_verifier(run), scenes),
                     "minutes": sum(h["seconds"] for h in res["history"]) / 60, "run": str(run)})
    df = pd.DataFrame(rows).set_index("variant")
    atomic_write_json(out_dir / "study.json", df.reset_index().to_dict("records"))
    return df


def split_measures(m: dict[str, float]) -> dict[str, float]:
    """A split's metrics (:func:`artlib.train.metrics`) under the study's keys (``*_split``)."""
    return {"content_auc_split": m["auc"], "accuracy_split": m["accuracy"], "rmse_split": m["rmse"],
            "spearman_split": m["spearman_spatial_neg"]}


def choose(df: pd.DataFrame, content_tolerance: float = 0.01) -> str:
    """The study's choice: the best placement among the best content heads.

    The retoucher uses one verifier for both stages, so a variant must keep a content head as
    good as the study's best: among variants whose oracle content AUC is at least the best
    variant's minus ``content_tolerance`` (the seed noise), the one with the most scenes whose
    best grid cell is plausible, ties broken by the spatial AUC, then by ascent plausibility.
    All on validation.
    """
    if df.empty or df["content_auc"].isna().all():
        raise ValueError("no variant has a content AUC to choose by")
    floor = df["content_auc"].max() - content_tolerance
    ok = df[df["content_auc"] >= floor]
    return str(ok.sort_values(["best_plausible", "spatial_auc", "ascent_plausible"], ascending=False).index[0])


def test_report(runs: dict[str, str | os.PathLike], scenes, seed: int = 0) -> pd.DataFrame:
    """The test split (read once, at the end of training) and the oracle's measures on fresh test scenes.

    ``runs`` maps a row name to a run folder; one row per run.
    """
    from .evaluate import placement_measures
    from .train import load_verifier, read_metrics

    rows = {}
    for name, run in runs.items():
        t = read_metrics(run)["test"]
        rows[name] = {**split_measures(t), **placement_measures(load_verifier(run), scenes, seed=seed)}
    return pd.DataFrame(rows).T


#: The goals for the chosen verifier on held-out scenes (issues: a verifier that knows where a person can
#: stand; background selection a user can trust).
GOALS = {"best_plausible": 0.95, "spatial_auc": 0.97, "ascent_plausible": 0.90, "content_auc": 0.95}


def goal_table(run: str | os.PathLike) -> pd.DataFrame:
    """Per epoch of a run: cumulative training minutes, the validation loss and, for a study run, the
    oracle's grid measures on validation scenes (``NaN`` for a run trained without them, such as
    chapter 2's faithful verifier when the study keeps it)."""
    from .train import read_metrics

    h = pd.DataFrame(read_metrics(run)["history"])
    nan = pd.Series(float("nan"), index=h.index)
    return pd.DataFrame({"epoch": h["epoch"], "minutes": h["seconds"].cumsum() / 60,
                         "spatial_auc": h.get("spatial_auc", nan), "best_plausible": h.get("best_plausible", nan),
                         "validation loss": h["val_loss"]}).set_index("epoch")
