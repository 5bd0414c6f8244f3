"""The multi-task verifier of Section 4.2 (Figure 2).

* :mod:`artlib.model.config`: :class:`VerifierConfig`, the paper's options and ours;
* :mod:`artlib.model.encoders`: timm encoders (4.2.1) and coordinate channels;
* :mod:`artlib.model.fusion`: bi-attention (4.2.2), the early and map spatial branches, the heads (4.2.3);
* :mod:`artlib.model.verifier`: :class:`Verifier` (encode a background once, score many
  foregrounds) and its loss;
* :mod:`artlib.model.placement_map`: :class:`PlacementMap`, the spatial score of a whole grid of
  placements in one pass (ours, chapter 4);
* :mod:`artlib.model.shapes`: the tensor shapes of one forward pass.

The model knows nothing of the world: the label set of the parsing maps is given to it by the
data it is trained on (:class:`artlib.labels.LabelSet`); the camera cue it may be given
(:mod:`artlib.cues`) knows only the standard height of a ``post``. Shown in chapters 2 and 3.
"""
import lazy_loader

# Submodules load on first use (SPEC 1, scientific-python's lazy_loader): importing a config
# does not import torch, so ``artlib --help`` answers at once.
__getattr__, __dir__, __all__ = lazy_loader.attach(
    __name__,
    submod_attrs={
        'config': ['ATTENTIONS', 'HEADS', 'LAYOUTS', 'LOSSES', 'SPATIAL_FUSIONS', 'VerifierConfig'],
        'encoders': ['coord_channels', 'make_encoder'],
        'fusion': ['BiAttention', 'EarlyFusion', 'MapFusion', 'prediction_head'],
        'placement_map': ['MAX_SCALES', 'PERSON_HW', 'PROBES', 'PlacementMap', 'PlacementMapConfig', 'check_surface'],
        'shapes': ['shape_table'],
        'verifier': ['Context', 'Verifier', 'verifier_identity'],
    },
)
