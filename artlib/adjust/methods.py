"""The search methods: numerical and autograd ascent, the authors' greedy moves, the grid, the map.

Shown in chapter 4 (the method table and Figure 4).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from ..compose import Placement
from .config import GREEDY_SCALES, AdjustConfig
from .map import MapSurface
from .scorer import PlacementScorer
from .space import grid_placements

__all__ = ["Ascent", "Trajectory"]


@dataclass
class Trajectory:
    """The placements one restart visited, ``(T, 3)`` rows ``(x, y, scale)``, and their spatial scores ``(T,)``."""

    placements: np.ndarray
    scores: np.ndarray

    def best_row(self) -> tuple[np.ndarray, float]:
        """The best placement visited as a ``(3,)`` row ``(x, y, scale)``, and its score."""
        i = int(np.argmax(self.scores))
        return self.placements[i], float(self.scores[i])

    def best(self) -> tuple[Placement, float]:
        """:meth:`best_row` as a :class:`~artlib.compose.Placement`."""
        row, score = self.best_row()
        return Placement.of(row), score


# ----------------------------------------------------------------------------- methods
def _fd_gradient(scorer: PlacementScorer, xyz: torch.Tensor, cfg: AdjustConfig) -> tuple[torch.Tensor, torch.Tensor]:
    """Scores ``(R,)`` and central finite-difference gradients ``(R, 3)`` in ``(x, y, log s)``: one batch of ``7 R``."""
    r, e = xyz.shape[0], cfg.fd_eps
    u = torch.stack([xyz[:, 0], xyz[:, 1], xyz[:, 2].log()], 1)
    offsets = torch.cat([torch.zeros(1, 3), torch.eye(3) * e, -torch.eye(3) * e]).double()  # (7, 3)
    probes = (u[:, None, :] + offsets[None]).reshape(-1, 3)
    pts = torch.stack([probes[:, 0], probes[:, 1], probes[:, 2].exp()], 1)
    s = torch.as_tensor(scorer.spatial(pts)).reshape(r, 7)
    return s[:, 0], (s[:, 1:4] - s[:, 4:7]) / (2 * e)


class Ascent:
    """Normalised gradient ascent with backtracking from ``R`` starts at once (step rule in :mod:`artlib.adjust`).

    Stateful, one :meth:`step` per call, so an interactive tool can show every step; the
    numerical and autograd methods run it for ``steps`` steps.

    Args:
        scorer: the query.
        starts: ``(R, 3)`` placements (projected onto the feasible set first).
        cfg: step size, finite-difference width, bounds.
        exact: the autograd gradient (``True``) or central finite differences (``False``).
    """

    def __init__(self, scorer: PlacementScorer, starts: np.ndarray, cfg: AdjustConfig, exact: bool):
        self.scorer, self.cfg, self.exact = scorer, cfg, exact
        self.xyz = scorer.project(torch.as_tensor(np.asarray(starts), dtype=torch.float64).reshape(-1, 3), cfg)
        self.score, self.grad = self._gradient(self.xyz)
        self.eta = torch.full((len(self.xyz),), cfg.step_size, dtype=torch.float64)
        self.paths, self.vals = [self.xyz.clone()], [self.score.clone()]

    def _gradient(self, xyz: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self.scorer.spatial_with_grad(xyz) if self.exact else _fd_gradient(self.scorer, xyz, self.cfg)

    def step(self) -> None:
        """Propose ``u + eta g / |g|`` for every restart; keep it if its score is not lower."""
        u = torch.stack([self.xyz[:, 0], self.xyz[:, 1], self.xyz[:, 2].log()], 1)
        u_new = u + self.eta[:, None] * self.grad / self.grad.norm(dim=1, keepdim=True).clamp_min(1e-12)
        prop = self.scorer.project(torch.stack([u_new[:, 0], u_new[:, 1], u_new[:, 2].exp()], 1), self.cfg)
        s_new, g_new = self._gradient(prop)
        ok = s_new >= self.score
        self.xyz = torch.where(ok[:, None], prop, self.xyz)
        self.score, self.grad = torch.where(ok, s_new, self.score), torch.where(ok[:, None], g_new, self.grad)
        self.eta = torch.where(ok, (self.eta * 1.25).clamp_max(4 * self.cfg.step_size), self.eta * 0.5)
        self.paths.append(self.xyz.clone())
        self.vals.append(self.score.clone())

    def trajectories(self) -> list[Trajectory]:
        p, v = torch.stack(self.paths, 1).numpy(), torch.stack(self.vals, 1).numpy()
        return [Trajectory(p[i], v[i]) for i in range(len(p))]


def _ascend(scorer: PlacementScorer, starts: np.ndarray, cfg: AdjustConfig, exact: bool) -> list[Trajectory]:
    ascent = Ascent(scorer, starts, cfg, exact)
    for _ in range(cfg.n_steps):
        ascent.step()
    return ascent.trajectories()


def _greedy(scorer: PlacementScorer, start: np.ndarray, cfg: AdjustConfig) -> list[Trajectory]:
    """The authors' greedy search: ``steps`` rounds of 12 candidates, always moving to the best."""
    moves = np.array([[dx, dy, f] for dx, dy in ((-1, 0), (1, 0), (0, -1), (0, 1)) for f in GREEDY_SCALES], np.float64)
    cur = scorer.project(torch.as_tensor(start[None], dtype=torch.float64), cfg)[0].numpy()
    path, vals = [cur], [float(scorer.spatial(cur[None])[0])]
    for _ in range(cfg.n_steps):
        cand = np.stack([cur[0] + moves[:, 0] * cfg.greedy_step, cur[1] + moves[:, 1] * cfg.greedy_step, cur[2] * moves[:, 2]], 1)
        cand = scorer.project(torch.as_tensor(cand), cfg).numpy()
        s = scorer.spatial(cand)
        k = int(np.argmax(s))
        cur = cand[k]
        path.append(cur)
        vals.append(float(s[k]))
    return [Trajectory(np.array(path), np.array(vals))]


def _grid(scorer: PlacementScorer, cfg: AdjustConfig) -> list[Trajectory]:
    """Score every feasible grid cell; refine the ``refine`` best by numerical ascent."""
    cells = grid_placements(scorer.sprite_hw, scorer.canvas_hw, cfg)
    s = scorer.spatial(cells)
    best = np.argsort(-s)[: max(cfg.refine, 1)]
    if cfg.refine == 0:
        return [Trajectory(cells[best[:1]], s[best[:1]])]
    return _ascend(scorer, cells[best], cfg, exact=False)



def _map(scorer: PlacementScorer, surface: MapSurface, cfg: AdjustConfig) -> list[Trajectory]:
    """The map's best cell (its trajectory holds the map's score), or the verifier's numerical ascent
    from its ``map_refine`` best cells."""
    cells, vals = surface.best(max(cfg.map_refine, 1))
    if not np.isfinite(vals[0]):
        raise ValueError("map_grid: no cell of the map is feasible for this person (a finer grid or more scales may be)")
    if cfg.map_refine == 0:
        return [Trajectory(cells[:1], vals[:1])]
    return _ascend(scorer, cells, cfg, exact=False)
