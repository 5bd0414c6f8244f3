"""Fusion of Section 4.2.2 and the spatial branches that depart from it.

* :class:`BiAttention`: the bi-attention of the paper (element-wise) or of the authors' code (outer);
* :class:`EarlyFusion`: spatial branch ``"early"``, one encoder over the composite, alpha, S and coordinates;
* :class:`MapFusion`: spatial branch ``"map"``, F joins a stride-4 map of B and S encoded once per background;
* :func:`prediction_head`: the heads of Section 4.2.3 (one linear layer, or one hidden layer).

Shown in chapters 2 and 3.
"""
from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from .config import VerifierConfig
from .encoders import make_encoder

__all__ = ["BiAttention", "EarlyFusion", "MapFusion", "prediction_head"]


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
        """``(N, in_dim)``, ``(N, shared_dim)`` -> ``(N, out_dim)``."""
        a, b = self.w1(x), self.w2(shared)
        z = torch.einsum("bi,bj->bij", a, b).flatten(1) if self.mode == "outer" else a * b
        return self.act(z)


class EarlyFusion(nn.Module):
    """Spatial branch ``"early"``: one encoder over ``[composite, alpha, one-hot S, x, y]`` (and, with
    ``scene_cue``, the camera rule's height channel of :func:`~artlib.model.cues.height_channel`)."""

    def __init__(self, cfg: VerifierConfig, n_labels: int):
        super().__init__()
        self.pool = cfg.pool
        self.enc = make_encoder(cfg.encoder, 3 + 1 + n_labels + 2 + cfg.scene_cue, cfg.pretrained_path)
        self.head = nn.Linear(self.enc.num_features * cfg.pool * cfg.pool, 1)

    def forward(self, fg: torch.Tensor, ctx: torch.Tensor, norm, dropout: nn.Module) -> torch.Tensor:
        """``fg`` ``(N, 4, s, s)`` premultiplied, ``ctx`` ``(N, 3 + L + 2 [+ 1], s, s)`` -> ``(N,)`` logits."""
        comp = fg[:, :3] + (1 - fg[:, 3:]) * ctx[:, :3]
        x = torch.cat([norm(comp), fg[:, 3:] * 2 - 1, ctx[:, 3:]], 1)
        h = F.adaptive_avg_pool2d(self.enc(x), self.pool).flatten(1)
        return self.head(dropout(h)).squeeze(1)


def prediction_head(d_in: int, d_out: int, hidden: int) -> nn.Module:
    """A prediction head: ``W U + b`` (paper), or one hidden GELU layer of width ``hidden``."""
    if hidden == 0:
        return nn.Linear(d_in, d_out)
    return nn.Sequential(nn.Linear(d_in, hidden), nn.GELU(), nn.Linear(hidden, d_out))


def _conv(c_in: int, c_out: int, stride: int = 1) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(c_in, c_out, 3, stride, 1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU(inplace=True))


class MapFusion(nn.Module):
    """Spatial branch ``"map"``: F joins a stride-4 map of ``[B, one-hot S, x, y (, height cue)]`` encoded once.

    The first convolution of the judging body is linear in its input ``[context, F features]``,
    so its context half is computed once per background (:meth:`encode`) and only the F half per
    placement: exactly the same function as convolving the concatenation, at half the cost.
    """

    def __init__(self, cfg: VerifierConfig, n_labels: int, width: int = 64):
        super().__init__()
        self.ctx = make_encoder(cfg.encoder, 3 + n_labels + 2 + cfg.scene_cue, cfg.pretrained_path, out_index=1)
        self.ctx_channels = c = self.ctx.feature_info.channels()[0]
        self.stem = nn.Sequential(_conv(4, 16, 2), _conv(16, 32, 2))
        self.body = nn.Sequential(_conv(c + 32, width), _conv(width, width, 2), _conv(width, width, 2))
        self.head = nn.Linear(2 * width, 1)

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """``(N, 3 + L + 2 [+ 1], s, s)`` -> the context's share of the first body convolution ``(N, width, s/4, s/4)``."""
        weight = self.body[0][0].weight[:, : self.ctx_channels]
        return F.conv2d(self.ctx(x)[0], weight, padding=1)

    def forward(self, fg: torch.Tensor, ctx: torch.Tensor, dropout: nn.Module) -> torch.Tensor:
        """``fg`` ``(N, 4, s, s)`` premultiplied, ``ctx`` from :meth:`encode` -> ``(N,)`` logits."""
        f = self.stem(fg * 2 - 1)
        if f.shape[-2:] != ctx.shape[-2:]:
            f = F.interpolate(f, size=ctx.shape[-2:], mode="bilinear", align_corners=False)
        conv, norm, act = self.body[0]
        z = act(norm(ctx + F.conv2d(f, conv.weight[:, self.ctx_channels :], padding=1)))
        z = self.body[1:](z)
        h = torch.cat([z.mean((2, 3)), z.amax((2, 3))], 1)
        return self.head(dropout(h)).squeeze(1)
