"""The kernel-free explorer: what it stores is what the verifier and the oracle say, cell by cell."""
import json
import re

import numpy as np
import pytest

from artlib import world
from artlib.adjust import AdjustConfig, PlacementScorer, full_grid, grid_placements
from artlib.compose import Placement, sprite_width
from artlib.explorer import explorer_html, explorer_scene, nearest_cell, page_bytes
from conftest import ToyVerifier

GRID = (6, 5, 3)


@pytest.fixture(scope="module")
def scene_data(toy_query):
    sprite, bg, parse, scene, _ = toy_query
    toy = ToyVerifier(Placement(0.5, 0.8, 0.4), sprite, bg.shape[:2], width=0.2)
    return explorer_scene("toy", "a toy", sprite, bg, parse, {"toy": toy}, scene=scene, fits=True, grid=GRID, paths=2), toy


def test_every_feasible_cell_carries_the_verifiers_scores_and_the_oracles_verdict(scene_data, toy_query):
    data, toy = scene_data
    sprite, bg, parse, scene, _ = toy_query
    cells, ok = full_grid(sprite.shape[:2], bg.shape[:2], AdjustConfig(grid=GRID))
    assert len(data["feasible"]) == np.prod(GRID) and data["feasible"] == ok.tolist()
    assert np.allclose(cells[ok], grid_placements(sprite.shape[:2], bg.shape[:2], AdjustConfig(grid=GRID)))
    want = PlacementScorer(toy, sprite, bg, parse).scores(cells[ok], ("spatial", "content"))
    got = data["verifiers"]["toy"]
    for head in ("spatial", "content"):
        stored = np.array([v for v in got[head] if v is not None])
        assert np.allclose(stored, np.round(want[head], 3), atol=5e-4)
        assert all((v is None) == (not k) for v, k in zip(got[head], ok))
    aspect = sprite_width(sprite.shape[:2], 1.0, bg.shape[:2])
    assert data["plausible"] == world.plausible_mask(scene, *cells.T, aspect=aspect).tolist()
    # the flat index runs x slowest, scale fastest, as the viewer reads it
    nx, ny, ns = GRID
    ix, iy, iz = 4, 2, 1
    assert np.allclose(cells[(ix * ny + iy) * ns + iz], [data["xs"][ix], data["ys"][iy], data["scales"][iz]])


def test_paths_are_the_numerical_ascent_without_repeats(scene_data):
    data, _ = scene_data
    paths = data["verifiers"]["toy"]["paths"]
    assert len(paths) == 2 and paths[0]["placements"] != paths[1]["placements"]  # two random starts
    for p in paths:
        xyz = np.array(p["placements"])
        assert len(xyz) == len(p["spatial"]) == len(p["content"]) == len(p["plausible"])
        assert np.all(np.abs(np.diff(xyz, axis=0)).max(1) > 0)
        assert p["spatial"][-1] >= p["spatial"][0]  # an ascent never ends below its start


def test_nearest_cell_snaps_to_the_closest_feasible_feet(scene_data):
    data, _ = scene_data
    nx, ny, ns = GRID
    for x, y, k in ((0.0, 0.0, 0), (0.51, 0.77, 1), (1.0, 1.0, 2)):
        i = nearest_cell(data, x, y, k)
        options = [(data["xs"][a] - x) ** 2 + (data["ys"][b] - y) ** 2 for a in range(nx) for b in range(ny)
                   if data["feasible"][(a * ny + b) * ns + k]]
        ix, iy, iz = i // (ny * ns), i // ns % ny, i % ns
        assert data["feasible"][i] and iz == k
        assert (data["xs"][ix] - x) ** 2 + (data["ys"][iy] - y) ** 2 == pytest.approx(min(options))


def test_the_page_fragment_holds_the_json_and_the_viewer(scene_data):
    data, _ = scene_data
    odd = {**data, "title": "a </script> title"}
    html = explorer_html([odd], {"toy": "a toy verifier"}, element_id="ex")
    payload = re.search(r'<script type="application/json" id="ex-data">(.*?)</script>', html, re.S).group(1)
    assert "</script>" not in payload and json.loads(payload)["scenes"][0]["title"] == "a </script> title"
    assert 'artExplorer("ex")' in html and "function artExplorer" in html and "http" not in html.split("<script>")[1]
    assert page_bytes(html) == len(html.encode())


def test_bad_input_is_refused(scene_data, toy_query):
    data, toy = scene_data
    sprite, bg, parse, scene, _ = toy_query
    with pytest.raises(ValueError, match="same verifiers"):
        explorer_html([data], {"other": "x"})
    with pytest.raises(ValueError, match="at least one scene"):
        explorer_html([], {"toy": "x"})
    with pytest.raises(ValueError, match="grid"):
        explorer_scene("t", "t", sprite, bg, parse, {"toy": toy}, grid=(4, 0, 2))
    with pytest.raises(ValueError, match="verifiers"):
        explorer_scene("t", "t", sprite, bg, parse, {})


def test_a_real_photo_has_no_verdicts(toy_query):
    sprite, bg, parse, _, _ = toy_query
    toy = ToyVerifier(Placement(0.5, 0.8, 0.4), sprite, bg.shape[:2])
    data = explorer_scene("r", "real", sprite, bg, parse, {"toy": toy}, grid=(3, 3, 2), paths=1)
    assert data["plausible"] is None and data["verifiers"]["toy"]["paths"][0]["plausible"] is None
