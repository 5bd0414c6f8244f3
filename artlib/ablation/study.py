"""Chapter 3's study of the spatial head (sampling recipe x spatial fusion, beside the paper), its
choice rule, the test report of the rows it reports, and the goals of the chosen verifier.

Shown in chapter 3.
"""
from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path
from typing import Any, Iterable

import pandas as pd

from ..files import atomic_write_json
from ..model import VerifierConfig
from ..train import TrainConfig, matching_run, train
from .table2 import slug

__all__ = ["GOALS", "STUDY", "choose", "goal_table", "run_study", "split_measures", "study_config", "test_report"]


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
    from ..evaluate import epoch_measures, placement_measures
    from ..train import load_verifier

    out_dir = Path(out_dir)
    rows = []
    for name in variants:
        vcfg = study_config(base, name)
        recipe = STUDY[name][0]
        if recipe not in data_dirs:
            raise ValueError(f"no dataset folder for recipe {recipe!r} (data_dirs has {sorted(data_dirs)})")
        tcfg = replace(train_cfg, data_dir=data_dirs[recipe])
        run = matching_run((reuse or {}).get(name), vcfg, tcfg) or out_dir / slug(name)
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
    from ..evaluate import placement_measures
    from ..train import load_verifier, read_metrics

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
    from ..train import read_metrics

    h = pd.DataFrame(read_metrics(run)["history"])
    nan = pd.Series(float("nan"), index=h.index)
    return pd.DataFrame({"epoch": h["epoch"], "minutes": h["seconds"].cumsum() / 60,
                         "spatial_auc": h.get("spatial_auc", nan), "best_plausible": h.get("best_plausible", nan),
                         "validation loss": h["val_loss"]}).set_index("epoch")
