"""Figures of the book (matplotlib); each function returns the figure it draws.

* :mod:`artlib.plots.dataset`: chapter 1, the world and the ART dataset;
* :mod:`artlib.plots.verifier`: chapters 2 and 3, the verifier, its training and the ablations;
* :mod:`artlib.plots.adjustment`: chapter 4, score surfaces and search paths;
* :mod:`artlib.plots.retouch`: chapter 5, the retoucher's results;
* :mod:`artlib.plots.photos`: chapter 6, real photographs.
"""
from ._common import figure_png
from .adjustment import (
    filmstrips,
    height_bands,
    restarts_curve,
    score_surface,
    session_frames,
)
from .dataset import (
    camera_cues,
    difficulty_bars,
    eq1_curves,
    geometry_examples,
    label_legend,
    leak_examples,
    outfits,
    plausibility_map,
    sample_grid,
    spatial_targets,
    world_grid,
)
from .photos import photo_stages
from .retouch import contact_sheet, failures, figure3, harmonization
from .verifier import (
    ablation_bars,
    architecture,
    calibration,
    lambda_grid,
    score_distributions,
    training_curves,
    wrong_examples,
)

__all__ = [
    "ablation_bars", "architecture", "calibration", "camera_cues", "contact_sheet", "difficulty_bars", "geometry_examples", "eq1_curves", "failures", "figure3", "figure_png", "filmstrips", "harmonization", "height_bands", "label_legend", "lambda_grid", "leak_examples", "outfits", "photo_stages", "plausibility_map", "restarts_curve", "sample_grid", "score_distributions", "score_surface", "session_frames", "spatial_targets", "training_curves", "world_grid", "wrong_examples",
]
