"""How hard the world makes placement: the oracle's verdict on fixed placements over fresh scenes.

A search for where a person can stand is worth something only where no fixed placement
works. For a set of scenes, :func:`difficulty` gives the share of scenes in which a placement
is plausible, for the simplest baselines:

* ``chance``: the plausible share of a uniform ``(x, y, log scale)`` grid of feasible cells
  (what a random placement gets, and the share a search has to find);
* ``best fixed``: the one placement of that grid plausible in the most scenes, chosen on the
  scenes themselves (an upper bound for any fixed placement);
* any named placements (the training mean, the canvas centre, the bottom centre at the median
  height; :func:`fixed_baselines`).

Shown in chapter 1; chapter 4 puts the best fixed placement beside the searches.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..compose import Placement, box_width
from .oracle import plausible_mask
from .people import ASPECT
from .places import Scene

__all__ = ["DIFFICULTY_GRID", "best_fixed", "difficulty", "fixed_baselines", "fixed_grid", "plausible_table"]

#: The fine grid of fixed placements: ``(nx, ny, ns)`` cells, scales geometric in ``[0.1, 0.9]``.
DIFFICULTY_GRID = (33, 33, 25)


def fixed_grid(cells: tuple[int, int, int] = DIFFICULTY_GRID, scale_range: tuple[float, float] = (0.1, 0.9),
               aspect: float = ASPECT) -> np.ndarray:
    """``(G, 3)`` placements ``(x, y, scale)`` of a uniform grid whose boxes stay on the canvas."""
    nx, ny, ns = cells
    xs, ys = (np.arange(nx) + 0.5) / nx, (np.arange(ny) + 0.5) / ny
    g = np.stack(np.meshgrid(xs, ys, np.geomspace(*scale_range, ns), indexing="ij"), -1).reshape(-1, 3)
    half = box_width(g[:, 2], aspect) / 2
    return g[(g[:, 0] >= half) & (g[:, 0] <= 1 - half) & (g[:, 1] >= g[:, 2])]


def plausible_table(scenes: list[Scene], placements: np.ndarray, aspect: float = ASPECT) -> np.ndarray:
    """``(N, G)`` bool: is placement ``g`` plausible in scene ``n`` (the oracle)."""
    p = np.asarray(placements, np.float64).reshape(-1, 3)
    return np.stack([plausible_mask(s, p[:, 0], p[:, 1], p[:, 2], aspect) for s in scenes])


def best_fixed(scenes: list[Scene], grid: np.ndarray | None = None) -> tuple[Placement, float]:
    """The fixed placement of ``grid`` (default :func:`fixed_grid`) plausible in the most scenes, and that share."""
    grid = fixed_grid() if grid is None else grid
    share = plausible_table(scenes, grid).mean(0)
    j = int(np.argmax(share))
    return Placement.of(grid[j]), float(share[j])


def fixed_baselines(mean: Placement, median_height: float) -> dict[str, Placement]:
    """The named fixed placements: the training mean, the canvas centre and the bottom centre
    (both at ``median_height``, the median height of the training people)."""
    s = float(median_height)
    return {"training mean": mean, "canvas centre": Placement(0.5, min(1.0, 0.5 + s / 2), s),
            "bottom centre, median height": Placement(0.5, 0.98, s)}


def difficulty(scenes: list[Scene], named: dict[str, Placement] | None = None,
               grid: np.ndarray | None = None) -> pd.DataFrame:
    """The plausible share over ``scenes`` of chance, the best fixed placement and ``named`` ones.

    One row per baseline: ``plausible`` (share of scenes, or of grid cells for ``chance``) and
    the placement ``x``, ``y``, ``scale`` (empty for ``chance``).
    """
    if not scenes:
        raise ValueError("difficulty needs at least one scene")
    grid = fixed_grid() if grid is None else grid
    table = plausible_table(scenes, grid)
    share = table.mean(0)
    j = int(np.argmax(share))
    rows = {"chance (uniform grid)": (float(table.mean()), np.nan, np.nan, np.nan),
            "best fixed placement": (float(share[j]), *grid[j])}
    for name, p in (named or {}).items():
        rows[name] = (float(plausible_table(scenes, np.array([p.as_tuple()]))[:, 0].mean()), *p.as_tuple())
    return pd.DataFrame.from_dict(rows, orient="index", columns=["plausible", "x", "y", "scale"]).rename_axis("placement")
