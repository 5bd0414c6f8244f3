"""The placement search of Section 4.3: four methods, one interface, bounds, costs, bad input."""
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from artlib.adjust import (
    DEFAULT_STEPS, GREEDY_SCALES, METHODS, AdjustConfig, PlacementScorer, adjust, grid_placements, project,
    random_placements,
)
from artlib.compose import Placement, placement_box, sprite_width
from artlib.model import Verifier, VerifierConfig
from artlib.world import WORLD_LABELS
from conftest import ToyVerifier

TARGET = Placement(0.55, 0.8, 0.45)


@pytest.fixture(scope="module")
def toy(toy_query):
    sprite, bg, parse, _, _ = toy_query
    return ToyVerifier(TARGET, sprite, bg.shape[:2]), sprite, bg, parse


def _inside(p: Placement, sprite, bg, cfg=AdjustConfig()) -> bool:
    x0, y0, x1, y1 = placement_box(sprite.shape[:2], p, bg.shape[:2])
    eps = 1e-9
    return x0 >= -eps and x1 <= 1 + eps and y0 >= -eps and y1 <= 1 + eps and cfg.scale_min - eps <= p.scale <= cfg.scale_max + eps


@pytest.mark.parametrize("method", ["numerical", "autograd", "grid"])
def test_ascent_methods_find_the_known_optimum(toy, method):
    model, sprite, bg, parse = toy
    res = adjust(model, sprite, bg, parse, method=method, restarts=4, steps=30, seed=1)
    assert abs(res.placement.x - TARGET.x) < 0.03 and abs(res.placement.y - TARGET.y) < 0.03
    assert abs(np.log(res.placement.scale / TARGET.scale)) < 0.1
    assert res.spatial > 0.8 and res.spatial == pytest.approx(max(t.scores.max() for t in res.trajectory))


def test_greedy_follows_the_authors_moves(toy):
    model, sprite, bg, parse = toy
    cfg = AdjustConfig()
    res = adjust(model, sprite, bg, parse, method="greedy", start=Placement(0.3, 0.6, 0.3))
    path = res.trajectory[0].placements
    assert len(res.trajectory) == 1 and len(path) == DEFAULT_STEPS["greedy"] + 1 == 11
    for a, b in zip(path[:-1], path[1:]):
        dx, dy, r = b[0] - a[0], b[1] - a[1], b[2] / a[2]
        moved = sorted([abs(dx), abs(dy)])
        # one step of 1/20 in x or in y (less where the canvas edge clips it), scale x 0.95 / 1 / 1.05
        assert moved[0] < 1e-9 and moved[1] <= cfg.greedy_step + 1e-9
        assert min(abs(r - f) for f in GREEDY_SCALES) < 1e-9 or _inside(Placement(*b), sprite, bg)
    # the result is where the search ended, as in the authors' code
    assert res.placement.as_tuple() == pytest.approx(tuple(path[-1]))
    assert res.spatial > res.trajectory[0].scores[0]


def test_evaluation_counts_match_the_documented_costs(toy):
    model, sprite, bg, parse = toy
    R, T = 3, 4
    cfg = AdjustConfig(refine=2)
    G = len(grid_placements(sprite.shape[:2], bg.shape[:2], cfg))
    expect = {"numerical": 7 * R * (T + 1), "autograd": R * (T + 1), "greedy": 1 + 12 * T, "grid": G + 7 * 2 * (T + 1)}
    for m in set(METHODS) - {"map"}:  # map's costs: tests/test_placement_map.py (it needs a trained map)
        res = adjust(model, sprite, bg, parse, method=m, restarts=R, steps=T, config=cfg)
        assert res.evaluations == expect[m] + 1, m  # + the content score of the result
        assert res.seconds > 0 and res.method == m


