"""The multi-task verifier of Section 4.2 (Figure 2): encoders, fusion, two prediction heads.

Given a foreground F, a background B and the parsing map S of B, the verifier predicts

* ``content``: the probability that F and B are consistent (global consistency, task 1);
* ``spatial``: a score in (0, 1) of how plausible F's location and scale are (task 2, eq. 1).

Layers, with the paper's names:

1. **Encoding** (4.2.1): three CNN encoders built by timm (``resnet50`` in the paper), one per
   input; each final feature map is average-pooled to a ``pool x pool`` grid and flattened,
   giving ``h_F, h_B, h_S`` of ``D = C * pool^2`` dims (ResNet-50 at 256 px with ``pool=2``:
   ``2048 * 4 = 8192``, the paper's size).
2. **Fusion** (4.2.2): the shared vector ``h^ = max(h_F, h_B, h_S)`` (element-wise); the
   bi-attention ``h~_C = GELU(([h_F, h_B] W_c1) * (h^ W_c2))``,
   ``h~_S = GELU(([h_F, h_S] W_s1) * (h^ W_s2))`` with 30-dim projections; then
   ``U_C = [h_F, h_S, h~_C, h^]`` and ``U_S = [h_F, h_B, h~_S, h^]``.
3. **Prediction** (4.2.3): dropout 0.3 (training only), a 2-way softmax content head and a
   sigmoid spatial head.

Options let the book compare the paper with the authors' code (the errata chapter of the book):
``attention`` = ``"elementwise"`` (paper), ``"outer"`` (code: 30x30 outer product, 900 dims)
or ``"none"`` (the ablation); ``layout`` = ``"paper"`` or ``"code"`` (the code swaps h_S and
h_B between the heads); ``loss`` = ``"paper"`` (lambda * CE + (1 - lambda) * MSE) or ``"code"``
(sigmoid content head, MSE + 1.5 * MSE).

**Spatial fusion** (a departure, measured in chapter 3): in the paper F, B and S meet only as
pooled vectors, which keep little of where the person stands relative to the ground.
``spatial_fusion`` chooses what the spatial head sees:

* ``"late"`` (paper): ``U_S`` as above;
* ``"early"``: one more encoder whose input stacks the composite image, F's alpha, the
  one-hot parsing map and two coordinate channels, so the person and the ground meet in
  the first convolution;
* ``"map"``: B, S and coordinate channels are encoded once into a stride-4 feature map
  (the first stages of a timm encoder); F's RGBA joins that map through a small strided
  stem, and a few convolutions judge the pair. The background side is computed once per
  query, so scoring many placements costs only the stem and the head.

The content head uses the paper's fusion, unless ``person_crop`` is set: then it sees the
person cut out at their own resolution (a fourth encoder, :meth:`Verifier.person_code`) beside
``h_B`` and ``h_S``, and never where the person stands (chapter 3 measures it; chapter 5 uses it).

**Encode once, score many** (Sections 4.1 and 4.3): :meth:`Verifier.encode_context` encodes
B and S into a :class:`Context`; :meth:`Verifier.score` scores any number of foregrounds
against it. ``forward(fg, bg, parse)`` is exactly ``score(fg, encode_context(bg, parse))``.

Input formats (all tensors in [0, 1]):

* ``fg``: ``(N, 4, H, W)`` premultiplied RGBA as :class:`artlib.data.ARTDataset` gives it.
  With ``fg_input="rgb"`` (default) the content path sees F composited on a neutral grey
  canvas (3 channels); with ``"rgba"`` it sees all four channels (``in_chans=4``).
* ``bg``: ``(N, 3, H, W)`` RGB.
* ``parse``: ``(N, H, W)`` int64 label ids. With ``parse_input="palette"`` (default, as the
  authors' code) the S encoder sees the label colours of its :class:`~artlib.labels.LabelSet`; with
  ``"onehot"`` one channel per label. The early and map branches always take one-hot labels.

With ``spatial_input="shapes"`` (early and map fusion only; chapter 6) the spatial branch sees F's
silhouette and S, never the colours of F or B (:meth:`Verifier.spatial_fg`): a variant that may
carry from the world's flat colours to photographs better; the content path is unchanged.

Images are resized to ``image_size`` when they differ, and normalised with ImageNet
statistics (the authors feed raw 0-255 BGR; we normalise, which pretrained weights expect).
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F

from torchvision.ops import roi_align

from ..labels import LabelSet
from .config import HEADS, VerifierConfig
from ..cues import height_channel
from .encoders import coord_channels, make_encoder
from .fusion import BiAttention, EarlyFusion, MapFusion, prediction_head

__all__ = ["Context", "IMAGENET_MEAN", "IMAGENET_STD", "Verifier", "check_unit_tensor", "verifier_identity"]

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


def check_unit_tensor(x: torch.Tensor, what: str) -> None:
    """Refuse an image tensor that is not floating point with finite values in [0, 1].

    A uint8 image, one in 0-255 or one holding NaN would otherwise give NaN or saturated
    (all 1.0) scores without an error.
    """
    if not torch.is_floating_point(x):
        raise ValueError(f"{what} must be a float tensor in [0, 1], got dtype {x.dtype} (divide uint8 images by 255)")
    if x.numel():
        lo, hi = torch.aminmax(x.detach())
        lo, hi = float(lo), float(hi)
        if not (lo >= -1e-6 and hi <= 1 + 1e-6):  # also false for NaN
            raise ValueError(f"{what} must hold finite values in [0, 1], got values in [{lo:g}, {hi:g}]")


def verifier_identity(verifier: nn.Module) -> str:
    """SHA-256 of a verifier's configuration and weights (the same weights, the same identity).

    Cached on the module and recomputed only when a weight changed in place (tensor versions).
    """
    state = verifier.state_dict()
    key = tuple(t._version for t in state.values())
    cached = getattr(verifier, "_identity_cache", None)
    if cached is not None and cached[0] == key:
        return cached[1]
    h = hashlib.sha256(repr(sorted(verifier.config.to_dict().items())).encode())
    for name, t in sorted(state.items()):
        h.update(name.encode())
        h.update(t.detach().cpu().contiguous().numpy().tobytes())
    object.__setattr__(verifier, "_identity_cache", (key, h.hexdigest()))
    return h.hexdigest()


@dataclass
class Context:
    """The background side of a query, encoded once: ``h_B``, ``h_S`` and the spatial branch's input.

    ``h_b``, ``h_s``: ``(N, D)``; ``spatial``: ``None`` (late fusion), the stacked early-fusion
    input ``(N, 3 + L + 2, s, s)``, or the map-fusion context map ``(N, C, s/4, s/4)``.
    """

    h_b: torch.Tensor
    h_s: torch.Tensor
    spatial: torch.Tensor | None = None

    def __len__(self) -> int:
        return int(self.h_b.shape[0])

    def select(self, index: torch.Tensor) -> "Context":
        """Rows ``index`` (``(M,)`` int64) of the context, e.g. one background per foreground."""
        return Context(self.h_b[index], self.h_s[index], None if self.spatial is None else self.spatial[index])

    def expand(self, n: int) -> "Context":
        """A one-row context repeated ``n`` times (a view, no copy)."""
        if len(self) != 1:
            raise ValueError(f"only a one-row context can be expanded, this one has {len(self)} rows")
        ex = lambda t: t.expand(n, *t.shape[1:])  # noqa: E731
        return Context(ex(self.h_b), ex(self.h_s), None if self.spatial is None else ex(self.spatial))


class Verifier(nn.Module):
    """The multi-task verifier (Section 4.2). See the module docstring for the layers."""

    def __init__(self, config: VerifierConfig, labels: LabelSet, pretrained: bool = True):
        """``labels``: the label set of the parsing maps it will see (from the training data).

        ``pretrained=False`` builds the encoders without reading ``config.pretrained_path``: for
        a verifier whose trained weights are loaded next (a checkpoint holds all its weights, so
        it loads after the pretrained file has moved)."""
        super().__init__()
        self.config = cfg = config
        self.labels = labels
        self.n_labels = n_labels = len(labels)
        fg_ch = 3 if cfg.fg_input == "rgb" else 4
        s_ch = 3 if cfg.parse_input == "palette" else n_labels
        weights = cfg.pretrained_path if pretrained else None
        late = cfg.spatial_fusion == "late"
        crop = cfg.person_crop > 0
        # F at the canvas scale feeds the paper's content head and the late spatial head only
        self.enc_f = make_encoder(cfg.encoder, fg_ch, weights) if late or not crop else None
        self.enc_b = make_encoder(cfg.encoder, 3, weights)
        self.enc_s = make_encoder(cfg.encoder, s_ch, weights)
        self.enc_p = make_encoder(cfg.encoder, 4, weights) if crop else None
        self.feature_dim = d = self.enc_b.num_features * cfg.pool * cfg.pool
        self.register_buffer("palette", torch.tensor(labels.colours, dtype=torch.float32) / 255.0, persistent=False)
        self.register_buffer("mean", torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("std", torch.tensor(IMAGENET_STD).view(1, 3, 1, 1), persistent=False)
        self.att_c = self.att_s = None
        att = 0
        if cfg.attention != "none":
            self.att_c = None if crop else BiAttention(2 * d, d, cfg.attn_dim, cfg.attention)
            self.att_s = BiAttention(2 * d, d, cfg.attn_dim, cfg.attention) if late else None
            att = cfg.attn_dim ** 2 if cfg.attention == "outer" else cfg.attn_dim
        self.dropout = nn.Dropout(cfg.dropout)
        #: the person code's size: h_F (D) or the crop's e_P (C x 2 x 1: top and bottom halves)
        self.person_dim = self.enc_p.num_features * 2 if crop else d
        c_in = self.person_dim + 2 * d if crop else 3 * d + att
        self.head_c = prediction_head(c_in, 2 if cfg.loss == "paper" else 1, cfg.head_hidden)
        self.head_s = prediction_head(3 * d + att, 1, cfg.head_hidden) if late else None
        self.early = EarlyFusion(cfg, n_labels) if cfg.spatial_fusion == "early" else None
        self.map = MapFusion(cfg, n_labels) if cfg.spatial_fusion == "map" else None

    # -- inputs -------------------------------------------------------------------------
    def _resize(self, x: torch.Tensor) -> torch.Tensor:
        s = self.config.image_size
        if x.shape[-2:] != (s, s):
            x = F.interpolate(x, size=(s, s), mode="bilinear", align_corners=False, antialias=True)
        return x

    def _norm(self, x: torch.Tensor) -> torch.Tensor:
        """ImageNet normalisation of the first three channels (extra channels centred)."""
        rgb = (x[:, :3] - self.mean) / self.std
        return torch.cat([rgb, (x[:, 3:] - 0.5) / 0.5], dim=1) if x.shape[1] > 3 else rgb

    def _onehot(self, parse: torch.Tensor) -> torch.Tensor:
        return self._resize(F.one_hot(parse, self.n_labels).permute(0, 3, 1, 2).float())

    def prepare_fg(self, fg: torch.Tensor) -> torch.Tensor:
        """``(N, 4, H, W)`` premultiplied RGBA float in [0, 1] -> the F encoder's input."""
        if fg.ndim != 4 or fg.shape[1] != 4:
            raise ValueError(f"fg must be (N, 4, H, W) premultiplied RGBA, got {tuple(fg.shape)}")
        check_unit_tensor(fg, "fg")
        f = fg[:, :3] + (1 - fg[:, 3:]) * 0.5 if self.config.fg_input == "rgb" else fg  # on neutral grey
        return self._norm(self._resize(f))

    def person_crop(self, fg: torch.Tensor) -> torch.Tensor:
        """The person cut out of F at their own resolution: ``(N, 4, H, W)`` -> ``(N, 4, P, P/2)``.

        The box is the alpha's bounding box (alpha > 0.5), widened or heightened about its centre
        to the crop's 2:1 shape with a margin of 1/16 on each side, so the person keeps their
        proportions; it is resampled from F as given (before any resize to ``image_size``), with
        ``torchvision.ops.roi_align`` averaging each output pixel over the pixels it covers. An F
        without a person gives the whole canvas.
        """
        p = self.config.person_crop
        n, _, h, w = fg.shape
        on = fg[:, 3] > 0.5
        box = []
        for mask, size in ((on.any(2), h), (on.any(1), w)):  # rows, then columns
            idx = torch.arange(size, device=fg.device)
            lo = torch.where(mask, idx, size).amin(1).to(fg.dtype)
            hi = (torch.where(mask, idx, -1).amax(1) + 1).to(fg.dtype)
            empty = hi <= lo
            box.append((torch.where(empty, 0.0, lo), torch.where(empty, float(size), hi)))
        (y0, y1), (x0, x1) = box
        side = torch.maximum(y1 - y0, 2 * (x1 - x0)) * (1 + 2 / 16)
        cy, cx = (y0 + y1) / 2, (x0 + x1) / 2
        rois = torch.stack([torch.arange(n, device=fg.device, dtype=fg.dtype), cx - side / 4, cy - side / 2,
                            cx + side / 4, cy + side / 2], 1)
        return roi_align(fg, rois, (p, p // 2), spatial_scale=1.0, sampling_ratio=-1, aligned=True)

    def prepare_bg(self, bg: torch.Tensor) -> torch.Tensor:
        """``(N, 3, H, W)`` RGB float in [0, 1] -> the B encoder's input."""
        if bg.ndim != 4 or bg.shape[1] != 3:
            raise ValueError(f"bg must be (N, 3, H, W), got {tuple(bg.shape)}")
        check_unit_tensor(bg, "bg")
        return self._norm(self._resize(bg))

    def prepare_parse(self, parse: torch.Tensor) -> torch.Tensor:
        """``(N, H, W)`` int64 label ids -> the S encoder's input (palette colours or one-hot)."""
        if parse.ndim != 3 or parse.dtype != torch.int64:
            raise ValueError(f"parse must be (N, H, W) int64 label ids, got {tuple(parse.shape)} {parse.dtype}")
        if self.config.parse_input == "palette":
            return self._norm(self._resize(self.palette[parse].permute(0, 3, 1, 2)))
        return self._onehot(parse)  # one-hot channels stay 0/1

    # -- layers -------------------------------------------------------------------------
    def encode(self, enc: nn.Module, x: torch.Tensor) -> torch.Tensor:
        """Encoding layer: ``(N, C_in, H, W)`` -> ``(N, D)`` (feature map pooled to pool x pool)."""
        fmap = enc(x)  # timm with num_classes=0, global_pool="": the last feature map
        return F.adaptive_avg_pool2d(fmap, self.config.pool).flatten(1)

    def fuse(self, h_f: torch.Tensor, h_b: torch.Tensor, h_s: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Fusion layer: three ``(N, D)`` features -> ``U_C``, ``U_S`` of ``(N, 3D + att)``.

        ``U_S`` is ``None`` when the spatial head does not use the paper's fusion.
        """
        shared = torch.maximum(torch.maximum(h_f, h_b), h_s)
        att_c = [self.att_c(torch.cat([h_f, h_b], 1), shared)] if self.att_c is not None else []
        att_s = [self.att_s(torch.cat([h_f, h_s], 1), shared)] if self.att_s is not None else []
        late = self.head_s is not None
        if self.config.layout == "paper":
            u_c = torch.cat([h_f, h_s, *att_c, shared], 1)
            u_s = torch.cat([h_f, h_b, *att_s, shared], 1) if late else None
        else:  # the authors' code: [h_B, h_F, h^, attn] and [h_S, h_F, h^, attn]
            u_c = torch.cat([h_b, h_f, shared, *att_c], 1)
            u_s = torch.cat([h_s, h_f, shared, *att_s], 1) if late else None
        return u_c, u_s

    def person_code(self, fg: torch.Tensor) -> torch.Tensor:
        """What the content head knows of F, ``(N, 4, H, W)`` -> ``(N, person_dim)``: ``h_F`` of F
        on the canvas (the paper), or with ``person_crop`` the code ``e_P`` of :meth:`person_crop`
        (the encoder's last map pooled to its top and bottom halves: an outfit's top and bottom)."""
        if self.enc_p is None:
            return self.encode(self.enc_f, self.prepare_fg(fg))
        check_unit_tensor(fg, "fg")
        crop = self.person_crop(fg)
        a = crop[:, 3:]
        x = self._norm(torch.cat([crop[:, :3] + (1 - a) * 0.5, a], 1))  # the person on grey, and alpha
        return F.adaptive_avg_pool2d(self.enc_p(x), (2, 1)).flatten(1)

    def content_logits(self, code: torch.Tensor, h_b: torch.Tensor, h_s: torch.Tensor) -> torch.Tensor:
        """The content head: person codes and background features ``(N, *)`` -> logits ``(N, 2)``
        (paper loss) or ``(N, 1)``. Its input is ``U_C`` of the paper's fusion, or with
        ``person_crop`` ``[e_P, h_B, h_S]``: the person and the place, not where the person stands."""
        u_c = torch.cat([code, h_b, h_s], 1) if self.enc_p is not None else self.fuse(code, h_b, h_s)[0]
        return self.head_c(self.dropout(u_c))

    def content_probability(self, logits: torch.Tensor) -> torch.Tensor:
        """Logits of :meth:`content_logits` -> ``(N,)`` probability that F and B are consistent."""
        return torch.softmax(logits, dim=1)[:, 1] if self.config.loss == "paper" else torch.sigmoid(logits.squeeze(1))

    def encode_context(self, bg: torch.Tensor, parse: torch.Tensor, camera: tuple[float, float] | None = None) -> Context:
        """Encode the background side once: ``(N, 3, H, W)`` B and ``(N, H, W)`` S -> :class:`Context`.
        With ``scene_cue``, ``camera`` (a photo's rule ``(horizon, k)``) replaces the rule read from S."""
        b = self.prepare_bg(bg)
        h_b, h_s = self.encode(self.enc_b, b), self.encode(self.enc_s, self.prepare_parse(parse))
        if self.early is None and self.map is None:
            return Context(h_b, h_s)
        coords = coord_channels(b.shape[0], self.config.image_size, b.device, b.dtype)
        if self.config.scene_cue:
            cue = height_channel(parse, self.labels, self.config.image_size, camera)
            coords = torch.cat([coords, cue.to(b.dtype)], 1)
        if self.config.spatial_input == "shapes":  # the spatial branch sees S, not B's colours
            bg, b = torch.zeros_like(bg), torch.zeros_like(b)
        if self.early is not None:
            return Context(h_b, h_s, torch.cat([self._resize(bg), self._onehot(parse), coords], 1))
        return Context(h_b, h_s, self.map.encode(torch.cat([b, self._onehot(parse), coords], 1)))

    def spatial_fg(self, fg: torch.Tensor) -> torch.Tensor:
        """F for the early and map fusions, ``(N, 4, S, S)`` premultiplied: as photographed, or with
        ``spatial_input="shapes"`` its silhouette (mid-grey where the person is), so the spatial
        branch judges the person's outline and size on S's layout, not their colours."""
        f = self._resize(fg)
        if self.config.spatial_input == "shapes":
            a = f[:, 3:]
            f = torch.cat([0.5 * a, 0.5 * a, 0.5 * a, a], 1)
        return f

    def score(self, fg: torch.Tensor, ctx: Context, heads: tuple[str, ...] = HEADS) -> dict[str, torch.Tensor]:
        """Score foregrounds ``(N, 4, H, W)`` against a context of ``N`` rows (or one row, broadcast).

        Returns a dict with, per requested head, ``content_logits`` ``(N, 2)`` or ``(N,)`` and
        ``content`` ``(N,)`` (probability of consistency); ``spatial`` ``(N,)`` in (0, 1).
        """
        if unknown := set(heads) - set(HEADS):
            raise ValueError(f"heads must be among {HEADS}, got {sorted(unknown)}")
        n = fg.shape[0]
        if len(ctx) != n:
            ctx = ctx.expand(n)
        out: dict[str, torch.Tensor] = {}
        late = "spatial" in heads and self.head_s is not None
        h_f = self.encode(self.enc_f, self.prepare_fg(fg)) if late or ("content" in heads and self.enc_p is None) else None
        if "content" in heads:
            logits_c = self.content_logits(h_f if self.enc_p is None else self.person_code(fg), ctx.h_b, ctx.h_s)
            out.update(content_logits=logits_c if self.config.loss == "paper" else logits_c.squeeze(1),
                       content=self.content_probability(logits_c))
        if "spatial" in heads:
            if late:
                logit = self.head_s(self.dropout(self.fuse(h_f, ctx.h_b, ctx.h_s)[1])).squeeze(1)
            elif self.early is not None:
                logit = self.early(self.spatial_fg(fg), ctx.spatial, self._norm, self.dropout)
            else:
                logit = self.map(self.spatial_fg(fg), ctx.spatial, self.dropout)
            out["spatial"] = torch.sigmoid(logit)
        return out

    def forward(self, fg: torch.Tensor, bg: torch.Tensor, parse: torch.Tensor) -> dict[str, torch.Tensor]:
        """Score a batch of ``(F, B, S)``: ``score(fg, encode_context(bg, parse))``."""
        return self.score(fg, self.encode_context(bg, parse))

    def loss(self, out: dict[str, torch.Tensor], content: torch.Tensor, spatial: torch.Tensor) -> dict[str, torch.Tensor]:
        """The training loss (Section 4.2.3) and its two parts.

        ``"paper"``: ``L = lam * CE(softmax) + (1 - lam) * MSE`` (the printed minus sign in
        front of L_S is an erratum). ``"code"``: ``MSE(content) + 1.5 * MSE(spatial)``. With
        ``spatial_on_content_negatives=False`` the MSE averages over content-consistent
        samples only (``content == 1``).
        """
        sq = (out["spatial"] - spatial) ** 2
        if self.config.spatial_on_content_negatives:
            l_s = sq.mean()
        else:
            keep = (content >= 0.5).to(sq.dtype)
            l_s = (sq * keep).sum() / keep.sum().clamp_min(1.0)
        if self.config.loss == "paper":
            l_c = F.cross_entropy(out["content_logits"], content.long())
            total = self.config.lam * l_c + (1 - self.config.lam) * l_s
        else:
            l_c = F.mse_loss(out["content"], content)
            total = l_c + 1.5 * l_s
        return {"loss": total, "loss_content": l_c.detach(), "loss_spatial": l_s.detach()}
