"""Judging placements with the world's oracle: grid scores, search methods, baselines.

The verifier is trained on eq. (1), which scores closeness to where the person stood; what a
user needs is a *plausible* placement. The synthetic world's oracle
(:func:`artlib.world.plausible_mask`) says which placements are plausible, so this package
measures the capability directly, never the labels. Queries come from the held-out split of a
built dataset or from freshly rendered scenes of world seeds that no dataset uses; validation
and test scenes use different seeds. Shown in chapters 2, 3, 4 and 5.

* :mod:`artlib.evaluate.queries`: the queries (person, background, parsing map, and the scene
  that knows the truth) and the oracle's verdict on placements;
* :mod:`artlib.evaluate.measures`: precision at k with fair ties, AUC, the exhaustive grid;
* :mod:`artlib.evaluate.placement`: the spatial head on a grid (AUC, best cell, the person's own
  rank), score surfaces, height bands, ascent paths;
* :mod:`artlib.evaluate.maps`: the placement map's training targets compared, the chosen map;
* :mod:`artlib.evaluate.methods`: the search methods of :mod:`artlib.adjust` against four
  baselines from the same random starts (plausibility, IoU, optimality gap, cost);
* :mod:`artlib.evaluate.content`: the content head against the outfit rule, the placement
  shortcut, the label noise of content negatives;
* :mod:`artlib.evaluate.report`: all of these in one record, per epoch and per run;
* :mod:`artlib.evaluate.selection`: background selection and the whole retoucher: retrieval of
  the person's own background among distractors, compatibility, plausibility;
* :mod:`artlib.evaluate.photo_stages`: the real-photo stages where the truth is known (chapter 6);
* :mod:`artlib.evaluate.camera`: the camera rule read from a real video's people, judged against
  the rule all its people fit (chapter 6);
* :mod:`artlib.evaluate.real`: real photos of real people, boxed by eye: the person found, the
  verifier's own-placement percentiles and the camera rule without an oracle (chapter 6);
* :mod:`artlib.evaluate.showcase`: the explorer's scenes of chapter 4, scored at build time.
"""
from .content import content_report, kind_means, noise_by_prediction
from .maps import MAP_CHOICE, compare_map_targets, maps_folder, read_map_choice
from .measures import EXHAUSTIVE_GRID, MEASURES, auc, labelled, precision_at_k
from .methods import BASELINES, MAP_ROWS, ascent_plausible, compare_methods, restarts_curve, summarize_methods
from .placement import (
    ascent_paths,
    grid_report,
    height_band,
    map_grid_report,
    score_surface,
    summarize_grid,
    summarize_map,
)
from .queries import (
    FRESH_SEEDS,
    Query,
    dataset_queries,
    fresh_queries,
    plausible_cells,
    read_sprite,
)
from .report import epoch_measures, placement_measures
from .showcase import REAL_BACKGROUND, showcase_scenes
from .selection import (
    failure_cases,
    gallery_from_manifest,
    retouch_report,
    retouch_verdicts,
    selection_report,
    choose_diversity,
    person_blind_scores,
    SELECTION_COLUMNS,
)

__all__ = [
    "BASELINES", "EXHAUSTIVE_GRID", "MAP_CHOICE", "MAP_ROWS", "MEASURES", "compare_map_targets", "maps_folder", "read_map_choice", "labelled", "FRESH_SEEDS", "Query", "ascent_paths", "ascent_plausible", "auc", "compare_methods",
    "content_report", "dataset_queries", "epoch_measures", "failure_cases", "fresh_queries", "gallery_from_manifest",
    "grid_report", "height_band", "map_grid_report", "kind_means", "noise_by_prediction", "placement_measures", "plausible_cells",
    "precision_at_k", "read_sprite", "restarts_curve", "retouch_report", "retouch_verdicts", "selection_report", "choose_diversity", "person_blind_scores", "SELECTION_COLUMNS", "score_surface",
    "summarize_grid", "summarize_map", "summarize_methods", "REAL_BACKGROUND", "showcase_scenes",
]
