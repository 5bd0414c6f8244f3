"""Which placement map: the three training targets compared on fresh validation scenes, the choice
recorded beside the maps.

Shown in chapter 4.
"""
from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import pandas as pd
from tqdm import tqdm

from ..files import atomic_write_json, read_json
from ..model import PlacementMap, Verifier, verifier_identity
from ..train import TARGETS, MapTrainConfig, load_placement_map, map_history, train_placement_map
from .placement import map_grid_report
from .queries import Query

__all__ = ["MAP_CHOICE", "compare_map_targets", "maps_folder", "read_map_choice"]

#: The file in a maps folder that names the chosen map.
MAP_CHOICE = "choice.json"


def maps_folder(map_dir: str | os.PathLike, verifier: Verifier) -> Path:
    """Where ``verifier``'s maps live under ``map_dir``: ``map_dir/ID``, ``ID`` from
    :func:`artlib.model.verifier_identity`. A map is trained for one verifier; when chapter 3
    chooses another, its maps go to a folder of their own instead of meeting the old ones."""
    return Path(map_dir) / verifier_identity(verifier)[:16]


def compare_map_targets(verifier: Verifier, data_dir: str | os.PathLike, map_dir: str | os.PathLike,
                        val_scenes: list[Query], config: MapTrainConfig | None = None,
                        targets: tuple[str, ...] = TARGETS, progress: bool = False) -> tuple[pd.DataFrame, str]:
    """Train (or reuse) one map per target in ``maps_folder(map_dir, verifier)/TARGET``, judge each on
    ``val_scenes`` by the oracle over the exhaustive grid, choose one, and record it in that
    folder's ``choice.json``.

    The rule: the highest share of scenes whose best cell is plausible; ties go to the higher AUC,
    then to the order of ``targets``. Returns the table (one row per target: ``map_best_plausible``,
    ``map_top5_plausible``, ``map_auc``, ``map_rank_corr``, training ``seconds``; the verifier's own
    row last) and the chosen target.
    """
    cfg = config or MapTrainConfig()
    map_dir = maps_folder(map_dir, verifier)
    maps = {t: train_placement_map(verifier, data_dir, map_dir / t, replace(cfg, targets=t), progress=progress)
            for t in tqdm(targets, desc="map targets", disable=not progress)}
    cols = ["map_best_plausible", "map_top5_plausible", "map_auc", "map_rank_corr"]
    table = map_grid_report(verifier, maps, val_scenes).groupby("map")[cols].mean().reindex([*targets, "verifier"])
    table["seconds"] = [sum(h["seconds"] for h in map_history(Path(map_dir) / t)) for t in targets] + [float("nan")]
    chosen = max(targets, key=lambda t: (table.loc[t, "map_best_plausible"], table.loc[t, "map_auc"], -targets.index(t)))
    atomic_write_json(Path(map_dir) / MAP_CHOICE, {"targets": chosen, "map": chosen,
                                                   "val_best_plausible": float(table.loc[chosen, "map_best_plausible"])})
    return table, chosen


def read_map_choice(map_dir: str | os.PathLike, verifier: Verifier) -> tuple[str, PlacementMap]:
    """The chosen map of ``verifier`` under ``map_dir`` (see :func:`compare_map_targets`), checked against it.

    Raises:
        FileNotFoundError: no choice recorded (run chapter 4 first).
        ValueError: a damaged choice file, or a map of another verifier.
    """
    map_dir = maps_folder(map_dir, verifier)
    path = map_dir / MAP_CHOICE
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no placement map chosen yet (chapter 4 trains and chooses one)")
    record = read_json(path)
    if not isinstance(record, dict) or record.get("map") not in TARGETS:
        raise ValueError(f"{path}: not a placement map choice (need 'map', one of {TARGETS})")
    return record["map"], load_placement_map(map_dir / record["map"], verifier)
