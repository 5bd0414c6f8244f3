"""The verifier's tensor shapes, recorded from one real forward pass (Figure 2 as a table).

Shown in chapter 2.
"""
from __future__ import annotations

from typing import Callable

import torch
import torch.nn as nn

from .verifier import Verifier

__all__ = ["shape_table"]


def _recorder(rows: list[tuple[str, tuple[int, ...]]], name: str, inputs: bool = False) -> Callable:
    """A forward (pre-)hook appending ``(name, shape)`` of a module's input or output."""
    def hook(_mod: nn.Module, args: tuple, output: torch.Tensor | None = None) -> None:
        rows.append((name, tuple((args[0] if inputs else output).shape)))
    return hook


def _hooks(model: Verifier, rows: list) -> list:
    """Hooks on the layers of Figure 2 (inputs, feature map, U_C / U_S, attention, heads)."""
    f = model.enc_f if model.enc_f is not None else model.enc_p  # with person_crop: the crop's encoder
    pre = {"input F": f, "input B": model.enc_b, "input S": model.enc_s, "U_C": model.head_c}
    post = {"encoder feature map H^F": f, "content logits": model.head_c}
    if model.head_s is not None:
        pre["U_S"] = model.head_s
    if model.att_c is not None:
        post[f"bi-attention h~_C ({model.config.attention})"] = model.att_c
    return ([m.register_forward_pre_hook(_recorder(rows, n, True)) for n, m in pre.items()]
            + [m.register_forward_hook(_recorder(rows, n)) for n, m in post.items()])


def shape_table(model: Verifier, batch: int = 2) -> list[tuple[str, tuple[int, ...]]]:
    """Tensor shapes at every step of a forward pass, in the order they are computed.

    The shapes are recorded with forward hooks during one real forward pass on zero inputs
    of ``batch`` rows, so the table follows the model.
    """
    s = model.config.image_size
    fg, bg = torch.zeros(batch, 4, s, s), torch.zeros(batch, 3, s, s)
    parse = torch.zeros(batch, s, s, dtype=torch.int64)
    rows: list[tuple[str, tuple[int, ...]]] = []
    hooks, was = _hooks(model, rows), model.training
    model.eval()
    try:
        with torch.no_grad():
            ctx = model.encode_context(bg, parse)
            rows.append((f"pooled {model.config.pool}x{model.config.pool} and flattened h_B (also h_F, h_S, h^)",
                         tuple(ctx.h_b.shape)))
            if ctx.spatial is not None:
                rows.append((f"{model.config.spatial_fusion}-fusion context (computed once per background)",
                             tuple(ctx.spatial.shape)))
            out = model.score(fg, ctx)
    finally:
        for h in hooks:
            h.remove()
        model.train(was)
    return rows + [("y^c (content probability)", tuple(out["content"].shape)),
                   ("y^s (spatial score)", tuple(out["spatial"].shape))]
