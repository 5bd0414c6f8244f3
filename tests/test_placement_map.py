"""The placement map (chapter 4): one pass for a whole grid, pinned against a verifier with a known optimum."""
from __future__ import annotations

import types
from dataclasses import replace

import numpy as np
import pytest
import torch

from conftest import ToyVerifier

from artlib.adjust import AdjustConfig, MapScorer, PlacementScorer, adjust, map_surface
from artlib.compose import Placement, sprite_width
from artlib.model import MAX_SCALES, PlacementMap, PlacementMapConfig, Verifier, VerifierConfig, verifier_identity
from artlib.score import max_displacement, spatial_score
from artlib.train import MapTrainConfig, eq1_targets, fit_epoch, load_placement_map, prepare_queries, sample_placements
from artlib.world import WORLD_LABELS

TARGET = Placement(0.35, 0.8, 0.45)


def _toy(sprite, bg):
    toy = ToyVerifier(TARGET, sprite, bg.shape[:2], width=0.08)
    toy.labels = WORLD_LABELS
    toy.config = types.SimpleNamespace(to_dict=lambda: {"toy": TARGET.as_tuple()})
    return toy


@pytest.fixture(scope="module")
def distilled(toy_query):
    """A map distilled from the toy verifier on one scene (16 copies a step, 25 steps)."""
    sprite, bg, parse, _, placement = toy_query
    toy = _toy(sprite, bg)
    torch.manual_seed(0)
    pm = PlacementMap(PlacementMapConfig(image_size=48, scene_cue=False), WORLD_LABELS, verifier_identity(toy))
    q = types.SimpleNamespace(sprite=sprite, background=bg, parse=parse, placement=placement)
    cfg = MapTrainConfig(targets="distil", batch_size=16, placements=64, lr=3e-3)
    opt = torch.optim.Adam(pm.parameters(), lr=cfg.lr)
    rng = np.random.default_rng(0)
    data = prepare_queries([q] * 16)
    losses = [fit_epoch(pm, toy, data, cfg, opt, rng) for _ in range(25)]
    return toy, pm, losses


def test_distilled_map_finds_the_known_optimum(distilled, toy_query):
    sprite, bg, parse, _, _ = toy_query
    toy, pm, losses = distilled
    assert losses[-1] < 0.5 * losses[0]
    cfg = AdjustConfig(map_grid=(24, 24, 9))
    surf = map_surface(pm, sprite, bg, parse, cfg)
    cells = surf.cells()
    ok = np.isfinite(surf.scores.ravel())
    teacher = PlacementScorer(toy, sprite, bg, parse).spatial(cells[ok])
    t_best = cells[ok][np.argmax(teacher)]
    m_best, _ = surf.best(1)
    # within one cell of the teacher's best cell in x and y, one scale step, and near the known optimum
    assert abs(m_best[0, 0] - t_best[0]) <= 1 / 24 + 1e-9 and abs(m_best[0, 1] - t_best[1]) <= 2 / 24 + 1e-9
    assert abs(np.log(m_best[0, 2] / t_best[2])) <= np.log(surf.scales[1] / surf.scales[0]) * 1.01
    assert np.hypot(m_best[0, 0] - TARGET.x, m_best[0, 1] - TARGET.y) < 0.08
    # the map ranks the grid as the teacher does
    assert np.corrcoef(teacher, surf.scores.ravel()[ok])[0, 1] > 0.8


def test_map_method_one_pass_then_refined(distilled, toy_query):
    sprite, bg, parse, _, _ = toy_query
    toy, pm, _ = distilled
    cfg = AdjustConfig(map_grid=(24, 24, 9))
    plain = adjust(toy, sprite, bg, parse, method="map", config=cfg, placement_map=pm)
    best, _ = map_surface(pm, sprite, bg, parse, cfg).best(1)
    assert plain.placement.as_tuple() == pytest.approx(tuple(best[0]))
    assert plain.evaluations == 1  # the result's content and spatial scores, in one pass
    assert plain.spatial == pytest.approx(float(PlacementScorer(toy, sprite, bg, parse).spatial(best)[0]), abs=1e-6)
    refined = adjust(toy, sprite, bg, parse, method="map", config=replace(cfg, map_refine=1), placement_map=pm)
    assert refined.evaluations == 7 * (cfg.n_steps + 1) + 1
    assert refined.spatial >= plain.spatial - 1e-9