def test_autograd_gradient_matches_finite_differences(toy_query):
    """The exact gradient through the paste agrees with central differences.

    A smooth sprite (a Gaussian blob, magnified when pasted) keeps bilinear sampling free of
    aliasing; a minified sprite has a local gradient that finite differences over a larger
    step do not see (which is one reason the paper's numerical gradient is not the exact one).
    """
    _, bg, parse, _, _ = toy_query
    yy, xx = np.mgrid[0:12, 0:6]
    sprite = np.ones((12, 6, 4), np.float32)
    sprite[..., 3] = np.exp(-((yy - 5.5) ** 2 / 18 + (xx - 2.5) ** 2 / 4))
    model = ToyVerifier(TARGET, sprite, bg.shape[:2], width=0.1)
    scorer = PlacementScorer(model, sprite, bg, parse)
    xyz = torch.tensor([[0.5, 0.78, 0.42], [0.6, 0.85, 0.5]], dtype=torch.float64)
    s, g = scorer.spatial_with_grad(xyz)
    e = 1e-3
    for k in range(3):
        hi, lo = xyz.clone(), xyz.clone()
        if k < 2:
            hi[:, k] += e
            lo[:, k] -= e
        else:
            hi[:, 2] *= np.exp(e)
            lo[:, 2] *= np.exp(-e)
        fd = (scorer.spatial(hi) - scorer.spatial(lo)) / (2 * e)
        # bilinear sampling is piecewise linear: a central difference across a kink differs a little
        np.testing.assert_allclose(g[:, k].numpy(), fd, rtol=0.1, atol=0.02)
    np.testing.assert_allclose(s.numpy(), scorer.spatial(xyz), atol=1e-6)


def test_restarts_share_one_batch_and_the_start_is_used(toy):
    model, sprite, bg, parse = toy
    start = Placement(0.2, 0.5, 0.3)
    res = adjust(model, sprite, bg, parse, method="numerical", start=start, restarts=3, steps=2)
    assert len(res.trajectory) == 3
    assert tuple(res.trajectory[0].placements[0]) == pytest.approx(start.as_tuple())
    # scores never go down along a trajectory (steps are accepted only uphill)
    for t in res.trajectory:
        assert np.all(np.diff(t.scores) >= -1e-12)


def test_same_seed_same_result(toy):
    model, sprite, bg, parse = toy
    a = adjust(model, sprite, bg, parse, method="numerical", restarts=2, steps=3, seed=5)
    b = adjust(model, sprite, bg, parse, method="numerical", restarts=2, steps=3, seed=5)
    assert a.placement == b.placement and a.spatial == b.spatial


@settings(max_examples=60, deadline=None)
@given(st.floats(-5, 5), st.floats(-5, 5), st.floats(1e-4, 10), st.floats(0.2, 3.0))
def test_any_projected_placement_is_valid(x, y, s, aspect):
    cfg = AdjustConfig()
    sprite_hw, canvas_hw = (100, int(100 * aspect)), (64, 64)
    p = Placement(*map(float, project(np.array([[x, y, s]]), sprite_hw, canvas_hw, cfg)[0]))
    w = sprite_width(sprite_hw, p.scale, canvas_hw)
    assert p.x - w / 2 >= -1e-9 and p.x + w / 2 <= 1 + 1e-9 and p.y - p.scale >= -1e-9 and p.y <= 1 + 1e-9
    assert cfg.scale_min - 1e-12 <= p.scale <= cfg.scale_max + 1e-12


def test_random_and_grid_placements_are_feasible(toy_query):
    sprite, bg, *_ = toy_query
    cfg = AdjustConfig()
    pts = np.concatenate([random_placements(200, sprite.shape[:2], bg.shape[:2], cfg, np.random.default_rng(0)),
                          grid_placements(sprite.shape[:2], bg.shape[:2], cfg)])
    assert all(_inside(Placement(*p), sprite, bg) for p in pts)
    np.testing.assert_allclose(project(pts, sprite.shape[:2], bg.shape[:2], cfg), pts, atol=1e-12)


