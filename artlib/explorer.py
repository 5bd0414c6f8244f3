"""The placement explorer of the HTML book: chapter 4's widget without a kernel.

The live ipywidgets app (:mod:`artlib.widgets`) needs a Python kernel, which a built book does
not have. The explorer instead scores everything a reader can reach *at build time* and embeds
it in the page with a small plain-JavaScript viewer (``explorer.js`` beside this module):

* :func:`explorer_scene` scores one person on one background at every cell of an ``(nx, ny,
  ns)`` grid of feet positions and heights (:func:`artlib.adjust.full_grid`), with the spatial
  and the content head of each verifier, asks the world's oracle about every cell (where the
  background is a world scene), and runs a few of the paper's numerical ascents (Section 4.3)
  from random starts, keeping their paths with the scores and verdicts along them;
* :func:`explorer_html` writes the scenes as JSON into one ``<div>`` with the viewer's script:
  the reader drags the person (or clicks where the feet go), moves a height slider, switches
  verifier and scene, and replays a stored ascent; the composite, both scores and the oracle's
  verdict follow, and a heat map shows the spatial score over all feet positions at the
  current height. Nothing is fetched; the page works from a file.

What the reader sees is exactly what was computed: a cell's shown scores are the stored ones
(the tests drive the page in Chromium and compare). The browser draws the person at screen
resolution over the background; the verifier saw the composite at its own input size.

Shown in chapter 4.
"""
from __future__ import annotations

import base64
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from . import world
from .adjust import AdjustConfig, PlacementScorer, adjust, full_grid
from .compose import as_float_image, sprite_width
from .model import Verifier

__all__ = ["EXPLORER_GRID", "explorer_html", "explorer_scene", "nearest_cell", "page_bytes"]

#: The explorer's default grid ``(nx, ny, ns)``: feet positions across and down, heights.
EXPLORER_GRID = (16, 16, 8)
_SCRIPT = Path(__file__).with_name("explorer.js")
_DIGITS = 3  # scores are stored, and shown, with three decimals


def _png_uri(image: np.ndarray) -> str:
    """An ``(H, W, 3|4)`` float image in [0, 1] as a PNG data URI (RGB or RGBA)."""
    u8 = np.clip(np.round(image * 255), 0, 255).astype(np.uint8)
    code = cv2.COLOR_RGBA2BGRA if u8.shape[2] == 4 else cv2.COLOR_RGB2BGR
    ok, buf = cv2.imencode(".png", cv2.cvtColor(u8, code))
    if not ok:  # pragma: no cover - OpenCV always encodes uint8 images
        raise RuntimeError("PNG encoding failed")
    return "data:image/png;base64," + base64.b64encode(buf.tobytes()).decode("ascii")


def _rounded(values: np.ndarray, keep: np.ndarray) -> list[float | None]:
    """Scores rounded for the page, ``None`` where ``keep`` is false."""
    return [round(float(v), _DIGITS) if k else None for v, k in zip(values, keep)]


def _verdicts(scene: world.Scene | None, cells: np.ndarray, aspect: float) -> list[bool] | None:
    if scene is None:
        return None
    return [bool(v) for v in world.plausible_mask(scene, cells[:, 0], cells[:, 1], cells[:, 2], aspect=aspect)]


def _path(scorer: PlacementScorer, placements: np.ndarray, scene: world.Scene | None, aspect: float) -> dict:
    """One ascent path without its repeated points (refused steps), with both scores and verdicts."""
    keep = np.r_[True, np.any(np.abs(np.diff(placements, axis=0)) > 1e-9, axis=1)]
    xyz = placements[keep]
    sc = scorer.scores(xyz, ("spatial", "content"))
    return {"placements": np.round(xyz, 4).tolist(), "spatial": _rounded(sc["spatial"], np.ones(len(xyz), bool)),
            "content": _rounded(sc["content"], np.ones(len(xyz), bool)), "plausible": _verdicts(scene, xyz, aspect)}


