"""The oracle's measures of a verifier in one record: grid, content and ascent (per epoch, per run).

Shown in chapters 2 and 3.
"""
from __future__ import annotations

from ..adjust import AdjustConfig
from ..model import Verifier
from .content import content_report
from .methods import ascent_plausible
from .placement import grid_report
from .queries import Query

__all__ = ["epoch_measures", "placement_measures"]


def epoch_measures(verifier: Verifier, scenes: list[Query]) -> dict[str, float]:
    """``spatial_auc`` and ``best_plausible`` of :func:`grid_report` on ``scenes`` (cheap, per epoch)."""
    g = grid_report(verifier, scenes)
    return {"spatial_auc": float(g["spatial_auc"].mean()), "best_plausible": float(g["best_plausible"].mean())}


def placement_measures(verifier: Verifier, scenes: list[Query], cfg: AdjustConfig | None = None,
                       ascent_scenes: int = 16, seed: int = 0) -> dict[str, float]:
    """Placement and content measures of a verifier, judged by the oracle on fresh scenes.

    ``spatial_auc``, ``best_plausible``, ``top5_plausible`` from :func:`grid_report`;
    ``ascent_plausible``: share of the first ``ascent_scenes`` scenes where the paper's
    numerical ascent from random starts ends plausible; ``content_auc`` and ``top3_compatible``
    from :func:`content_report` (labels in :data:`~artlib.evaluate.measures.MEASURES`).
    """
    grid = grid_report(verifier, scenes)
    content = content_report(verifier, scenes)
    asc = ascent_plausible(verifier, scenes[:ascent_scenes], cfg, seed=seed)
    return {"spatial_auc": float(grid["spatial_auc"].mean()), "best_plausible": float(grid["best_plausible"].mean()),
            "top5_plausible": float(grid["top5_plausible"].mean()), "ascent_plausible": float(asc.mean()),
            "content_auc": float(content["auc"].mean()), "top3_compatible": float(content["top3_compatible"].mean())}
