"""Judging placements by the oracle: grid measures, method comparison, queries."""
from dataclasses import replace

import numpy as np
import pytest

from artlib.adjust import PlacementScorer

from artlib import world
from artlib.adjust import AdjustConfig, grid_placements
from artlib.compose import Placement, box_iou, placement_box
from artlib.evaluate import (
    BASELINES, FRESH_SEEDS, ascent_plausible, compare_methods, dataset_queries, fresh_queries, grid_report, height_band, restarts_curve,
    score_surface, summarize_grid, summarize_methods,
)
from conftest import ToyVerifier

CFG = AdjustConfig(grid=(8, 8, 5), restarts=3, steps=4, refine=1)


@pytest.fixture(scope="module")
def queries():
    return fresh_queries("val", 3, 48)


def _toy_for(q):
    """A toy verifier whose optimum is the person's own (plausible) placement."""
    return ToyVerifier(q.placement, q.sprite, q.background.shape[:2], width=0.1)


def test_fresh_queries_are_deterministic_and_split_by_seed(queries):
    again = fresh_queries("val", 3, 48)
    test = fresh_queries("test", 3, 48)
    assert [q.placement for q in queries] == [q.placement for q in again]
    assert queries[0].placement != test[0].placement and FRESH_SEEDS["val"] != FRESH_SEEDS["test"]
    for q in queries:
        assert world.is_plausible(q.scene, q.placement) and q.parse.dtype == np.int64
        assert q.sprite.shape[2] == 4 and q.background.shape == (48, 48, 3)
    with pytest.raises(ValueError, match="split must be one of"):
        fresh_queries("train", 1, 48)


def test_grid_report_judges_every_cell_with_the_oracle(queries):
    q = queries[0]
    df = grid_report(_toy_for(q), [q], CFG)
    cells = grid_placements(q.sprite.shape[:2], q.background.shape[:2], CFG)
    ok = world.plausible_mask(q.scene, cells[:, 0], cells[:, 1], cells[:, 2], aspect=q.sprite.shape[1] / q.sprite.shape[0])
    row = df.iloc[0]
    assert row["cells"] == len(cells) and row["plausible_share"] == pytest.approx(ok.mean())
    # the toy peaks at the person's own placement: it outranks most cells, and its best cell is plausible
    assert row["true_percentile"] > 0.95 and row["best_plausible"] and row["spatial_auc"] > 0.7
    s = summarize_grid(df)
    assert s["scenes"] == 1 and s["best_plausible"] == 1.0


def test_compare_methods_rows_baselines_and_gap(queries):
    q = queries[1]
    mean = Placement(0.5, 0.8, 0.4)
    fixed = Placement(0.3, 0.95, 0.35)
    df, results = compare_methods(_toy_for(q), [q], mean, cfg=CFG, exhaustive=CFG.grid, best_fixed=fixed)
    assert list(df["method"]) == ["numerical", "greedy", "autograd", "grid", *BASELINES]
    assert df.set_index("method").loc["oracle", "plausible"] == 1.0
    assert df.set_index("method").loc["best fixed", "plausible"] == float(world.is_plausible(q.scene, fixed))
    without, _ = compare_methods(_toy_for(q), [q], mean, methods=("grid",), cfg=CFG, exhaustive=CFG.grid)
    assert "best fixed" not in set(without["method"])
    expect_iou = box_iou(placement_box(q.sprite.shape[:2], mean, (48, 48)), q.box)
    assert df.set_index("method").loc["training mean", "iou"] == pytest.approx(expect_iou)
    assert (df.loc[df["method"] == "grid", "gap"] <= 1e-9).all()  # the grid method starts from the exhaustive grid
    summary = summarize_methods(df)
    assert list(summary.index)[:4] == ["numerical", "greedy", "autograd", "grid"]
    curve = restarts_curve(results, [q], "numerical", counts=(1, 3))
    first = results[(q.name, "numerical")].best_of(1)[0]
    assert curve[1] == float(world.plausible_mask(q.scene, first.x, first.y, first.scale, aspect=q.sprite.shape[1] / q.sprite.shape[0]))
    with pytest.raises(ValueError, match="ran 3 restarts, fewer than 5"):
        restarts_curve(results, [q], "numerical", counts=(5,))


def test_ascent_plausible_is_compare_methods_without_the_grid(queries):
    """The study's ascent measure: the same runs and verdicts as compare_methods' rows, per query."""
    mean, sky = Placement(0.5, 0.8, 0.4), Placement(0.5, 0.3, 0.2)  # sky: above every horizon of the world
    cfg = replace(CFG, restarts=3, steps=8)
    verdicts = {}
    for q in queries:
        for name, target in (("own", q.placement), ("sky", sky)):
            toy = ToyVerifier(target, q.sprite, q.background.shape[:2], width=0.2)
            got = ascent_plausible(toy, [q], cfg, seed=3)
            df, _ = compare_methods(toy, [q], mean, methods=("numerical",), cfg=cfg, seed=3, exhaustive=CFG.grid)
            assert got.dtype == bool and got.shape == (1,)
            assert got[0] == bool(df.set_index("method").loc["numerical", "plausible"])
            verdicts.setdefault(name, []).append(bool(got[0]))
    assert any(verdicts["own"]) and not any(verdicts["sky"])
    toy = ToyVerifier(queries[0].placement, queries[0].sprite, (48, 48), width=0.2)  # several queries: seeds by position
    df, _ = compare_methods(toy, queries, mean, methods=("numerical",), cfg=cfg, seed=3, exhaustive=CFG.grid)
    assert ascent_plausible(toy, queries, cfg, seed=3).tolist() == df.loc[df["method"] == "numerical", "plausible"].astype(bool).tolist()


def test_surfaces(queries):
    q = queries[2]
    scores, ok = score_surface(_toy_for(q), q, (0.3, 0.5), n=8)
    assert scores.shape == ok.shape == (2, 8, 8) and np.isnan(scores[1, 0]).all()  # row y < scale: off the canvas
    toy, below, scales = _toy_for(q), np.linspace(0.05, 0.4, 4), np.array([0.2, 0.4])
    band, plausible = height_band(toy, [q], below, scales)
    assert band.shape == plausible.shape == (4, 2)
    aspect = q.sprite.shape[1] / q.sprite.shape[0]
    scorer = PlacementScorer(toy, q.sprite, q.background, q.parse)
    for i, b in enumerate(below):  # one query: each cell is that placement's own score and verdict
        for j, s in enumerate(scales):
            x, y = q.placement.x, q.scene.horizon + b
            if not (s <= y <= 1 and abs(x - 0.5) <= 0.5 - s * aspect / 2):
                assert np.isnan(band[i, j]) and np.isnan(plausible[i, j])
                continue
            assert plausible[i, j] == float(world.plausible_mask(q.scene, x, y, s, aspect=aspect))
            assert band[i, j] == pytest.approx(scorer.spatial(np.array([[x, y, s]]))[0], abs=1e-6)
    assert np.isfinite(band).any()


def test_dataset_queries(small_manifest):
    qs = dataset_queries(small_manifest, "test", n=2)
    assert len(qs) == 2 and all(world.is_plausible(q.scene, q.placement) for q in qs)
    with pytest.raises(ValueError, match="split must be one of"):
        dataset_queries(small_manifest, "holdout")
