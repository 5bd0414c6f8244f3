"""Figures of the book (matplotlib); each function returns the figure it draws.

* :mod:`artlib.plots.dataset`: chapter 1, the world and the ART dataset;
* :mod:`artlib.plots.verifier`: chapters 2 and 3, the verifier, its training and the ablations;
* :mod:`artlib.plots.adjustment`: chapter 4, score surfaces and search paths;
* :mod:`artlib.plots.retouch`: chapter 5, the retoucher's results;
* :mod:`artlib.plots.photos`: chapter 6, real photographs.
"""
import lazy_loader

# Submodules load on first use (lazy_loader): ``artlib cutout`` draws its preview with
# :mod:`artlib.plots.photos` alone, without the other chapters' imports (torch, the data layer).
__getattr__, __dir__, __all__ = lazy_loader.attach(
    __name__,
    submod_attrs={
        '_common': ['figure_png'],
        'adjustment': ['cost_plausibility', 'filmstrips', 'height_bands', 'restarts_curve', 'score_surface', 'session_frames'],
        'dataset': ['camera_cues', 'difficulty_bars', 'eq1_curves', 'geometry_examples', 'label_legend', 'leak_examples', 'outfits', 'plausibility_map', 'sample_grid', 'spatial_targets', 'world_grid'],
        'photos': ['camera_from_people', 'camera_rule_heights', 'photo_stages', 'photo_stages_grid'],
        'retouch': ['contact_sheet', 'diversity_sweep', 'failures', 'figure3', 'harmonization'],
        'verifier': ['ablation_bars', 'architecture', 'calibration', 'lambda_grid', 'score_distributions', 'training_curves', 'wrong_examples'],
    },
)
