"""The settings of the placement search (:class:`AdjustConfig`); the methods and their default steps.

Shown in chapter 4.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..compose import Placement
from ..config import check_types, strict_from_dict
from ..feasible import FeasibleSet

__all__ = ["AdjustConfig", "DEFAULT_START", "DEFAULT_STEPS", "GREEDY_SCALES", "METHODS"]

#: Where a foreground whose own placement is unknown (a tight cut-out) is scored and starts:
#: standing centred, feet at 0.9 of the height, half the canvas tall.
DEFAULT_START = Placement(0.5, 0.9, 0.5)


METHODS = ("numerical", "greedy", "autograd", "grid", "map")


#: The authors' greedy moves: one step left, right, up or down, times these scale factors.
GREEDY_SCALES = (1.0, 0.95, 1.05)


#: Steps (rounds for ``greedy``: the authors' 10) when ``AdjustConfig.steps`` is None.
DEFAULT_STEPS = {"numerical": 20, "greedy": 10, "autograd": 20, "grid": 5, "map": 5}


@dataclass(frozen=True)
class AdjustConfig:
    """Settings of the placement search (see :mod:`artlib.adjust` for the default method).

    ``restarts`` and ``steps`` are ``R`` and ``T`` of :mod:`artlib.adjust`; ``step_size`` is
    the initial step length in ``(x, y, log s)`` units and ``fd_eps`` the finite-difference
    half-width; ``grid`` is ``(nx, ny, ns)`` cells (scales geometric in the feasible range)
    and ``refine`` the number of best grid cells refined by ascent; ``map_grid`` is the
    ``(nx, ny, K)`` cells of the ``map`` method's dense map (default: one cell per feature of the
    map at 64 px, 12 scales, as the exhaustive grid of the grid measures) and ``map_refine`` the number of its
    best cells refined by the verifier's numerical ascent (0: the best cell as it is); ``greedy_step`` is the
    authors' 1/20 of the canvas. ``feet_at_bottom`` fixes ``y = 1`` for a person whom the photo
    cut at its bottom edge (a half-length portrait): the cut stays on the composite's bottom edge
    and only ``x`` and the scale are searched. ``camera`` is a photo's camera rule ``(horizon, k)``
    (:class:`artlib.cues.CameraRule`); with it every method searches only scales within
    ``camera_factor`` of the rule's height at the feet (:mod:`artlib.feasible`'s camera band).
    """

    method: str = "grid"  # paper: "numerical"; the authors' code: "greedy"
    restarts: int = 8
    steps: int | None = None  # None: DEFAULT_STEPS[method]
    step_size: float = 0.08
    fd_eps: float = 0.02
    scale_min: float = FeasibleSet.scale_min
    scale_max: float = FeasibleSet.scale_max
    grid: tuple[int, int, int] = (8, 8, 9)
    refine: int = 1
    map_grid: tuple[int, int, int] = (16, 16, 12)
    map_refine: int = 0
    greedy_step: float = 0.05
    batch_size: int = 256
    reuse_context: bool = True
    feet_at_bottom: bool = FeasibleSet.feet_at_bottom
    camera: tuple[float, ...] | None = FeasibleSet.camera
    camera_factor: float = FeasibleSet.camera_factor

    def __post_init__(self) -> None:
        check_types(self)
        if self.method not in METHODS:
            raise ValueError(f"method must be one of {METHODS}, got {self.method!r}")
        for name in ("restarts", "steps", "batch_size"):
            v = getattr(self, name)
            if name == "steps" and v is None:
                continue
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
                raise ValueError(f"{name} must be an integer >= 1, got {v!r}")
        for name in ("step_size", "fd_eps", "greedy_step"):
            if not (math.isfinite(getattr(self, name)) and getattr(self, name) > 0):
                raise ValueError(f"{name} must be a finite number > 0, got {getattr(self, name)!r}")
        if not 0 < self.scale_min < self.scale_max <= 1:
            raise ValueError(f"need 0 < scale_min < scale_max <= 1, got {self.scale_min}, {self.scale_max}")
        if len(self.grid) != 3 or min(self.grid) < 1:
            raise ValueError(f"grid must be three counts (nx, ny, ns) >= 1, got {self.grid!r}")
        if len(self.map_grid) != 3:
            raise ValueError(f"map_grid must be three counts (nx, ny, K), got {self.map_grid!r}")
        for name in ("refine", "map_refine"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be >= 0, got {getattr(self, name)}")
        if self.camera is not None and not (len(self.camera) == 2 and self.camera[1] > 0):
            raise ValueError(f"camera must be (horizon, k) with k > 0, got {self.camera!r}")
        if not self.camera_factor > 1:
            raise ValueError(f"camera_factor must be > 1, got {self.camera_factor!r}")

    @property
    def n_steps(self) -> int:
        """Steps of ascent (rounds of ``greedy``): ``steps``, or the method's default."""
        return DEFAULT_STEPS[self.method] if self.steps is None else int(self.steps)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "AdjustConfig":
        d = dict(d)
        for key in ("grid", "map_grid", "camera"):
            if d.get(key) is not None:
                d[key] = tuple(d[key])
        return strict_from_dict(cls, d, "adjustment options")