def test_cached_context_gives_the_plain_forward_scores(toy_query):
    """B and S encoded once give the same scores as the authors' re-encoding of every candidate."""
    sprite, bg, parse, _, _ = toy_query
    torch.manual_seed(0)
    model = Verifier(VerifierConfig(encoder="test_resnet", image_size=48, spatial_fusion="map"), WORLD_LABELS).eval()
    pts = random_placements(5, sprite.shape[:2], bg.shape[:2], AdjustConfig(), np.random.default_rng(1))
    cached = PlacementScorer(model, sprite, bg, parse).scores(pts, ("content", "spatial"))
    fresh = PlacementScorer(model, sprite, bg, parse, batch_size=1, reuse_context=False).scores(pts, ("content", "spatial"))
    for k in cached:
        np.testing.assert_allclose(cached[k], fresh[k], atol=1e-6)


@pytest.mark.parametrize("kw, match", [
    ({"restarts": 0}, "restarts must be an integer >= 1"),
    ({"steps": 0}, "steps must be an integer >= 1"),
    ({"method": "anneal"}, "method must be one of"),
    ({"start": Placement(1.5, 0.5, 0.3)}, "start .* is outside the canvas"),
    ({"start": Placement(0.5, -0.1, 0.3)}, "start .* is outside the canvas"),
])
def test_bad_arguments(toy, kw, match):
    model, sprite, bg, parse = toy
    with pytest.raises(ValueError, match=match):
        adjust(model, sprite, bg, parse, **kw)


def test_bad_arrays(toy):
    model, sprite, bg, parse = toy
    empty = sprite.copy()
    empty[..., 3] = 0
    with pytest.raises(ValueError, match="sprite: the alpha channel is empty"):
        adjust(model, empty, bg, parse)
    with pytest.raises(ValueError, match=r"background \(48, 48\) and parse \(40, 48\) differ in size"):
        adjust(model, sprite, bg, parse[:40])
    bad = parse.copy()
    bad[0, 0] = 99
    with pytest.raises(ValueError, match=r"parse: label ids must be in \[0, 17\), got 0..99"):
        adjust(model, sprite, bg, bad)
    with pytest.raises(ValueError, match="parse must be an"):
        adjust(model, sprite, bg, parse.astype(np.float32))
    with pytest.raises(ValueError, match=r"sprite must have shape \(H, W, 4\)"):
        adjust(model, sprite[..., :3], bg, parse)


def test_config_validation():
    with pytest.raises(ValueError, match="scale_min < scale_max"):
        AdjustConfig(scale_min=0.5, scale_max=0.4)
    with pytest.raises(ValueError, match="grid must be three counts"):
        AdjustConfig(grid=(4, 4))
    with pytest.raises(ValueError, match="unknown adjustment options"):
        AdjustConfig.from_dict({"methd": "grid"})
    assert AdjustConfig.from_dict({"grid": [2, 3, 4]}).grid == (2, 3, 4)
    assert AdjustConfig(method="greedy").n_steps == 10 and AdjustConfig(method="numerical").n_steps == 20
    assert AdjustConfig().method == "grid" and AdjustConfig().n_steps == 5


def test_feet_at_bottom_keeps_every_placement_on_the_bottom_edge():
    from artlib.adjust import AdjustConfig, grid_placements, project, random_placements

    cfg = AdjustConfig(feet_at_bottom=True)
    g = grid_placements((40, 20), (64, 64), cfg)
    assert len(g) and np.all(g[:, 1] == 1.0)
    assert len(np.unique(g[:, [0, 2]], axis=0)) == len(g)  # the grid's rows collapse onto one: no duplicates
    assert np.all(random_placements(50, (40, 20), (64, 64), cfg, np.random.default_rng(0))[:, 1] == 1.0)
    np.testing.assert_allclose(project(np.array([[0.5, 0.4, 0.3]]), (40, 20), (64, 64), cfg)[0], [0.5, 1.0, 0.3])