def test_surface_is_one_function_of_the_placement(distilled, toy_query):
    """The dense map equals the map evaluated cell by cell; infeasible cells are nan."""
    sprite, bg, parse, _, _ = toy_query
    _, pm, _ = distilled
    ms = MapScorer(pm, sprite, bg, parse)
    xs, ys, ss = np.array([0.3, 0.5]), np.array([0.6, 0.9]), np.array([0.2, 0.7])
    dense = ms.scores(xs, ys, ss)
    for k, s in enumerate(ss):
        for j, y in enumerate(ys):
            for i, x in enumerate(xs):
                one = ms.scores(np.array([x]), np.array([y]), np.array([s]))[0, 0, 0]
                assert np.isnan(one) == np.isnan(dense[k, j, i])
                if not np.isnan(one):
                    assert one == pytest.approx(dense[k, j, i], abs=1e-5)
    assert np.isnan(dense[1, 0]).all()  # a person 0.7 tall with the feet at 0.6 leaves the canvas
    assert ms.at_scale(0.3, (16, 16)).shape == (16, 16)


def test_eq1_targets_pin_the_formula():
    own = np.array([0.4, 0.9, 0.5])
    xyz = np.array([[0.4, 0.9, 0.5], [0.7, 0.5, 1.0]])
    got = eq1_targets(own, xyz)
    want = spatial_score(np.array([0.0, 0.5]), max_displacement(0.4, 0.9), np.array([1.0, 2.0]))
    assert got == pytest.approx(want)
    assert got[0] == pytest.approx(1 / (1 + np.exp(-10)))


def test_sampled_placements_are_feasible_and_half_near(toy_query):
    sprite, bg, *_ = toy_query
    own = np.array([0.5, 0.85, 0.4])
    p = sample_placements(own, sprite.shape[:2], bg.shape[:2], 200, np.random.default_rng(1))
    a = sprite_width(sprite.shape[:2], 1.0, bg.shape[:2])
    assert p.shape == (200, 3)
    assert ((p[:, 1] >= p[:, 2] - 1e-9) & (p[:, 1] <= 1) & (np.abs(p[:, 0] - 0.5) <= 0.5 - p[:, 2] * a / 2 + 1e-9)).all()
    near = np.hypot(p[100:, 0] - own[0], p[100:, 1] - own[1])
    assert np.median(near) < 0.2 < np.median(np.hypot(p[:100, 0] - own[0], p[:100, 1] - own[1]))


@pytest.mark.parametrize("grid, match", [((8, 8, 0), "1 to"), ((8, 8, MAX_SCALES + 1), "1 to"),
                                         ((49, 8, 5), "finer than the 48 x 48 canvas")])
def test_bad_map_grid_is_named(distilled, toy_query, grid, match):
    sprite, bg, parse, _, _ = toy_query
    toy, pm, _ = distilled
    with pytest.raises(ValueError, match=f"map_grid: .*{match}"):
        adjust(toy, sprite, bg, parse, method="map", config=AdjustConfig(map_grid=grid), placement_map=pm)


def test_map_of_another_verifier_or_label_set_is_refused(distilled, toy_query):
    sprite, bg, parse, _, _ = toy_query
    toy, pm, _ = distilled
    other = Verifier(VerifierConfig(encoder="test_resnet", image_size=32, pool=1), WORLD_LABELS, pretrained=False)
    with pytest.raises(ValueError, match="placement_map: built for another verifier"):
        adjust(other, sprite, bg, parse, method="map", placement_map=pm)
    relabelled = PlacementMap(pm.config, replace(WORLD_LABELS, names=tuple(n + "_" for n in WORLD_LABELS.names)), pm.verifier)
    with pytest.raises(ValueError, match="placement_map: built for the labels"):
        relabelled.check_for(toy)
    with pytest.raises(ValueError, match="placement_map: method 'map' needs"):
        adjust(toy, sprite, bg, parse, method="map")


