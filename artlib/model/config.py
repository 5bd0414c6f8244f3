"""The verifier's options (:class:`VerifierConfig`): the paper's architecture and loss by default,
with the authors' code and our departures as named alternatives (chapter 3 measures them)."""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from ..config import check_types, strict_from_dict

__all__ = ["ATTENTIONS", "HEADS", "LAYOUTS", "LOSSES", "SPATIAL_FUSIONS", "VerifierConfig", "max_pool"]

ATTENTIONS = ("elementwise", "outer", "none")
LAYOUTS = ("paper", "code")
LOSSES = ("paper", "code")
SPATIAL_FUSIONS = ("late", "early", "map")
HEADS = ("content", "spatial")


def max_pool(image_size: int) -> int:
    """The finest pooling grid that means something at ``image_size``: the side of a ResNet's
    last feature map (stride 32), and at least the paper's 2."""
    return max(2, image_size // 32)


@dataclass(frozen=True)
class VerifierConfig:
    """Architecture and loss of a :class:`Verifier`; stored in every checkpoint.

    ``spatial_on_content_negatives=False`` leaves the content negatives out of the spatial
    loss (their spatial target says nothing about placement under the paper's sampling).
    ``head_hidden > 0`` gives the heads on ``U_C`` / ``U_S`` one hidden layer of that width
    (the paper's text says "fully connect layers", its equations one linear layer, which can
    only add up F and B evidence: an outfit that fits a place is an interaction).
    ``person_crop > 0`` shows the content head the person at their own resolution, cut out around
    their alpha and resized to a fixed size, instead of F on the whole canvas, where a person 0.3
    of a 64 px canvas tall is 19 px (:meth:`artlib.model.Verifier.person_code`).
    """

    #: the timm backbone of the three encoders (the paper: resnet50; test_resnet is a tiny one)
    encoder: str = "resnet50"
    #: a local file of pretrained weights in timm's format for the encoders (nothing is downloaded)
    pretrained_path: str | None = None
    #: the side in pixels that F, B and S are resized to (the paper: 256)
    image_size: int = 256
    #: each encoder's last feature map is pooled to a pool x pool grid (the paper's code: 2)
    pool: int = 2
    #: bi-attention of the fusion layer: elementwise (the paper's eq.), outer (the authors' code) or none
    attention: str = "elementwise"
    #: the attention's hidden width (the authors' code: 30)
    attn_dim: int = 30
    #: order of the fused vector: paper (the equations) or code (the authors' code)
    layout: str = "paper"
    #: loss: paper (softmax content head, L_C + lam L_S) or code (the authors' code's sigmoid and weights)
    loss: str = "paper"
    #: the spatial loss's weight lambda in L = L_C + lambda L_S
    lam: float = 0.5
    #: dropout before the heads
    dropout: float = 0.3
    #: what the F encoder sees: rgb (the person on grey) or rgba (with the alpha channel)
    fg_input: str = "rgb"
    #: how S is fed: palette (colours, as the paper) or onehot (one channel per label)
    parse_input: str = "palette"
    #: where F meets B and S for the spatial head: late (the paper), early or map (ours; chapter 3)
    spatial_fusion: str = "late"
    #: early and map fusion: add a channel of the camera rule estimated from S's posts and horizon (ours)
    scene_cue: bool = False
    #: whether content negatives count in the spatial loss (the paper: yes)
    spatial_on_content_negatives: bool = True
    #: width of a hidden layer in the heads (0 = one linear layer, as the paper's equations)
    head_hidden: int = 0
    #: early and map fusion: colours (F and B as photographed) or shapes (F's silhouette and S only; ours, chapter 6)
    spatial_input: str = "colours"
    #: the content head's view of F: 0 = F at the canvas scale (the paper); N > 0 = a crop around the
    #: person, N px tall and N/2 wide, by a fourth encoder, beside h_B and h_S (ours; chapter 3)
    person_crop: int = 0

    def __post_init__(self) -> None:
        check_types(self)
        for name, allowed in (("attention", ATTENTIONS), ("layout", LAYOUTS), ("loss", LOSSES),
                              ("fg_input", ("rgb", "rgba")), ("parse_input", ("palette", "onehot")),
                              ("spatial_fusion", SPATIAL_FUSIONS), ("spatial_input", ("colours", "shapes"))):
            if getattr(self, name) not in allowed:
                raise ValueError(f"{name} must be one of {allowed}, got {getattr(self, name)!r}")
        if self.scene_cue and self.spatial_fusion == "late":
            raise ValueError("scene_cue needs spatial_fusion early or map (the late fusion sees no channels)")
        if self.spatial_input == "shapes" and self.spatial_fusion == "late":
            raise ValueError("spatial_input shapes needs spatial_fusion early or map (the late fusion shares F's encoder)")
        if not 0 <= self.lam <= 1:
            raise ValueError(f"lam must be in [0, 1], got {self.lam}")
        for name, low, high in (("attn_dim", 1, 1024), ("image_size", 16, 1024), ("head_hidden", 0, 8192)):
            if not low <= int(getattr(self, name)) <= high:
                raise ValueError(f"{name} must be in [{low}, {high}], got {getattr(self, name)}")
        if not 1 <= self.pool <= max_pool(self.image_size):
            raise ValueError(f"pool must be in [1, {max_pool(self.image_size)}] at image_size {self.image_size}, got "
                             f"{self.pool}: a finer grid than the encoder's last feature map (1/32 of the image side) "
                             "only repeats its values")
        if self.person_crop and not 16 <= self.person_crop <= 512:
            raise ValueError(f"person_crop must be 0 (the paper's view of F) or in [16, 512] px, got {self.person_crop}")
        if not 0 <= self.dropout < 1:
            raise ValueError(f"dropout must be in [0, 1), got {self.dropout}")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "VerifierConfig":
        return strict_from_dict(cls, d, "verifier options")
