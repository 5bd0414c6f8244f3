"""The oracle's measures of a verifier in one record: grid, content and ascent (per epoch, per run).

Shown in chapters 2 and 3.
"""
from __future__ import annotations

from ..adjust import AdjustConfig
from ..compose import Placement
from ..model import Verifier
from .content import content_report
from .methods import compare_methods
from .placement import grid_report
from .queries import Query

__all__ = ["epoch_measures", "placement_measures"]


def epoch_measures(verifier: Verifier, scenes: list[Query]) -> dict[str, float]:
    """The grid measures of :func:`grid_report` on ``scenes``, prefixed ``oracle_`` (cheap, per epoch)."""
    g = grid_report(verifier, scenes)
    return {"oracle_spatial_auc": float(g["auc"].mean()), "oracle_best_plausible": float(g["best_plausible"].mean())}


def placement_measures(verifier: Verifier, scenes: list[Query], cfg: AdjustConfig | None = None,
                       ascent_scenes: int = 16, seed: int = 0) -> dict[str, float]:
    """Placement and content measures of a verifier, judged by the oracle on fresh scenes.

    ``spatial AUC (oracle)``, ``best cell plausible``, ``top-5 plausible`` from
    :func:`grid_report`; ``ascent plausible``: share of the first ``ascent_scenes`` scenes
    where the paper's numerical ascent from random starts ends plausible; ``content AUC
    (oracle)`` and ``top-3 compatible`` from :func:`content_report`.
    """
    grid = grid_report(verifier, scenes)
    content = content_report(verifier, scenes)
    runs, _ = compare_methods(verifier, scenes[:ascent_scenes], Placement(0.5, 0.8, 0.4), methods=("numerical",),
                              cfg=cfg, seed=seed)
    asc = runs.loc[runs["method"] == "numerical", "plausible"]
    return {"spatial AUC (oracle)": float(grid["auc"].mean()), "best cell plausible": float(grid["best_plausible"].mean()),
            "top-5 plausible": float(grid["top5_plausible"].mean()), "ascent plausible": float(asc.mean()),
            "content AUC (oracle)": float(content["auc"].mean()), "top-3 compatible": float(content["top3_compatible"].mean())}