def explorer_scene(name: str, title: str, sprite: np.ndarray, background: np.ndarray, parse: np.ndarray,
                   verifiers: dict[str, Verifier], *, scene: world.Scene | None = None, fits: bool | None = None,
                   grid: tuple[int, int, int] = EXPLORER_GRID, paths: int = 2, seed: int = 0,
                   config: AdjustConfig | None = None) -> dict[str, Any]:
    """Everything the explorer shows for one person on one background, computed now.

    Args:
        name, title: the scene's key and its caption in the page.
        sprite: ``(h, w, 4)`` RGBA person; background ``(H, W, 3)`` RGB; parse ``(H, W)`` label ids
            (the verifiers' input size).
        verifiers: ``{key: verifier}``, each scored at every cell (spatial and content heads).
        scene: the world's scene behind the background, for the oracle's verdicts (``None``: a real
            photo, no verdicts).
        fits: the content oracle, whether the person's outfit fits the place (``None``: unknown).
        grid: ``(nx, ny, ns)`` cells; scales geometric in the search's range.
        paths: numerical ascents per verifier, from random starts ``seed, seed + 1, ...``.
        config: the search's settings (default :class:`~artlib.adjust.AdjustConfig`); the paths use
            its numerical ascent with one restart each.

    Returns:
        A JSON-ready dict: the images as PNG data URIs, the grid's axes, which cells are feasible,
        the oracle's verdict per cell (or ``None``), and per verifier the scores per cell
        (``None`` where infeasible; flat, ``x`` slowest, scale fastest) and the paths.
    """
    if not verifiers:
        raise ValueError("verifiers: give at least one verifier to score with")
    if len(grid) != 3 or any(int(n) < 1 for n in grid):
        raise ValueError(f"grid must be three whole numbers >= 1 (nx, ny, ns), got {grid!r}")
    sprite, background = as_float_image(sprite, 4, "sprite"), as_float_image(background, 3, "background")
    cfg = replace(config or AdjustConfig(), grid=tuple(int(n) for n in grid))
    cells, feasible = full_grid(sprite.shape[:2], background.shape[:2], cfg)
    aspect = sprite_width(sprite.shape[:2], 1.0, background.shape[:2])
    plausible = _verdicts(scene, cells, aspect)
    ascent = replace(cfg, method="numerical", restarts=1)
    out: dict[str, Any] = {
        "name": name, "title": title, "height": int(background.shape[0]), "width": int(background.shape[1]),
        "background": _png_uri(background), "sprite": _png_uri(sprite), "aspect": float(aspect),
        "grid": list(cfg.grid), "xs": sorted(set(np.round(cells[:, 0], 6).tolist())),
        "ys": sorted(set(np.round(cells[:, 1], 6).tolist())), "scales": sorted(set(np.round(cells[:, 2], 6).tolist())),
        "feasible": [bool(v) for v in feasible], "plausible": plausible, "fits": fits, "verifiers": {},
    }
    for key, verifier in verifiers.items():
        scorer = PlacementScorer(verifier, sprite, background, parse)
        sc = {h: np.full(len(cells), np.nan) for h in ("spatial", "content")}
        got = scorer.scores(cells[feasible], ("spatial", "content"))
        for h in sc:
            sc[h][feasible] = got[h]
        runs = [adjust(verifier, sprite, background, parse, method="numerical", seed=seed + k, config=ascent)
                for k in range(paths)]
        out["verifiers"][key] = {"spatial": _rounded(sc["spatial"], feasible), "content": _rounded(sc["content"], feasible),
                                 "paths": [_path(scorer, r.trajectory[0].placements, scene, aspect) for r in runs]}
    return out


def nearest_cell(scene: dict[str, Any], x: float, y: float, scale_index: int) -> int | None:
    """The flat index of the feasible cell at height ``scale_index`` whose feet are nearest
    ``(x, y)`` (canvas units), as the viewer snaps a drag; ``None`` if no cell of that height fits."""
    nx, ny, ns = scene["grid"]
    xs, ys = np.asarray(scene["xs"]), np.asarray(scene["ys"])
    best, where = None, np.inf
    for ix in range(nx):
        for iy in range(ny):
            i = (ix * ny + iy) * ns + scale_index
            d = (xs[ix] - x) ** 2 + (ys[iy] - y) ** 2
            if scene["feasible"][i] and d < where:
                best, where = i, d
    return best


def explorer_html(scenes: list[dict[str, Any]], labels: dict[str, str], element_id: str = "art-explorer") -> str:
    """The explorer as one HTML fragment: a ``<div>``, the scenes as JSON, the viewer's script.

    Args:
        scenes: from :func:`explorer_scene`, each scored by the same verifier keys.
        labels: ``{verifier key: name shown}``, in the order of the page's choice.
        element_id: the ``id`` of the ``<div>`` (the JSON is ``ID-data``).
    """
    if not scenes:
        raise ValueError("scenes: give at least one scene")
    keys = set(scenes[0]["verifiers"])
    if any(set(s["verifiers"]) != keys for s in scenes) or set(labels) != keys:
        raise ValueError(f"every scene and the labels must name the same verifiers, {sorted(keys)}")
    payload = json.dumps({"scenes": scenes, "labels": labels}, separators=(",", ":")).replace("</", "<\\/")
    script = _SCRIPT.read_text()
    return (f'<div class="art-explorer" id="{element_id}"></div>\n'
            f'<script type="application/json" id="{element_id}-data">{payload}</script>\n'
            f'<script>\n{script}\nartExplorer("{element_id}");\n</script>\n')


def page_bytes(html: str) -> int:
    """What a fragment adds to a page, in bytes (UTF-8)."""
    return len(html.encode("utf-8"))
