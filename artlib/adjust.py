"""Foreground adjustment (Section 4.3): search over the placement ``(x, y, scale)``.

Given a trained verifier, a foreground sprite F, a background B and its parsing map S,
:func:`adjust` looks for the placement whose predicted spatial score ``y^s`` is highest. The
paper ascends "the numerical partial gradient of location and scale" from random initial
points and keeps the best (Section 4.1 and 4.3); the authors' code does a greedy search
instead. Four methods share one interface:

=============  ===============================================================  =======================
method         what it does                                                     verifier evaluations
=============  ===============================================================  =======================
``numerical``  the paper: central finite differences in ``x``, ``y``, ``log s``;   ``7 R (T + 1)``
               normalised gradient ascent with backtracking; ``R`` restarts
``greedy``     the authors' code: 12 moves per round (one step left/right/up/    ``1 + 12 T``
               down x scale 0.95/1/1.05, step 1/20 of the canvas), ``T`` = 10
               rounds, one start, always to the best candidate
``autograd``   ours: the exact gradient of ``y^s`` through the differentiable    ``R (T + 1)`` forward
               paste (:func:`artlib.compose.paste_torch`), same step rule          and backward passes
``grid``       FOPA-like: score a grid of ``(x, y, s)`` in batches, then refine  ``G + 7 K (T + 1)``
               the ``K`` best cells by numerical ascent
=============  ===============================================================  =======================

``R`` restarts, ``T`` steps, ``G`` feasible grid cells, ``K`` refined cells; each method
scores one more placement for the result's content score.

**The default** is ``grid`` with an ``8 x 8 x 5`` grid whose best cell is refined by five
numerical steps (about 220 evaluations). It was chosen on 48 fresh *validation* scenes with the
book profile's chosen verifier, by the rule "the fastest configuration whose results are
plausible (oracle) within one scene of the best":

=========================  ==========  ===========  ===========
configuration              plausible   s / query    evaluations
=========================  ==========  ===========  ===========
numerical, R 8, T 20       0.938       0.418        1177
numerical, R 8, T 5        0.958       0.158        337
numerical, R 4, T 10       0.833       0.085        309
grid 6 x 6 x 4, K 1, T 5   0.896       0.049        119
grid 8 x 8 x 5, K 1, T 5   0.958       0.078        219
grid 12 x 12 x 7, K 1, T 5 0.875       0.193        593
=========================  ==========  ===========  ===========

Chapter 4 and ``benchmarks/bench_adjust.py`` measure all four methods on test data.

**Step rule** (numerical and autograd): in the coordinates ``u = (x, y, log s)`` each
restart ``r`` moves by ``eta_r * g / |g|`` (a normalised gradient step, so the step length is
``eta_r`` whatever the scale of the score). A proposal is accepted only if its score is not
lower; then ``eta_r`` grows by 1.25 (up to ``4 * step_size``), otherwise it is halved and
the restart stays. The result is the best placement visited over all restarts.

**Feasible set**: ``scale`` in ``[scale_min, scale_max]``, the person's box inside the
canvas (``y - scale >= 0``, ``y <= 1``, ``x`` at least half the box width from either side).
Every proposal is projected onto it (clamped), so no method can produce an invalid placement.

**Encode once** (Section 4.1): B and S are encoded once per query
(:meth:`artlib.model.Verifier.encode_context`); only F changes as the person moves, and all
restarts and finite-difference probes of a step run as one batch. ``reuse_context=False``
with ``batch_size=1`` reproduces the authors' cost: all three encoders for every candidate,
one at a time.

Shown in chapter 4.
"""
from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import numpy as np
import torch

from .compose import Placement, render_foreground_torch, sprite_width
from .config import check_types, strict_from_dict
from .model import Verifier

__all__ = ["DEFAULT_STEPS", "METHODS", "AdjustConfig", "Ascent", "AdjustResult", "PlacementScorer", "Trajectory", "adjust",
           "grid_placements", "project", "random_placements", "random_starts"]

