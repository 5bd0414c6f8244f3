"""The camera rule read from a parsing map: the horizon and the camera factor, from posts of standard height.

Things of a standard height standing on the ground shrink towards the horizon by the same rule
as people (a label set's ``post`` is :data:`~artlib.labels.STANDARD_HEIGHTS` people tall). A
post with feet at row ``b`` and height ``h`` obeys ``h = POST_HEIGHT k (b - y_h)``, so a line
fitted through the posts' ``(b, h)`` gives the camera factor ``k`` (its slope) and the horizon
``y_h`` (where it crosses zero). Where the posts do not allow a fit (fewer than two depths, tops
cut by the canvas, no posts), the horizon is the lowest row of sky or wall (a high quantile over
columns) and ``k`` the fit through the posts given that horizon, else :data:`PRIOR_CAMERA_K`.

:func:`camera_rule` reads only the parsing map, never a scene's parameters: it is what a
verifier may be given (:func:`height_channel`, the ``scene_cue`` option) and what the
``grounded`` sampling recipe may use. Chapter 1 measures its error on fresh scenes; chapter 3
measures what it adds to the spatial head.
"""
from __future__ import annotations

import lazy_loader

from .labels import STANDARD_HEIGHTS, LabelSet

torch = lazy_loader.load("torch")  # loaded on first use: importing the data layer stays light

POST_HEIGHT = STANDARD_HEIGHTS["post"]

__all__ = ["PRIOR_CAMERA_K", "camera_rule", "height_channel"]

#: Camera factor assumed where a parsing map shows no post (the world's median).
PRIOR_CAMERA_K = 1.5
_SKY = ("sky", "wall")


def _ids(labels: LabelSet, names: tuple[str, ...], device: torch.device) -> torch.Tensor:
    return torch.tensor([labels.names.index(n) for n in names if n in labels.names], dtype=torch.int64, device=device)


def _post_columns(parse: torch.Tensor, post: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Per column, the feet row ``b`` and height ``h`` of the post in it (normalised) and whether it counts:
    ``(N, W)`` each. A column counts when it shows a post whose top is below the canvas's top row."""
    H = parse.shape[1]
    p = torch.isin(parse, post)
    top = p.float().argmax(1)
    bottom = H - p.flip(1).float().argmax(1)
    ok = p.any(1) & (top > 0)
    return bottom.float() / H, (bottom - top).float() / H, ok


def _sky_horizon(parse: torch.Tensor, sky: torch.Tensor, q: float = 0.9) -> torch.Tensor:
    """``(N,)`` the lowest row of sky or wall (a ``q`` quantile over the columns that show it); NaN without."""
    H = parse.shape[1]
    s = torch.isin(parse, sky)
    low = (H - s.flip(1).float().argmax(1)).float() / H
    low = torch.where(s.any(1), low, torch.nan)
    return torch.nanquantile(low, q, dim=1)


def camera_rule(parse: torch.Tensor, labels: LabelSet) -> tuple[torch.Tensor, torch.Tensor]:
    """Estimate the horizon ``y_h`` and the camera factor ``k`` of ``(N, H, W)`` int64 parsing maps.

    Returns two ``(N,)`` float tensors (normalised units; see the module docstring).
    """
    if parse.ndim != 3:
        raise ValueError(f"parse must be (N, H, W) label ids, got {tuple(parse.shape)}")
    b, h, ok = _post_columns(parse, _ids(labels, ("post",), parse.device))
    w = ok.float()
    n = w.sum(1)
    mb, mh = (w * b).sum(1) / n.clamp(min=1), (w * h).sum(1) / n.clamp(min=1)
    vb = (w * (b - mb[:, None]) ** 2).sum(1) / n.clamp(min=1)
    slope = (w * (b - mb[:, None]) * (h - mh[:, None])).sum(1) / n.clamp(min=1) / vb.clamp(min=1e-12)
    fit = (vb > 1e-4) & (slope > 1e-3)
    hz_fit = mb - mh / slope.clamp(min=1e-3)
    hz_sky = _sky_horizon(parse, _ids(labels, _SKY, parse.device))
    hz = torch.where(fit & (hz_fit > -0.5) & (hz_fit < 1.0), hz_fit, hz_sky)
    hz = torch.nan_to_num(hz, nan=0.5)
    d = (b - hz[:, None]).clamp(min=0)
    k_given = (w * h * d).sum(1) / (POST_HEIGHT * (w * d * d).sum(1)).clamp(min=1e-12)
    k = torch.where(fit, slope / POST_HEIGHT, torch.where((w * d).sum(1) > 0, k_given, PRIOR_CAMERA_K))
    return hz, k.clamp(0.05, 20.0)


def height_channel(parse: torch.Tensor, labels: LabelSet, size: int) -> torch.Tensor:
    """``(N, 1, size, size)``: the height ``k (y - y_h)`` of a standing person with feet at each row,
    by the camera rule estimated from ``parse`` (0 above the horizon, at most 1.5 canvases)."""
    hz, k = camera_rule(parse, labels)
    y = (torch.arange(size, device=parse.device, dtype=torch.float32) + 0.5) / size
    rows = (k[:, None] * (y[None] - hz[:, None])).clamp(0.0, 1.5)
    return rows[:, None, :, None].expand(-1, 1, size, size)