def test_map_files_are_checked(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such placement map"):
        load_placement_map(tmp_path / "nothing.pt")
    bad = tmp_path / "bad.pt"
    bad.write_bytes(b"not a checkpoint")
    with pytest.raises(ValueError, match="bad.pt"):
        load_placement_map(bad)
    torch.save({"model": {}}, tmp_path / "partial.pt")
    with pytest.raises(ValueError, match="not an artlib placement map"):
        load_placement_map(tmp_path / "partial.pt")


@pytest.fixture(scope="module")
def tiny_verifier():
    torch.manual_seed(0)
    cfg = VerifierConfig(encoder="test_resnet", image_size=32, pool=1, spatial_fusion="map", scene_cue=True)
    return Verifier(cfg, WORLD_LABELS, pretrained=False).eval()


def test_training_resumes_returns_and_refuses(small_manifest, tiny_verifier, tmp_path):
    """Two epochs in one go equal one epoch, a stop and a resume; a finished map is returned, not retrained."""
    from artlib.train import MAP_FILE, train_placement_map

    cfg = MapTrainConfig(targets="both", epochs=2, batch_size=4, placements=8, limit=8)
    whole = train_placement_map(tiny_verifier, small_manifest.root, tmp_path / "whole", cfg)
    train_placement_map(tiny_verifier, small_manifest.root, tmp_path / "parts", replace(cfg, epochs=1))
    rec = torch.load(tmp_path / "parts" / MAP_FILE, weights_only=True)
    rec["train_config"]["epochs"] = 2  # as if the two-epoch run had stopped after its first epoch
    torch.save(rec, tmp_path / "parts" / MAP_FILE)
    parts = train_placement_map(tiny_verifier, small_manifest.root, tmp_path / "parts", cfg)
    for (k, a), b in zip(whole.state_dict().items(), parts.state_dict().values()):
        assert torch.equal(a, b), k
    stamp = (tmp_path / "whole" / MAP_FILE).stat().st_mtime_ns
    again = train_placement_map(tiny_verifier, small_manifest.root, tmp_path / "whole", cfg)
    assert (tmp_path / "whole" / MAP_FILE).stat().st_mtime_ns == stamp
    assert torch.equal(next(iter(again.state_dict().values())), next(iter(whole.state_dict().values())))
    with pytest.raises(ValueError, match="other settings \\(train_config differ"):
        train_placement_map(tiny_verifier, small_manifest.root, tmp_path / "whole", replace(cfg, lr=1e-2))
    loaded = load_placement_map(tmp_path / "whole", tiny_verifier)
    assert loaded.verifier == verifier_identity(tiny_verifier)
    with pytest.raises(ValueError, match="unfinished placement map"):
        rec["epoch"] = 1
        torch.save(rec, tmp_path / "parts" / MAP_FILE)
        load_placement_map(tmp_path / "parts")


def test_widget_shows_the_map_surface(small_manifest, tiny_verifier, tmp_path, toy_query):
    from artlib.train import train_placement_map
    from artlib.widgets import AdjustSession, surface_png

    pm = train_placement_map(tiny_verifier, small_manifest.root, tmp_path / "map",
                             MapTrainConfig(epochs=1, batch_size=4, placements=8, limit=4))
    sprite, bg, parse, scene, _ = toy_query
    session = AdjustSession(tiny_verifier, sprite, bg, parse, scene=scene, placement_map=pm)
    view = session.set_placement(0.5, 0.9, 0.3)
    assert view.surface.shape == (32, 32)
    row = int(0.9 * 32)
    want = MapScorer(pm, sprite, bg, parse).scores(np.array([(16 + 0.5) / 32]), np.array([(row + 0.5) / 32]), np.array([0.3]))
    assert view.surface[row, 16] == pytest.approx(want[0, 0, 0], abs=1e-6)
    assert np.isnan(session.set_placement(0.5, 0.9, 0.8).surface[:10]).all()  # feet high up: the head would leave
    assert surface_png(view.surface, view.placement)[:4] == b"\x89PNG"


def _query(toy_query):
    from artlib.evaluate import Query

    sprite, bg, parse, scene, placement = toy_query
    return Query("toy", sprite, bg, parse, scene, placement, "toy")


def test_method_table_and_grid_measures_carry_the_map(distilled, toy_query):
    from artlib.evaluate import compare_methods, grid_report, summarize_map, summarize_methods

    toy, pm, _ = distilled
    q = _query(toy_query)
    cfg = AdjustConfig(map_grid=(24, 24, 9), restarts=2)
    runs, results = compare_methods(toy, [q], q.placement, methods=("grid", "map"), cfg=cfg, placement_map=pm)
    table = summarize_methods(runs)
    assert list(table.index[:3]) == ["grid", "map", "map, refined"]
    assert table.loc["map", "evaluations"] == 1 and table.loc["map, refined", "evaluations"] == 43
    assert results[("toy", "map, refined")].config["map_refine"] == 1
    no_map, _ = compare_methods(toy, [q], q.placement, methods=("grid", "map"), cfg=cfg)
    assert "map" not in set(no_map["method"])  # the map method needs its map
    df = grid_report(toy, [q], placement_map=pm)
    # distilled from this very verifier on this scene (ranks among its many near-zero cells are noise: 0.70)
    assert df.loc[0, "map_rank_corr"] > 0.5
    summary = summarize_map(df)
    assert summary.loc["spatial AUC", "verifier"] == pytest.approx(df.loc[0, "spatial_auc"])
    assert summary.loc["rank correlation with the verifier", "placement map"] == pytest.approx(df.loc[0, "map_rank_corr"])


def test_map_choice_is_checked(tmp_path, distilled):
    from artlib.evaluate import read_map_choice

    toy, _, _ = distilled
    with pytest.raises(FileNotFoundError, match="no placement map chosen yet"):
        read_map_choice(tmp_path, toy)
    from artlib.evaluate import maps_folder
    from artlib.model import verifier_identity

    folder = maps_folder(tmp_path, toy)
    assert folder == tmp_path / verifier_identity(toy)[:16]  # each verifier's maps in a folder of their own
    folder.mkdir()
    (folder / "choice.json").write_text('{"map": "elsewhere"}')
    with pytest.raises(ValueError, match="not a placement map choice"):
        read_map_choice(tmp_path, toy)
