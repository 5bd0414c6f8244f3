"""Encoders of Section 4.2.1, built by timm (weights only from a local file), and CoordConv channels.

Shown in chapter 2 (Figure 2).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import timm
import torch
import torch.nn as nn

__all__ = ["coord_channels", "make_encoder"]


def make_encoder(name: str, in_chans: int, pretrained_path: str | None = None, out_index: int | None = None) -> nn.Module:
    """A timm backbone without its classifier; weights only from a local file, if given.

    With ``out_index`` the model returns only the feature map of that stage
    (``features_only=True``), e.g. ``1`` for stride 4 in a ResNet.
    """
    if name not in timm.list_models():
        raise ValueError(f"unknown encoder {name!r}: not a timm model name (see timm.list_models())")
    kwargs: dict[str, Any] = dict(in_chans=in_chans)
    if out_index is None:
        kwargs.update(num_classes=0, global_pool="")
    else:
        kwargs.update(features_only=True, out_indices=(out_index,))
    if pretrained_path:
        if not Path(pretrained_path).is_file():
            raise FileNotFoundError(f"{pretrained_path}: pretrained weights file not found")
        return timm.create_model(name, pretrained=True, pretrained_cfg_overlay=dict(file=str(pretrained_path)), **kwargs)
    return timm.create_model(name, pretrained=False, **kwargs)


def coord_channels(n: int, size: int, device: torch.device, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """``(n, 2, size, size)`` pixel-centre coordinates ``x, y`` in [-1, 1] (CoordConv)."""
    t = (torch.arange(size, device=device, dtype=dtype) + 0.5) / size * 2 - 1
    yy, xx = torch.meshgrid(t, t, indexing="ij")
    return torch.stack([xx, yy])[None].expand(n, -1, -1, -1)
