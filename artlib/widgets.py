"""The interactive gradient-ascent widget of chapter 4 (Section 4.3, Figure 4, made live).

Drag ``x`` / ``y`` / ``scale`` and watch the composite and both verifier scores change (and,
given the verifier's placement map, the whole score surface at the current scale);
press *Step* or *Run ascent* and watch the person move uphill on the verifier's spatial
score; press *Restart* for a random start. With a scene from the synthetic world, the
oracle's verdict is shown beside the scores.

All logic lives in :class:`AdjustSession`, plain Python that the tests drive without a browser
or a kernel; :func:`adjust_app` only wires its methods to ipywidgets controls. The session
scores with :class:`artlib.adjust.PlacementScorer` (B and S encoded once) and steps with
:class:`artlib.adjust.Ascent`, the same code as :func:`artlib.adjust.adjust`.

Shown in chapter 4.
"""
from __future__ import annotations

import io
from dataclasses import dataclass, replace
from typing import Callable

import cv2
import numpy as np

from . import world
from .adjust import AdjustConfig, Ascent, MapScorer, PlacementScorer, random_placements
from .compose import PLACEMENT_KEYS, Placement, paste, placement_box
from .model import PlacementMap, Verifier

__all__ = ["AdjustSession", "View", "adjust_app", "png_bytes", "queries_app", "surface_png", "trace_png"]


@dataclass
class View:
    """What the widget shows: the composite ``(H, W, 3)`` uint8, the placement, both scores,
    the oracle's verdict (``None`` without a scene), the spatial scores so far and, with a placement
    map, its whole surface over feet positions ``(ny, nx)`` at the current scale (``nan`` where the
    box would leave the canvas)."""

    image: np.ndarray
    placement: Placement
    spatial: float
    content: float
    plausible: bool | None
    trace: list[float]
    surface: np.ndarray | None = None

    def caption(self) -> str:
        p = self.placement
        verdict = "" if self.plausible is None else f", oracle: {'plausible' if self.plausible else 'implausible'}"
        return (f"x {p.x:.3f}, y {p.y:.3f}, scale {p.scale:.3f}: spatial {self.spatial:.3f}, "
                f"content {self.content:.3f}{verdict}")


class AdjustSession:
    """One person and one background, moved by hand or by gradient ascent.

    Args:
        verifier: a trained verifier.
        sprite, background, parse: the query (see :func:`artlib.adjust.adjust`).
        scene: the world's scene, for the oracle's verdict (optional).
        method: ``"numerical"`` (the paper) or ``"autograd"`` for *Step*.
        config: step size, bounds (:class:`artlib.adjust.AdjustConfig`).
        seed: seed of *Restart*.
        start: the first placement (default: a random one).
        placement_map: the verifier's :class:`~artlib.model.PlacementMap`: each view then carries
            the map's surface at the current scale (one pass per move).
    """

    def __init__(self, verifier: Verifier, sprite: np.ndarray, background: np.ndarray, parse: np.ndarray, *,
                 scene: world.Scene | None = None, method: str = "numerical", config: AdjustConfig | None = None,
                 seed: int = 0, start: Placement | None = None, placement_map: PlacementMap | None = None):
        if method not in ("numerical", "autograd"):
            raise ValueError(f"method must be 'numerical' or 'autograd', got {method!r}")
        self.cfg = replace(config or AdjustConfig(), method=method)
        self.scorer = PlacementScorer(verifier, sprite, background, parse)
        if placement_map is not None:
            placement_map.check_for(verifier)
        self.map = None if placement_map is None else MapScorer(placement_map, sprite, background, parse)
        self.sprite, self.background, self.scene = sprite, background, scene
        self.rng = np.random.default_rng(seed)
        self.trace: list[float] = []
        self._ascent: Ascent | None = None
        self.placement = start or self._random()
        self.set_placement(*self.placement.as_tuple())

    def _random(self) -> Placement:
        p = random_placements(1, self.scorer.sprite_hw, self.scorer.canvas_hw, self.cfg, self.rng)[0]
        return Placement.of(p)

    def view(self) -> View:
        """The current composite, scores and verdict."""
        p = self.placement
        sc = self.scorer.scores(p.as_array(), ("content", "spatial"))
        image = np.clip(np.round(paste(self.background, self.sprite, p) * 255), 0, 255).astype(np.uint8)
        verdict = None if self.scene is None else bool(world.plausible_mask(
            self.scene, p.x, p.y, p.scale, aspect=self.sprite.shape[1] / self.sprite.shape[0]))
        surface = None if self.map is None else self.map.at_scale(p.scale)
        return View(image, p, float(sc["spatial"][0]), float(sc["content"][0]), verdict, list(self.trace), surface)

    def set_placement(self, x: float, y: float, scale: float) -> View:
        """Move the person by hand (projected onto the feasible set); starts a new trace."""
        self.placement = Placement.of(self.scorer.project(Placement.of((x, y, scale)).as_array(), self.cfg)[0])
        self._ascent = None
        self.trace = []
        view = self.view()  # one forward pass scores the new placement for the view and the trace
        self.trace = [view.spatial]
        return replace(view, trace=list(self.trace))

    def step(self) -> View:
        """One ascent step from the current placement (the step rule of :mod:`artlib.adjust`)."""
        if self._ascent is None:
            self._ascent = Ascent(self.scorer, self.placement.as_array(), self.cfg, self.cfg.method == "autograd")
        self._ascent.step()
        self.placement = Placement.of(self._ascent.xyz[0])
        self.trace.append(float(self._ascent.score[0]))
        return self.view()

    def run(self, steps: int | None = None) -> View:
        """``steps`` ascent steps (default: the config's; 0 takes none)."""
        steps = self.cfg.n_steps if steps is None else steps
        if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 0:
            raise ValueError(f"steps must be a whole number >= 0, got {steps!r}")
        for _ in range(int(steps)):
            self.step()
        return self.view()

    def restart(self) -> View:
        """A random feasible start."""
        p = self._random()
        return self.set_placement(p.x, p.y, p.scale)

    def box(self) -> np.ndarray:
        return placement_box(self.scorer.sprite_hw, self.placement, self.scorer.canvas_hw)