METHODS = ("numerical", "greedy", "autograd", "grid")
#: The authors' greedy moves: one step left, right, up or down, times these scale factors.
GREEDY_SCALES = (1.0, 0.95, 1.05)
#: Steps (rounds for ``greedy``: the authors' 10) when ``AdjustConfig.steps`` is None.
DEFAULT_STEPS = {"numerical": 20, "greedy": 10, "autograd": 20, "grid": 5}


@dataclass(frozen=True)
class AdjustConfig:
    """Settings of the placement search (see the module docstring for the default method).

    ``restarts`` and ``steps`` are ``R`` and ``T`` of the module docstring; ``step_size`` is
    the initial step length in ``(x, y, log s)`` units and ``fd_eps`` the finite-difference
    half-width; ``grid`` is ``(nx, ny, ns)`` cells (scales geometric in the feasible range)
    and ``refine`` the number of best grid cells refined by ascent; ``greedy_step`` is the
    authors' 1/20 of the canvas.
    """

    method: str = "grid"  # paper: "numerical"; the authors' code: "greedy"
    restarts: int = 8
    steps: int | None = None  # None: DEFAULT_STEPS[method]
    step_size: float = 0.08
    fd_eps: float = 0.02
    scale_min: float = 0.1
    scale_max: float = 0.9
    grid: tuple[int, int, int] = (8, 8, 5)
    refine: int = 1
    greedy_step: float = 0.05
    batch_size: int = 256
    reuse_context: bool = True

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
        if self.refine < 0:
            raise ValueError(f"refine must be >= 0, got {self.refine}")

    @property
    def n_steps(self) -> int:
        """Steps of ascent (rounds of ``greedy``): ``steps``, or the method's default."""
        return DEFAULT_STEPS[self.method] if self.steps is None else int(self.steps)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "AdjustConfig":
        d = dict(d)
        if "grid" in d:
            d["grid"] = tuple(d["grid"])
        return strict_from_dict(cls, d, "adjustment options")


@dataclass
class Trajectory:
    """The placements one restart visited, ``(T, 3)`` rows ``(x, y, scale)``, and their spatial scores ``(T,)``."""

    placements: np.ndarray
    scores: np.ndarray

    def best(self) -> tuple[Placement, float]:
        i = int(np.argmax(self.scores))
        return Placement(*map(float, self.placements[i])), float(self.scores[i])


@dataclass
class AdjustResult:
    """What :func:`adjust` found: the placement, its two scores, the search's path and cost."""

    placement: Placement
    spatial: float
    content: float
    trajectory: list[Trajectory]
    evaluations: int
    seconds: float
    method: str
    config: dict[str, Any] = field(default_factory=dict)

    def best_of(self, restarts: int) -> tuple[Placement, float]:
        """The best placement among the first ``restarts`` trajectories (the restarts curve)."""
        return max((t.best() for t in self.trajectory[:restarts]), key=lambda ps: ps[1])


# ----------------------------------------------------------------------------- geometry
def _bounds(xyz: torch.Tensor, aspect: float, cfg: AdjustConfig) -> torch.Tensor:
    """Project ``(N, 3)`` placements onto the feasible set (see the module docstring)."""
    s = xyz[:, 2].clamp(cfg.scale_min, min(cfg.scale_max, 1.0 / max(aspect, 1e-6)))
    half = s * aspect / 2
    x = torch.minimum(torch.maximum(xyz[:, 0], half), 1 - half)
    y = torch.minimum(torch.maximum(xyz[:, 1], s), torch.ones_like(s))
    return torch.stack([x, y, s], 1)


def project(placements: np.ndarray, sprite_hw: tuple[int, int], canvas_hw: tuple[int, int], cfg: AdjustConfig) -> np.ndarray:
    """Project ``(N, 3)`` placements ``(x, y, scale)`` onto the feasible set of a sprite and canvas."""
    aspect = sprite_width(sprite_hw, 1.0, canvas_hw)
    return _bounds(torch.as_tensor(np.asarray(placements, np.float64)).reshape(-1, 3), aspect, cfg).numpy()


