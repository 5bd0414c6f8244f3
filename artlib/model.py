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

Options let the book compare the paper with the authors' code (``reproduction-notes.md``):
``attention`` = ``"elementwise"`` (paper), ``"outer"`` (code: 30x30 outer product, 900 dims)
or ``"none"`` (the ablation); ``layout`` = ``"paper"`` or ``"code"`` (the code swaps h_S and
h_B between the heads); ``loss`` = ``"paper"`` (lambda * CE + (1 - lambda) * MSE) or ``"code"``
(sigmoid content head, MSE + 1.5 * MSE).

Input formats (all tensors in [0, 1]):

* ``fg``: ``(B, 4, H, W)`` premultiplied RGBA as :class:`artlib.dataset.ARTDataset` gives it.
  With ``fg_input="rgb"`` (default) the encoder sees F composited on a neutral grey canvas
  (3 channels); with ``"rgba"`` it sees all four channels (``in_chans=4``).
* ``bg``: ``(B, 3, H, W)`` RGB.
* ``parse``: ``(B, H, W)`` int64 label ids. With ``parse_input="palette"`` (default, as the
  authors' code) the encoder sees the label colours of :data:`artlib.synth.PALETTE`; with
  ``"onehot"`` one channel per label.

Images are resized to ``image_size`` when they differ, and normalised with ImageNet
statistics (the authors feed raw 0-255 BGR; we normalise, which pretrained weights expect).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import timm
import torch
import torch.nn as nn
import torch.nn.functional as F

from .config import strict_from_dict
from .synth import LABELS, PALETTE

ATTENTIONS = ("elementwise", "outer", "none")
LAYOUTS = ("paper", "code")
LOSSES = ("paper", "code")
_MEAN = (0.485, 0.456, 0.406)
_STD = (0.229, 0.224, 0.225)


@dataclass(frozen=True)
class VerifierConfig:
    """Architecture and loss of a :class:`Verifier`; stored in every checkpoint."""

    encoder: str = "resnet18"
    pretrained_path: str | None = None
    image_size: int = 64
    pool: int = 2
    attention: str = "elementwise"
    attn_dim: int = 30
    layout: str = "paper"
    loss: str = "paper"
    lam: float = 0.5
    dropout: float = 0.3
    fg_input: str = "rgb"
    parse_input: str = "palette"

    def __post_init__(self) -> None:
        for name, allowed in (("attention", ATTENTIONS), ("layout", LAYOUTS), ("loss", LOSSES),
                              ("fg_input", ("rgb", "rgba")), ("parse_input", ("palette", "onehot"))):
            if getattr(self, name) not in allowed:
                raise ValueError(f"{name} must be one of {allowed}, got {getattr(self, name)!r}")
        if not 0 <= self.lam <= 1:
            raise ValueError(f"lam must be in [0, 1], got {self.lam}")
        if self.pool < 1 or self.attn_dim < 1 or self.image_size < 16:
            raise ValueError("pool and attn_dim must be >= 1 and image_size >= 16")
        if not 0 <= self.dropout < 1:
            raise ValueError(f"dropout must be in [0, 1), got {self.dropout}")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "VerifierConfig":
        return strict_from_dict(cls, d, "verifier options")


def make_encoder(name: str, in_chans: int, pretrained_path: str | None = None) -> nn.Module:
    """A timm backbone without its classifier; weights only from a local file, if given."""
    kwargs: dict[str, Any] = dict(num_classes=0, global_pool="", in_chans=in_chans)
    if pretrained_path:
        from pathlib import Path

        if not Path(pretrained_path).is_file():
            raise FileNotFoundError(f"{pretrained_path}: pretrained weights file not found")
        return timm.create_model(name, pretrained=True, pretrained_cfg_overlay=dict(file=str(pretrained_path)), **kwargs)
    return timm.create_model(name, pretrained=False, **kwargs)


class BiAttention(nn.Module):
    """``GELU((x W_1) * (h^ W_2))`` (paper) or ``GELU(outer(x W_1, h^ W_2))`` (authors' code).

    Projections have no bias, as in the authors' code. GELU uses the tanh approximation
    with the standard constant 0.044715 (the paper prints 0.0447).
    """

    def __init__(self, in_dim: int, shared_dim: int, dim: int, mode: str):
        super().__init__()
        self.mode = mode
        self.w1 = nn.Linear(in_dim, dim, bias=False)
        self.w2 = nn.Linear(shared_dim, dim, bias=False)
        self.act = nn.GELU(approximate="tanh")
        self.out_dim = dim * dim if mode == "outer" else dim

    def forward(self, x: torch.Tensor, shared: torch.Tensor) -> torch.Tensor:
        """``(B, in_dim)``, ``(B, shared_dim)`` -> ``(B, out_dim)``."""
        a, b = self.w1(x), self.w2(shared)
        z = torch.einsum("bi,bj->bij", a, b).flatten(1) if self.mode == "outer" else a * b
        return self.act(z)


class Verifier(nn.Module):
    """The multi-task verifier (Section 4.2). See the module docstring for the layers."""

    def __init__(self, config: VerifierConfig | None = None):
        super().__init__()
        self.config = cfg = config or VerifierConfig()
        fg_ch = 3 if cfg.fg_input == "rgb" else 4
        s_ch = 3 if cfg.parse_input == "palette" else len(LABELS)
        self.enc_f = make_encoder(cfg.encoder, fg_ch, cfg.pretrained_path)
        self.enc_b = make_encoder(cfg.encoder, 3, cfg.pretrained_path)
        self.enc_s = make_encoder(cfg.encoder, s_ch, cfg.pretrained_path)
        self.feature_dim = d = self.enc_f.num_features * cfg.pool * cfg.pool
        self.register_buffer("palette", torch.tensor(PALETTE, dtype=torch.float32) / 255.0, persistent=False)
        self.register_buffer("mean", torch.tensor(_MEAN).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("std", torch.tensor(_STD).view(1, 3, 1, 1), persistent=False)
        if cfg.attention == "none":
            self.att_c = self.att_s = None
            att = 0
        else:
            self.att_c = BiAttention(2 * d, d, cfg.attn_dim, cfg.attention)
            self.att_s = BiAttention(2 * d, d, cfg.attn_dim, cfg.attention)
            att = self.att_c.out_dim
        self.dropout = nn.Dropout(cfg.dropout)
        self.head_c = nn.Linear(3 * d + att, 2 if cfg.loss == "paper" else 1)
        self.head_s = nn.Linear(3 * d + att, 1)

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

    def prepare(self, fg: torch.Tensor, bg: torch.Tensor, parse: torch.Tensor) -> tuple[torch.Tensor, ...]:
        """Turn dataset tensors into the three encoder inputs (see the module docstring)."""
        if fg.ndim != 4 or fg.shape[1] != 4:
            raise ValueError(f"fg must be (B, 4, H, W) premultiplied RGBA, got {tuple(fg.shape)}")
        if bg.ndim != 4 or bg.shape[1] != 3:
            raise ValueError(f"bg must be (B, 3, H, W), got {tuple(bg.shape)}")
        if parse.ndim != 3 or parse.dtype != torch.int64:
            raise ValueError(f"parse must be (B, H, W) int64 label ids, got {tuple(parse.shape)} {parse.dtype}")
        if self.config.fg_input == "rgb":
            f = fg[:, :3] + (1 - fg[:, 3:]) * 0.5  # on a neutral grey canvas
        else:
            f = fg
        if self.config.parse_input == "palette":
            s = self._norm(self._resize(self.palette[parse].permute(0, 3, 1, 2)))
        else:  # one-hot channels stay 0/1
            s = self._resize(F.one_hot(parse, len(LABELS)).permute(0, 3, 1, 2).float())
        return self._norm(self._resize(f)), self._norm(self._resize(bg)), s

    # -- layers -------------------------------------------------------------------------
    def encode(self, enc: nn.Module, x: torch.Tensor) -> torch.Tensor:
        """Encoding layer: ``(B, C_in, H, W)`` -> ``(B, D)`` (feature map pooled to pool x pool)."""
        fmap = enc.forward_features(x)
        return F.adaptive_avg_pool2d(fmap, self.config.pool).flatten(1)

    def fuse(self, h_f: torch.Tensor, h_b: torch.Tensor, h_s: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Fusion layer: three ``(B, D)`` features -> ``U_C``, ``U_S`` of ``(B, 3D + att)``."""
        shared = torch.maximum(torch.maximum(h_f, h_b), h_s)
        parts_c: list[torch.Tensor] = []
        parts_s: list[torch.Tensor] = []
        if self.att_c is not None and self.att_s is not None:
            parts_c = [self.att_c(torch.cat([h_f, h_b], 1), shared)]
            parts_s = [self.att_s(torch.cat([h_f, h_s], 1), shared)]
        if self.config.layout == "paper":
            u_c = torch.cat([h_f, h_s, *parts_c, shared], 1)
            u_s = torch.cat([h_f, h_b, *parts_s, shared], 1)
        else:  # the authors' code: [h_B, h_F, h^, attn] and [h_S, h_F, h^, attn]
            u_c = torch.cat([h_b, h_f, shared, *parts_c], 1)
            u_s = torch.cat([h_s, h_f, shared, *parts_s], 1)
        return u_c, u_s

    def forward(self, fg: torch.Tensor, bg: torch.Tensor, parse: torch.Tensor) -> dict[str, torch.Tensor]:
        """Score a batch. Returns ``content_logits`` ``(B, 2)`` or ``(B,)``, ``content`` ``(B,)``
        (probability of consistency) and ``spatial`` ``(B,)`` in (0, 1)."""
        f, b, s = self.prepare(fg, bg, parse)
        u_c, u_s = self.fuse(self.encode(self.enc_f, f), self.encode(self.enc_b, b), self.encode(self.enc_s, s))
        logits_c = self.head_c(self.dropout(u_c))
        spatial = torch.sigmoid(self.head_s(self.dropout(u_s))).squeeze(1)
        if self.config.loss == "paper":
            content = torch.softmax(logits_c, dim=1)[:, 1]
        else:
            logits_c = logits_c.squeeze(1)
            content = torch.sigmoid(logits_c)
        return {"content_logits": logits_c, "content": content, "spatial": spatial}

    def loss(self, out: dict[str, torch.Tensor], content: torch.Tensor, spatial: torch.Tensor) -> dict[str, torch.Tensor]:
        """The training loss (Section 4.2.3) and its two parts.

        ``"paper"``: ``L = lam * CE(softmax) + (1 - lam) * MSE`` (the printed minus sign in
        front of L_S is an erratum). ``"code"``: ``MSE(content) + 1.5 * MSE(spatial)``.
        """
        l_s = F.mse_loss(out["spatial"], spatial)
        if self.config.loss == "paper":
            l_c = F.cross_entropy(out["content_logits"], content.long())
            total = self.config.lam * l_c + (1 - self.config.lam) * l_s
        else:
            l_c = F.mse_loss(out["content"], content)
            total = l_c + 1.5 * l_s
        return {"loss": total, "loss_content": l_c.detach(), "loss_spatial": l_s.detach()}


def shape_table(model: Verifier, batch: int = 2) -> list[tuple[str, tuple[int, ...]]]:
    """Tensor shapes at every step of a forward pass (the paper's Figure 2 as a table)."""
    cfg = model.config
    s = cfg.image_size
    fg = torch.zeros(batch, 4, s, s)
    bg = torch.zeros(batch, 3, s, s)
    parse = torch.zeros(batch, s, s, dtype=torch.int64)
    rows: list[tuple[str, tuple[int, ...]]] = []
    was = model.training
    model.eval()
    with torch.no_grad():
        f, b, p = model.prepare(fg, bg, parse)
        rows += [("input F", tuple(f.shape)), ("input B", tuple(b.shape)), ("input S", tuple(p.shape))]
        fmap = model.enc_f.forward_features(f)
        rows.append(("encoder feature map H^F", tuple(fmap.shape)))
        h = F.adaptive_avg_pool2d(fmap, cfg.pool).flatten(1)
        rows.append((f"pooled {cfg.pool}x{cfg.pool} and flattened h_F (also h_B, h_S)", tuple(h.shape)))
        rows.append(("shared h^ = max(h_F, h_B, h_S)", tuple(h.shape)))
        if model.att_c is not None:
            rows.append((f"bi-attention h~_C, h~_S ({cfg.attention})", (batch, model.att_c.out_dim)))
        u_c, u_s = model.fuse(h, h, h)
        rows += [("U_C", tuple(u_c.shape)), ("U_S", tuple(u_s.shape))]
        out = model(fg, bg, parse)
        rows += [("content logits", tuple(out["content_logits"].shape)), ("y^c (content probability)", tuple(out["content"].shape)),
                 ("y^s (spatial score)", tuple(out["spatial"].shape))]
    model.train(was)
    return rows