def png_bytes(image: np.ndarray, width: int = 256) -> bytes:
    """An ``(H, W, 3)`` uint8 image, enlarged to ``width`` pixels (nearest neighbour), as PNG bytes."""
    h, w = image.shape[:2]
    big = cv2.resize(image, (width, int(round(h * width / w))), interpolation=cv2.INTER_NEAREST)
    ok, buf = cv2.imencode(".png", cv2.cvtColor(big, cv2.COLOR_RGB2BGR))
    if not ok:  # pragma: no cover - OpenCV always encodes uint8 RGB
        raise RuntimeError("PNG encoding failed")
    return buf.tobytes()


def trace_png(trace: list[float], width: float = 3.0, height: float = 1.4) -> bytes:
    """The spatial score per step as a small line plot, PNG bytes (no pyplot state touched)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=80)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    ax.plot(range(len(trace)), trace, "o-", ms=3)
    ax.set_ylim(0, 1)
    ax.set_xlabel("step", fontsize=7)
    ax.set_ylabel("y^s", fontsize=7)
    ax.tick_params(labelsize=6)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def surface_png(surface: np.ndarray, placement: Placement, width: float = 2.2) -> bytes:
    """A map's surface ``(ny, nx)`` at one scale as a small heat map with the feet marked, PNG bytes."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, width), dpi=80)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    ax.imshow(surface, extent=(0, 1, 1, 0), vmin=0, vmax=1, cmap="viridis")
    ax.plot([placement.x], [placement.y], "w+", ms=10, mew=2)
    ax.set_title(f"map at scale {placement.scale:.2f}", fontsize=7)
    ax.set_xticks([])
    ax.set_yticks([])
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def adjust_app(make_session: Callable[[str], AdjustSession], names: list[str]):
    """The ipywidgets app: a sample picker, x / y / scale sliders, the composite, both scores,
    *Step* / *Run ascent* / *Restart*, and the score trace.

    Args:
        make_session: builds the session of a sample name.
        names: the samples to pick from.

    Returns:
        An ``ipywidgets.VBox``; display it in JupyterLab (it needs a live kernel).
    """
    import ipywidgets as W

    state = {"session": make_session(names[0]), "busy": False}
    pick = W.Dropdown(options=names, description="sample")
    sliders = {k: W.FloatSlider(min=lo, max=1.0, step=0.005, description=k, continuous_update=True, readout_format=".3f")
               for k, lo in (("x", 0.0), ("y", 0.0), ("scale", 0.05))}
    image, trace, surface = W.Image(format="png", width=256), W.Image(format="png"), W.Image(format="png")
    caption = W.HTML()
    buttons = {k: W.Button(description=k) for k in ("Step", "Run ascent", "Restart")}

    def show(view: View) -> None:
        state["busy"] = True  # moving the sliders programmatically must not trigger set_placement
        for k, v in view.placement.to_dict().items():
            sliders[k].value = v
        state["busy"] = False
        image.value, trace.value, caption.value = png_bytes(view.image), trace_png(view.trace), view.caption()
        surface.layout.display = "none" if view.surface is None else None
        if view.surface is not None:
            surface.value = surface_png(view.surface, view.placement)

    def on_slide(_change) -> None:
        if not state["busy"]:
            show(state["session"].set_placement(*(sliders[k].value for k in PLACEMENT_KEYS)))

    def on_pick(change) -> None:
        state["session"] = make_session(change["new"])
        show(state["session"].view())

    for s in sliders.values():
        s.observe(on_slide, names="value")
    pick.observe(on_pick, names="value")
    buttons["Step"].on_click(lambda _b: show(state["session"].step()))
    buttons["Run ascent"].on_click(lambda _b: show(state["session"].run()))
    buttons["Restart"].on_click(lambda _b: show(state["session"].restart()))
    show(state["session"].view())
    controls = W.VBox([*sliders.values(), W.HBox(list(buttons.values())), caption, trace])
    return W.VBox([pick, W.HBox([image, controls, surface])])


def queries_app(verifier: Verifier, queries: list, config: AdjustConfig | None = None, seed: int = 0,
                placement_map: PlacementMap | None = None):
    """:func:`adjust_app` over a list of queries (anything with ``name``, ``sprite``, ``background``,
    ``parse`` and ``scene``, such as :class:`artlib.evaluate.Query`), one session per pick; with
    ``placement_map`` the app also shows the map's surface at the current scale."""
    by_name = {q.name: q for q in queries}

    def make(name: str) -> AdjustSession:
        q = by_name[name]
        return AdjustSession(verifier, q.sprite, q.background, q.parse, scene=q.scene, config=config, seed=seed,
                             placement_map=placement_map)

    return adjust_app(make, list(by_name))