def random_placements(n: int, sprite_hw: tuple[int, int], canvas_hw: tuple[int, int], cfg: AdjustConfig,
                      rng: np.random.Generator) -> np.ndarray:
    """``(n, 3)`` random feasible placements: ``log s`` uniform, then ``y``, then ``x`` uniform."""
    aspect = sprite_width(sprite_hw, 1.0, canvas_hw)
    s_hi = min(cfg.scale_max, 1.0 / max(aspect, 1e-6))
    s = np.exp(rng.uniform(math.log(cfg.scale_min), math.log(s_hi), n))
    y = rng.uniform(s, 1.0)
    half = s * aspect / 2
    x = rng.uniform(half, 1 - half)
    return np.stack([x, y, s], 1)


def grid_placements(sprite_hw: tuple[int, int], canvas_hw: tuple[int, int], cfg: AdjustConfig) -> np.ndarray:
    """The feasible cells of the ``(nx, ny, ns)`` grid: ``(G, 3)`` placements.

    ``x`` and ``y`` at cell centres of the unit canvas, scales geometric from ``scale_min``
    to ``scale_max``; cells whose box would leave the canvas are dropped.
    """
    nx, ny, ns = cfg.grid
    aspect = sprite_width(sprite_hw, 1.0, canvas_hw)
    s_hi = min(cfg.scale_max, 1.0 / max(aspect, 1e-6))
    xs, ys = (np.arange(nx) + 0.5) / nx, (np.arange(ny) + 0.5) / ny
    ss = np.geomspace(cfg.scale_min, s_hi, ns) if ns > 1 else np.array([math.sqrt(cfg.scale_min * s_hi)])
    g = np.stack(np.meshgrid(xs, ys, ss, indexing="ij"), -1).reshape(-1, 3)
    half = g[:, 2] * aspect / 2
    ok = (g[:, 0] >= half) & (g[:, 0] <= 1 - half) & (g[:, 1] >= g[:, 2])
    return g[ok]


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

    Raises:
        ValueError: empty alpha, sizes that differ, label ids the verifier does not know.
    """

    def __init__(self, verifier: Verifier, sprite: np.ndarray, background: np.ndarray, parse: np.ndarray,
                 batch_size: int = 256, reuse_context: bool = True):
        spr, bg, lab = _check_query(verifier, sprite, background, parse)
        self.verifier = verifier.eval()
        self.device = next(verifier.parameters()).device
        self.sprite = torch.from_numpy(spr).permute(2, 0, 1)[None].to(self.device)
        self.bg = torch.from_numpy(bg).permute(2, 0, 1)[None].to(self.device)
        self.parse = torch.from_numpy(lab)[None].to(self.device)
        self.canvas_hw = bg.shape[:2]
        self.sprite_hw = spr.shape[:2]
        self.aspect = sprite_width(self.sprite_hw, 1.0, self.canvas_hw)
        self.batch_size, self.reuse_context = batch_size, reuse_context
        self.evaluations = 0
        with torch.no_grad():
            self._ctx = verifier.encode_context(self.bg, self.parse) if reuse_context else None

    def render(self, xyz: torch.Tensor) -> torch.Tensor:
        """``(N, 3)`` placements -> ``(N, 4, H, W)`` premultiplied foregrounds F (differentiable)."""
        n = xyz.shape[0]
        return render_foreground_torch(self.sprite.expand(n, -1, -1, -1), xyz[:, 0], xyz[:, 1], xyz[:, 2], self.canvas_hw)

    def _score(self, xyz: torch.Tensor, heads: tuple[str, ...]) -> dict[str, torch.Tensor]:
        n = xyz.shape[0]
        ctx = self._ctx if self._ctx is not None else self.verifier.encode_context(self.bg.expand(n, -1, -1, -1), self.parse.expand(n, -1, -1))
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
        return _bounds(torch.as_tensor(xyz, dtype=torch.float64), self.aspect, cfg)


def _check_query(verifier: Verifier, sprite: np.ndarray, background: np.ndarray, parse: np.ndarray) -> tuple[np.ndarray, ...]:
    """Validate and convert a query's arrays (float32 sprite and background, int64 labels)."""
    from .compose import _as_float_image

    spr = _as_float_image(sprite, 4, "sprite")
    bg = _as_float_image(background, 3, "background")
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
    """Normalised gradient ascent with backtracking from ``R`` starts at once (module docstring).

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


def random_starts(sprite_hw: tuple[int, int], canvas_hw: tuple[int, int], cfg: AdjustConfig, seed: int) -> np.ndarray:
    """The ``(restarts, 3)`` random starts :func:`adjust` uses with this ``seed``."""
    return random_placements(cfg.restarts, sprite_hw, canvas_hw, cfg, np.random.default_rng([seed, 17]))


def _check_start(start: Placement | None) -> None:
    if start is None:
        return
    if not isinstance(start, Placement):
        raise ValueError(f"start must be a Placement or None, got {type(start).__name__}")
    if not (0 <= start.x <= 1 and 0 <= start.y <= 1 and 0 < start.scale <= 1):
        raise ValueError(f"start {start.as_tuple()} is outside the canvas: need x, y in [0, 1] and scale in (0, 1]")


def adjust(verifier: Verifier, sprite: np.ndarray, background: np.ndarray, parse: np.ndarray, *,
           method: str | None = None, start: Placement | None = None, restarts: int | None = None,
           steps: int | None = None, seed: int = 0, config: AdjustConfig | None = None) -> AdjustResult:
    """Find the placement of ``sprite`` on ``background`` that the verifier scores highest.

    Args:
        verifier: a trained verifier.
        sprite: ``(h, w, 4)`` RGBA foreground, straight alpha, tightly cropped.
        background: ``(H, W, 3)`` RGB background B.
        parse: ``(H, W)`` label ids of B's parsing map S.
        method: one of :data:`METHODS` (see the module docstring); default ``config.method``.
        start: the first restart's start (``greedy`` uses only this one); the others, and the
            first when ``None``, are random feasible placements drawn with ``seed``. With
            ``greedy`` and no start, the authors' fixed start is used: the box in the top-left
            corner at the geometric middle of the scale range.
        restarts, steps: override ``config.restarts`` / ``config.steps``.
        seed: seed of the random starts.
        config: every other setting (:class:`AdjustConfig`).

    Returns:
        An :class:`AdjustResult`; for ``greedy`` its placement is where the search ended (as in
        the authors' code), for the others the best placement visited.

    Raises:
        ValueError: bad arrays (empty alpha, sizes that differ, unknown label ids), a start
            outside the canvas, or non-positive ``restarts`` / ``steps``.
    """
    over = {k: v for k, v in (("method", method), ("restarts", restarts), ("steps", steps)) if v is not None}
    cfg = replace(config or AdjustConfig(), **over)
    _check_start(start)
    t0 = time.perf_counter()
    scorer = PlacementScorer(verifier, sprite, background, parse, cfg.batch_size, cfg.reuse_context)
    if cfg.method == "greedy":
        if start is None:
            s0 = math.sqrt(cfg.scale_min * cfg.scale_max)
            start = Placement(0.0, 0.0, s0)  # projected to the top-left corner
        trajectory = _greedy(scorer, np.array(start.as_tuple()), cfg)
        placement, spatial = Placement(*map(float, trajectory[0].placements[-1])), float(trajectory[0].scores[-1])
    else:
        if cfg.method == "grid":
            trajectory = _grid(scorer, cfg)
        else:
            starts = random_starts(scorer.sprite_hw, scorer.canvas_hw, cfg, seed)
            if start is not None:
                starts[0] = start.as_tuple()
            trajectory = _ascend(scorer, starts, cfg, exact=cfg.method == "autograd")
        placement, spatial = max((t.best() for t in trajectory), key=lambda ps: ps[1])
    content = float(scorer.scores(np.array([placement.as_tuple()]), ("content",))["content"][0])
    return AdjustResult(placement, spatial, content, trajectory, scorer.evaluations, time.perf_counter() - t0,
                        cfg.method, asdict(cfg))
