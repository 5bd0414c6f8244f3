"""Scoring many placements of one person on one background, B and S encoded once (Section 4.1).

Shown in chapter 4.
"""
from __future__ import annotations

import numpy as np
import torch

from ..compose import image_to_tensor, render_foreground_torch, sprite_width
from ..model import Verifier
from .config import AdjustConfig
from .space import project_torch

__all__ = ["PlacementScorer"]


# ----------------------------------------------------------------------------- scoring
class PlacementScorer:
    """One query ``(F, B, S)`` whose background side is encoded once; scores placements in batches.

    Args:
        verifier: a trained :class:`~artlib.model.Verifier` (put in eval mode here).
        sprite: ``(h, w, 4)`` RGBA, straight alpha, uint8 or float in [0, 1].
        background: ``(H, W, 3)`` RGB, uint8 or float in [0, 1].
        parse: ``(H, W)`` integer label ids of B's parsing map.
        batch_size: placements per forward pass.
        reuse_context: ``False`` re-encodes B and S for every batch (the authors' cost).
        camera: a photo's camera rule ``(horizon, k)`` for a verifier with ``scene_cue`` (else read from S).

    Raises:
        ValueError: empty alpha, sizes that differ, label ids the verifier does not know.
    """

    def __init__(self, verifier: Verifier, sprite: np.ndarray, background: np.ndarray, parse: np.ndarray,
                 batch_size: int = 256, reuse_context: bool = True, camera: tuple[float, float] | None = None):
        spr, bg, lab = _check_query(verifier, sprite, background, parse)
        self.verifier = verifier.eval()
        self.device = next(verifier.parameters()).device
        self.sprite = image_to_tensor(spr).to(self.device)
        self.bg = image_to_tensor(bg).to(self.device)
        self.parse = torch.from_numpy(lab)[None].to(self.device)
        self.canvas_hw = bg.shape[:2]
        self.sprite_hw = spr.shape[:2]
        self.aspect = sprite_width(self.sprite_hw, 1.0, self.canvas_hw)
        self.batch_size, self.reuse_context, self.camera = batch_size, reuse_context, camera
        self.evaluations = 0
        with torch.no_grad():
            self._ctx = verifier.encode_context(self.bg, self.parse, camera) if reuse_context else None

    def render(self, xyz: torch.Tensor) -> torch.Tensor:
        """``(N, 3)`` placements -> ``(N, 4, H, W)`` premultiplied foregrounds F (differentiable)."""
        n = xyz.shape[0]
        return render_foreground_torch(self.sprite.expand(n, -1, -1, -1), xyz[:, 0], xyz[:, 1], xyz[:, 2], self.canvas_hw)

    def _score(self, xyz: torch.Tensor, heads: tuple[str, ...]) -> dict[str, torch.Tensor]:
        n = xyz.shape[0]
        ctx = self._ctx if self._ctx is not None else self.verifier.encode_context(
            self.bg.expand(n, -1, -1, -1), self.parse.expand(n, -1, -1), self.camera)
        self.evaluations += n
        return self.verifier.score(self.render(xyz), ctx, heads)

    def spatial_with_grad(self, xyz: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Spatial scores ``(N,)`` and their exact gradients ``(N, 3)`` in ``(x, y, log s)``."""
        u = torch.stack([xyz[:, 0], xyz[:, 1], xyz[:, 2].log()], 1).detach().requires_grad_(True)
        xyz_u = torch.stack([u[:, 0], u[:, 1], u[:, 2].exp()], 1)
        with torch.enable_grad():
            s = self._score(xyz_u.to(self.device, torch.float32), ("spatial",))["spatial"]
            (g,) = torch.autograd.grad(s.sum(), u)
        return s.detach().double().cpu(), g.double().cpu()

    @torch.no_grad()
    def scores(self, placements: np.ndarray | torch.Tensor, heads: tuple[str, ...] = ("spatial",)) -> dict[str, np.ndarray]:
        """Scores of ``(N, 3)`` placements, in batches of ``batch_size``: ``{head: (N,)}``."""
        xyz = torch.as_tensor(np.asarray(placements), dtype=torch.float32).reshape(-1, 3).to(self.device)
        if not bool(torch.isfinite(xyz).all()) or bool((xyz[:, 2] <= 0).any()):
            raise ValueError("placements must be finite (x, y, scale) rows with scale > 0")
        out: dict[str, list[torch.Tensor]] = {h: [] for h in heads}
        for i in range(0, len(xyz), self.batch_size):
            res = self._score(xyz[i : i + self.batch_size], heads)
            for h in heads:
                out[h].append(res[h].double().cpu())
        return {h: (torch.cat(v).numpy() if v else np.zeros(0)) for h, v in out.items()}

    def spatial(self, placements: np.ndarray | torch.Tensor) -> np.ndarray:
        return self.scores(placements)["spatial"]

    def project(self, xyz: torch.Tensor | np.ndarray, cfg: AdjustConfig) -> torch.Tensor:
        """``(N, 3)`` placements projected onto the feasible set of this sprite and canvas."""
        return project_torch(torch.as_tensor(xyz, dtype=torch.float64), self.aspect, cfg)


def _check_query(verifier: Verifier, sprite: np.ndarray, background: np.ndarray, parse: np.ndarray) -> tuple[np.ndarray, ...]:
    """Validate and convert a query's arrays (float32 sprite and background, int64 labels)."""
    from ..compose import as_float_image

    spr = as_float_image(sprite, 4, "sprite")
    bg = as_float_image(background, 3, "background")
    if not float(spr[..., 3].max(initial=0.0)) > 0:
        raise ValueError("sprite: the alpha channel is empty, there is no foreground to place")
    lab = np.asarray(parse)
    if lab.ndim != 2 or not np.issubdtype(lab.dtype, np.integer):
        raise ValueError(f"parse must be an (H, W) array of integer label ids, got shape {lab.shape} dtype {lab.dtype}")
    if lab.shape != bg.shape[:2]:
        raise ValueError(f"background {bg.shape[:2]} and parse {lab.shape} differ in size")
    if lab.size and (int(lab.min()) < 0 or int(lab.max()) >= verifier.n_labels):
        raise ValueError(f"parse: label ids must be in [0, {verifier.n_labels}), got {int(lab.min())}..{int(lab.max())}")
    if not (np.isfinite(spr).all() and np.isfinite(bg).all()):
        raise ValueError("sprite and background must be finite")
    return np.ascontiguousarray(spr), np.ascontiguousarray(bg), lab.astype(np.int64)

