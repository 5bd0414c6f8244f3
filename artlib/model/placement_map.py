"""The placement map (ours, chapter 4): the spatial score of every ``(x, y, scale)`` in one pass.

The verifier scores one placement per forward pass of its spatial branch: a search over a
grid of ``G`` cells costs ``G`` passes over the composite. FOPA and TopNet predict a heatmap
over all positions at once instead. :class:`PlacementMap` does the same for our verifier's
spatial score: the background side and the person are each encoded once, and the score of a
person of height ``s`` with the feet at ``(x, y)`` is read off the background's feature map at
a few points of that person's box:

.. math::

    \\hat y^s(x, y, s) = \\sigma\\Big(g\\big(\\textstyle\\sum_j W_j\\,\\phi(x + u_j a s,\\; y - v_j s)
                         + W_F\\,\\psi(F) + W_s\\,[\\log s, \\log a]\\big)\\Big)

* ``phi = E(B, S, x, y, cue)``: a ``(C, H/4, W/4)`` map of the background, its one-hot parsing
  map, coordinate channels and (``scene_cue``) the camera rule's height channel of
  :func:`artlib.cues.height_channel`, read bilinearly;
* the probes ``(u_j, v_j)`` of :data:`PROBES`: the feet, the waist, the head and both sides of
  the waist of a box ``s`` tall and ``a s`` wide (``a``: the sprite's width at scale 1 as a
  fraction of the canvas width);
* ``psi(F)``: a code of the person's tight crop, independent of where it stands;
* ``g``: ReLU, a hidden layer, ReLU, a linear output.

Bilinear reading is linear, so ``W_j phi`` is computed once per background as ``1 x 1``
convolutions (:meth:`PlacementMap.encode_context`); a placement then costs ``len(PROBES)``
bilinear reads of a ``hidden``-channel map and the small ``g``. The same function evaluated at
every cell of a grid is the dense map (:class:`artlib.adjust.MapScorer`).

A map is trained for one verifier and one label set (:mod:`artlib.train.placement_map`:
distilled from the verifier's scores, or on eq. (1) targets, or both) and carries the
verifier's identity (:func:`verifier_identity`); :meth:`PlacementMap.check_for` refuses any
other verifier.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from ..config import check_types, strict_from_dict
from ..cues import height_channel
from ..labels import LabelSet
from .encoders import coord_channels
from .verifier import verifier_identity

__all__ = ["MAX_SCALES", "PERSON_HW", "PROBES", "PlacementMap", "PlacementMapConfig", "check_surface"]

#: Points of the person's box read from the background's map, as ``(u, v)``: ``x + u a s``, ``y - v s``.
PROBES = ((0.0, 0.0), (0.0, 0.5), (0.0, 1.0), (-0.5, 0.5), (0.5, 0.5))

#: The size every person crop is resized to before psi: people are about twice as tall as wide.
PERSON_HW = (32, 16)

#: The most scales one surface may have (a finer scale axis than this adds nothing at 1/32 of a canvas).
MAX_SCALES = 64


@dataclass(frozen=True)
class PlacementMapConfig:
    """Sizes of a :class:`PlacementMap`; stored in its checkpoint."""

    #: the side in pixels B and S are resized to (the verifier's image size)
    image_size: int = 64
    #: channels of the background's feature map phi
    width: int = 32
    #: width of g's hidden layers
    hidden: int = 64
    #: length of the person's code psi(F)
    person_dim: int = 16
    #: add the camera rule's height channel to E's input
    scene_cue: bool = True

    def __post_init__(self) -> None:
        check_types(self)
        for name, low, high in (("image_size", 16, 1024), ("width", 1, 512), ("hidden", 1, 1024), ("person_dim", 1, 256)):
            if not low <= getattr(self, name) <= high:
                raise ValueError(f"{name} must be in [{low}, {high}], got {getattr(self, name)}")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "PlacementMapConfig":
        return strict_from_dict(cls, d, "placement map options")


def _block(c_in: int, c_out: int, stride: int = 1, dilation: int = 1) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(c_in, c_out, 3, stride, dilation, dilation, bias=False), nn.BatchNorm2d(c_out),
                         nn.ReLU(inplace=True))


class PlacementMap(nn.Module):
    """The placement map (see the module docstring for the equation).

    Args:
        config: sizes.
        labels: the label set of the parsing maps (the verifier's).
        verifier: the identity (:func:`verifier_identity`) of the verifier it stands for.
    """

    def __init__(self, config: PlacementMapConfig, labels: LabelSet, verifier: str = ""):
        super().__init__()
        self.config = cfg = config
        self.labels, self.n_labels, self.verifier = labels, len(labels), verifier
        c_in = 3 + self.n_labels + 2 + cfg.scene_cue
        self.context = nn.Sequential(_block(c_in, 16, 2), _block(16, cfg.width, 2),
                                     _block(cfg.width, cfg.width, dilation=2), _block(cfg.width, cfg.width, dilation=4))
        self.probe = nn.Conv2d(cfg.width, len(PROBES) * cfg.hidden, 1)  # W_j for every probe j, stacked
        self.register_buffer("probe_offsets", torch.tensor(PROBES), persistent=False)
        self.person = nn.Sequential(_block(4, 16, 2), _block(16, 32, 2), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                                    nn.Linear(32, cfg.person_dim), nn.ReLU(inplace=True),
                                    nn.Linear(cfg.person_dim, cfg.hidden, bias=False))  # W_F psi(F)
        self.size_in = nn.Linear(2, cfg.hidden, bias=False)  # W_s [log s, log a]
        self.g = nn.Sequential(nn.ReLU(), nn.Linear(cfg.hidden, cfg.hidden), nn.ReLU(), nn.Linear(cfg.hidden, 1))

    # -- the two encoders, once per query ------------------------------------------------
    def encode_context(self, bg: torch.Tensor, parse: torch.Tensor, camera: tuple[float, float] | None = None) -> torch.Tensor:
        """``(N, 3, H, W)`` B in [0, 1] and ``(N, H, W)`` int64 S -> ``(N, J * hidden, H/4, W/4)`` (``W_j phi``);
        ``camera`` as in :meth:`artlib.model.Verifier.encode_context`."""
        s = self.config.image_size
        if bg.ndim != 4 or bg.shape[1] != 3 or parse.shape != (bg.shape[0], *bg.shape[-2:]):
            raise ValueError(f"need bg (N, 3, H, W) and parse (N, H, W), got {tuple(bg.shape)} and {tuple(parse.shape)}")
        b = F.interpolate(bg, size=(s, s), mode="bilinear", align_corners=False, antialias=True) if bg.shape[-1] != s else bg
        onehot = F.interpolate(F.one_hot(parse, self.n_labels).permute(0, 3, 1, 2).to(bg.dtype), size=(s, s), mode="nearest")
        x = [b * 2 - 1, onehot, coord_channels(bg.shape[0], s, bg.device, bg.dtype)]
        if self.config.scene_cue:
            x.append(height_channel(parse, self.labels, s, camera).to(bg.dtype))
        return self.probe(self.context(torch.cat(x, 1)))

    @staticmethod
    def person_input(sprite: torch.Tensor) -> torch.Tensor:
        """``(N, 4, h, w)`` straight RGBA in [0, 1], the tight crop -> ``(N, 4, 32, 16)`` premultiplied, in [-1, 1].

        Every crop is resized to :data:`PERSON_HW`; its aspect enters through ``a`` of :meth:`logits`."""
        pre = torch.cat([sprite[:, :3] * sprite[:, 3:], sprite[:, 3:]], 1)
        return F.interpolate(pre, size=PERSON_HW, mode="bilinear", align_corners=False, antialias=True) * 2 - 1

    def encode_person(self, crop: torch.Tensor) -> torch.Tensor:
        """``(N, 4, 32, 16)`` from :meth:`person_input` -> ``(N, hidden)`` (``W_F psi(F)``)."""
        return self.person(crop)

    # -- any placements, then the dense map ---------------------------------------------
    def logits(self, ctx: torch.Tensor, person: torch.Tensor, xyz: torch.Tensor, aspect: torch.Tensor) -> torch.Tensor:
        """Logits of ``(N, M, 3)`` placements ``(x, y, s)`` of one person per context row -> ``(N, M)``.

        ``aspect`` ``(N,)``: the sprite's width at scale 1 as a fraction of the canvas width.
        """
        n, m, _ = xyz.shape
        j, hidden = len(PROBES), self.config.hidden
        x, y, s = xyz.unbind(-1)  # (N, M) each
        u, v = self.probe_offsets.to(xyz.dtype).unbind(1)  # (J,) each
        px = x[:, None] + u[None, :, None] * aspect[:, None, None] * s[:, None]  # (N, J, M)
        py = y[:, None] - v[None, :, None] * s[:, None]
        grid = torch.stack([px * 2 - 1, py * 2 - 1], -1).reshape(n * j, m, 1, 2).to(ctx.dtype)
        maps = ctx.reshape(n * j, hidden, *ctx.shape[-2:])  # one image per probe: W_j phi
        read = F.grid_sample(maps, grid, mode="bilinear", padding_mode="border", align_corners=False)
        acc = read.reshape(n, j, hidden, m).sum(1).transpose(1, 2)  # (N, M, hidden): sum_j W_j phi(p_j)
        size = torch.stack([s.log(), aspect[:, None].log().expand(n, m)], -1).to(acc.dtype)
        return self.g(acc + person[:, None, :] + self.size_in(size)).squeeze(-1)

    def forward(self, bg: torch.Tensor, parse: torch.Tensor, sprite: torch.Tensor, aspect: torch.Tensor,
                xyz: torch.Tensor) -> torch.Tensor:
        """Scores in (0, 1) of ``(N, M, 3)`` placements: ``sigmoid(logits(...))``, both encoders run once."""
        return torch.sigmoid(self.logits(self.encode_context(bg, parse), self.encode_person(self.person_input(sprite)), xyz, aspect))

    # -- which verifier ------------------------------------------------------------------
    def check_for(self, verifier: nn.Module, what: str = "placement_map") -> None:
        """Refuse a verifier other than the one this map was trained for, or another label set.

        Raises:
            ValueError: naming ``what`` (the argument that carried this map).
        """
        if tuple(verifier.labels.names) != tuple(self.labels.names):
            raise ValueError(f"{what}: built for the labels {list(self.labels.names)}, the verifier knows "
                             f"{list(verifier.labels.names)}")
        if verifier_identity(verifier) != self.verifier:
            raise ValueError(f"{what}: built for another verifier (identity {self.verifier[:12]}, this one is "
                             f"{verifier_identity(verifier)[:12]}); train a map for it")


def check_surface(grid: tuple[int, int], n_scales: int, canvas_hw: tuple[int, int], what: str = "grid") -> None:
    """Refuse a surface of no or too many scales, or a grid finer than the canvas's pixels (naming ``what``)."""
    if isinstance(n_scales, bool) or not isinstance(n_scales, (int, np.integer)) or not 1 <= n_scales <= MAX_SCALES:
        raise ValueError(f"{what}: need 1 to {MAX_SCALES} scales, got {n_scales!r}")
    if len(grid) != 2 or any(isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1 for v in grid):
        raise ValueError(f"{what}: need two cell counts (nx, ny) >= 1, got {grid!r}")
    (nx, ny), (H, W) = grid, canvas_hw
    if nx > W or ny > H:
        raise ValueError(f"{what}: {nx} x {ny} cells is finer than the {W} x {H} canvas (at most one cell per pixel)")