# ------------------------------------------------------------------------------ the camera band
CAMERA = AdjustConfig(camera=(0.1, 0.5), camera_factor=1.3)


def _ratio(p: np.ndarray, cfg: AdjustConfig = CAMERA) -> np.ndarray:
    """Each placement's scale over the camera rule's height at its feet."""
    hz, k = cfg.camera
    return p[:, 2] / (k * (p[:, 1] - hz))


@settings(max_examples=60, deadline=None)
@given(st.floats(-5, 5), st.floats(-5, 5), st.floats(1e-4, 10), st.floats(0.2, 1.5))
def test_projection_with_a_camera_lands_in_the_band_and_on_the_canvas(x, y, s, aspect):
    sprite_hw, canvas_hw = (100, int(100 * aspect)), (64, 64)
    p = project(np.array([[x, y, s]]), sprite_hw, canvas_hw, CAMERA)
    w = sprite_width(sprite_hw, p[0, 2], canvas_hw)
    assert p[0, 0] - w / 2 >= -1e-9 and p[0, 0] + w / 2 <= 1 + 1e-9 and p[0, 1] - p[0, 2] >= -1e-9 and p[0, 1] <= 1
    hi = min(1.3 * 0.5 * (p[0, 1] - 0.1), CAMERA.scale_max, 1 / sprite_width(sprite_hw, 1.0, canvas_hw))
    assert 1 / 1.3 - 1e-9 <= _ratio(p)[0] or p[0, 2] == pytest.approx(CAMERA.scale_min)  # the band's floor
    assert p[0, 2] <= hi + 1e-9


def test_random_grid_and_projection_agree_on_the_band(toy_query):
    sprite, bg, *_ = toy_query
    pts = random_placements(300, sprite.shape[:2], bg.shape[:2], CAMERA, np.random.default_rng(0))
    grid = grid_placements(sprite.shape[:2], bg.shape[:2], CAMERA)
    for p in (pts, grid):
        assert np.all((_ratio(p) >= 1 / 1.3 - 1e-9) & (_ratio(p) <= 1.3 + 1e-9))
        assert all(_inside(Placement(*q), sprite, bg) for q in p)
    np.testing.assert_allclose(project(pts, sprite.shape[:2], bg.shape[:2], CAMERA), pts, atol=1e-12)
    assert len(grid) < len(grid_placements(sprite.shape[:2], bg.shape[:2], AdjustConfig()))
    assert np.ptp(_ratio(pts)) > 0.4  # spread over the band, not stuck at one edge


@pytest.mark.parametrize("method", ["numerical", "greedy", "grid"])
def test_every_search_stays_in_the_camera_band(toy, method):
    """The toy's optimum (feet 0.8, scale 0.45) is 1.29 times the band's height there (0.35): the
    search ends inside the band, at its edge near the optimum."""
    model, sprite, bg, parse = toy
    res = adjust(model, sprite, bg, parse, method=method, restarts=4, steps=20, seed=1,
                 config=AdjustConfig(camera=CAMERA.camera, camera_factor=1.1))
    p = res.placement
    assert 1 / 1.1 - 1e-6 <= p.scale / (0.5 * (p.y - 0.1)) <= 1.1 + 1e-6
    assert all(1 / 1.1 - 1e-6 <= r <= 1.1 + 1e-6 for t in res.trajectory for r in _ratio(t.placements))


def test_camera_settings_are_checked_and_read_back():
    with pytest.raises(ValueError, match=r"camera must be \(horizon, k\) with k > 0"):
        AdjustConfig(camera=(0.2, -1.0))
    with pytest.raises(ValueError, match="camera_factor must be > 1"):
        AdjustConfig(camera=(0.2, 1.0), camera_factor=1.0)
    assert AdjustConfig.from_dict({"camera": [0.1, 0.5]}).camera == (0.1, 0.5)
    assert AdjustConfig.from_dict({"camera": None}).camera is None
