"""The book's figures draw the data they are given: small hand-made inputs, checked in the artists."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from artlib import plots, world  # noqa: E402
from artlib.compose import Placement  # noqa: E402
from artlib.data import ARTDataset, Kind  # noqa: E402
from artlib.model import Verifier, VerifierConfig  # noqa: E402

TINY = VerifierConfig(encoder="test_resnet", image_size=32)


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def _lines(ax):
    return [ln.get_ydata().tolist() for ln in ax.get_lines()]


def _pred(n=40, seed=0):
    rng = np.random.default_rng(seed)
    kind = np.arange(n) % 3
    return {"kind": kind, "content": rng.uniform(0, 1, n), "spatial": rng.uniform(0, 1, n),
            "y_content": (kind == 0).astype(float), "y_spatial": rng.uniform(0, 1, n), "rows": np.arange(n)}


# ------------------------------------------------------------------------------------- chapters 2, 3
def test_training_curves_plot_each_epoch():
    history = [{"epoch": e, "train_loss": 1 / e, "train_loss_content": 0.5 / e, "train_loss_spatial": 0.2 / e,
                "accuracy": 0.5 + e / 10, "auc": 0.6 + e / 10, "balanced_accuracy": 0.55, "rmse": 0.3 - e / 100,
                "rmse_mean_baseline": 0.3} for e in (1, 2, 3)]
    fig = plots.training_curves(history)
    loss, content, rmse = fig.axes
    assert _lines(loss)[0] == [1, 0.5, 1 / 3] and _lines(content)[1] == pytest.approx([0.7, 0.8, 0.9])
    assert _lines(rmse) == [pytest.approx([0.29, 0.28, 0.27]), [0.3, 0.3, 0.3]]


def test_score_distributions_and_calibration():
    pred = _pred()
    fig = plots.score_distributions(pred)
    assert len(fig.axes) == 3 and len(fig.axes[0].patches) == 3 * 25  # one 25-bin histogram per kind
    m = pred["kind"] == Kind.SPATIAL_NEGATIVE
    np.testing.assert_allclose(fig.axes[2].collections[0].get_offsets(), np.c_[pred["y_spatial"][m], pred["spatial"][m]])
    fig = plots.calibration(pred, bins=4)
    assert len(fig.axes[0].get_lines()[0].get_xdata()) <= 4


def test_ablation_bars_and_lambda_grid():
    df = pd.DataFrame({"variant": ["a", "a", "b", "b"], "auc": [0.6, 0.8, 0.5, 0.5]})
    fig = plots.ablation_bars(df, "auc", paper={"base": 0.7})
    ax = fig.axes[0]
    assert [p.get_height() for p in ax.patches] == pytest.approx([0.7, 0.5])
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b"]
    table = pd.DataFrame({"auc": [0.7, 0.8], "rmse": [0.3, 0.2]}, index=[0.25, 0.5])
    fig = plots.lambda_grid(table)
    assert _lines(fig.axes[0]) == [[0.7, 0.8]] and _lines(fig.axes[1]) == [[0.3, 0.2]]


def test_wrong_examples_show_the_most_confident_errors(small_manifest):
    ds = ARTDataset(small_manifest, "test")
    pred = {"content": np.linspace(0, 1, 6), "y_content": np.array([1, 1, 1, 0, 0, 0.0]), "kind": np.zeros(6, int),
            "rows": ds.rows[:6]}
    fig = plots.wrong_examples(ds, pred, pred["rows"], n=2)
    titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
    assert len(titles) == 2 and "P=0.00" in titles[0] and "P=1.00" in titles[1]  # |error| 1 at both ends


def test_architecture_is_drawn_from_the_model():
    torch.manual_seed(0)
    fig = plots.architecture(Verifier(TINY, world.WORLD_LABELS))
    text = " ".join(t.get_text() for t in fig.axes[0].texts)
    assert "32" in text and len(fig.axes[0].texts) > 5


# ------------------------------------------------------------------------------------------ chapter 1
def test_dataset_figures(small_manifest):
    samples = [world.make_world_sample(1, i, 32) for i in range(3)]
    fig = plots.world_grid(samples)
    assert [ax.get_title() for ax in fig.axes[:2]] == [f"{samples[0].scene.place}\n{samples[0].person.outfit}", "S"]
    np.testing.assert_array_equal(fig.axes[0].images[0].get_array(), samples[0].image)
    assert [ax.get_title() for ax in plots.outfits(height_px=24).axes] == list(world.OUTFITS)
    legend = plots.label_legend().axes[0]
    assert [t.get_text().rstrip("*") for t in legend.get_xticklabels()] == list(world.LABELS)
    pm = plots.plausibility_map(samples[0], steps=8)
    assert pm.axes[2].images[1].get_array().shape == (8, 8)
    eq = plots.eq1_curves(ratios=(1.0, 2.0)).axes[0]
    assert _lines(eq)[0][0] == pytest.approx(1 / (1 + np.exp(-10))) and _lines(eq)[1][-1] == pytest.approx(1 / (1 + np.exp(10)) / 2)
    grid = plots.sample_grid(ARTDataset(small_manifest, "train"), per_kind=1)
    assert len(grid.axes) == 3 * 4
    st = plots.spatial_targets(small_manifest.samples)
    m = small_manifest.samples["kind"] == Kind.SPATIAL_NEGATIVE
    assert sum(p.get_height() for p in st.axes[0].patches) == m.sum()
    photo = samples[0].image
    rows = [(photo, photo, photo, np.array([0.2, 0.2, 0.6, 0.9]), None), (photo, photo, photo, np.array([0, 0, 1, 1.0]),
                                                                          np.array([0.1, 0.1, 0.5, 0.5]))]
    assert len(plots.leak_examples(rows).axes) == 8


# ------------------------------------------------------------------------------------------ chapter 4
def test_adjustment_figures(toy_query):
    sprite, bg, parse, scene, true = toy_query
    scores = np.random.default_rng(0).uniform(0, 1, (2, 4, 4))
    fig = plots.score_surface(bg, scores, scores > 0.5, (0.3, 0.5), title="t")
    np.testing.assert_array_equal(fig.axes[0].images[1].get_array(), scores[0])
    path = np.array([[0.3, 0.9, 0.3], [0.4, 0.9, 0.3], [0.5, 0.9, 0.35]])
    fs = plots.filmstrips([("q", bg, sprite, path, np.array([0.1, 0.2, 0.3]), [False, True, True])], frames=3)
    assert [ax.get_title() for ax in fs.axes] == ["step 0: 0.10 ✗", "step 1: 0.20 ✓", "step 2: 0.30 ✓"]
    curves = {"numerical": pd.Series([0.5, 0.75], index=[1, 2]), "grid": pd.Series([1.0, 1.0], index=[1, 2])}
    assert _lines(plots.restarts_curve(curves).axes[0]) == [[0.5, 0.75], [1.0, 1.0]]
    band = np.array([[0.1, 0.2], [0.3, 0.4]])
    hb = plots.height_bands({"ours": (band, band > 0.2)}, np.array([0.1, 0.2]), np.array([0.2, 0.4]))
    np.testing.assert_array_equal(hb.axes[0].images[0].get_array(), band)
    table = pd.DataFrame({"plausible": [0.9, 0.5, 0.2], "seconds": [0.01, 0.5, 0.0]}, index=["map", "grid", "random"])
    cost = plots.cost_plausibility(table, baselines=("random",)).axes[0]
    points = [ln for ln in cost.get_lines() if ln.get_marker() == "o"]
    assert [(ln.get_xdata()[0], ln.get_ydata()[0]) for ln in points] == [(0.01, 0.9), (0.5, 0.5)]
    assert [ln.get_ydata()[0] for ln in cost.get_lines() if ln.get_linestyle() == "--"] == [0.2]
    assert [t.get_text() for t in cost.texts] == ["map", "grid"]


def test_session_frames_tell_the_widget_story(toy_query):
    from artlib.adjust import AdjustConfig
    from artlib.widgets import AdjustSession
    from conftest import ToyVerifier

    sprite, bg, parse, scene, true = toy_query
    session = AdjustSession(ToyVerifier(true, sprite, bg.shape[:2]), sprite, bg, parse, scene=scene,
                            config=AdjustConfig(method="numerical", steps=3), seed=0, start=Placement(0.3, 0.8, 0.3))
    fig = plots.session_frames(session, moves=("centre", "step", "run"))
    titles = [ax.get_title().split("\n")[0] for ax in fig.axes[:-1]]
    assert titles == ["start", "slider: centre", "Step", "Run ascent"]
    assert _lines(fig.axes[-1])[0] == pytest.approx(session.trace)


# ------------------------------------------------------------------------------------------ chapter 5
def test_retouch_figures(small_manifest):
    from artlib.retouch import RetouchResult

    sprite = np.ones((10, 5, 4), np.float32)
    image = np.full((32, 32, 3), 0.5, np.float32)
    test_ids = [s["index"] for s in small_manifest.sources if s["split"] == 2][:2]
    results = [RetouchResult(k + 1, f"{j:06d}_{small_manifest.sources[j]['place']}", 0.9 - k / 10, Placement(0.5, 0.9, 0.4),
                             0.5, 0.6, image) for k, j in enumerate(test_ids)]
    sheet = plots.contact_sheet(sprite, results, title="me")
    assert [ax.get_title().split("\n")[0] for ax in sheet.axes] == ["foreground", f"#1 {results[0].name}", f"#2 {results[1].name}"]
    from artlib.retouch import Foreground

    meta = small_manifest.sources[test_ids[0]]
    f3 = plots.figure3([(meta, Foreground(sprite, Placement(0.5, 0.9, 0.4), True), results)], small_manifest, top_k=2)
    place = small_manifest.sources[test_ids[0]]["place"]
    mark = "✓" if place in world.COMPATIBLE[meta["outfit"]] else "✗"
    assert f3.axes[1].get_title().startswith(f"#1 {place}\nplace {mark}")
    hz = plots.harmonization(image, sprite, Placement(0.5, 0.9, 0.4), [("none", "alpha"), ("reinhard", "alpha")])
    assert [ax.get_title() for ax in hz.axes] == ["colour none\nblend alpha", "colour reinhard\nblend alpha"]
    fl = plots.failures([(image, "#1: wrong place"), (image, "#2: floats")], cols=2)
    assert [ax.get_title() for ax in fl.axes] == ["#1: wrong place", "#2: floats"]


def test_diversity_sweep_draws_each_weight():
    import pandas as pd

    sweep = pd.DataFrame({"precision@5": [0.99, 0.97, 0.9], "fitting kinds@5": [1.2, 2.5, 3.1]}, index=["0.00", "0.50", "0.90"])
    fig = plots.diversity_sweep(sweep, 5, 0.5)
    ax, twin = fig.axes
    np.testing.assert_allclose(ax.get_lines()[0].get_xdata(), [0, 0.5, 0.9])
    np.testing.assert_allclose(ax.get_lines()[0].get_ydata(), [0.99, 0.97, 0.9])
    np.testing.assert_allclose(twin.get_lines()[0].get_ydata(), [1.2, 2.5, 3.1])


def test_camera_from_people_draws_each_walker_and_each_rule():
    people = pd.DataFrame({"frame": [0, 0, 10], "feet": [0.5, 0.8, 0.6], "height": [0.12, 0.2, 0.15],
                           "x": [0.2, 0.7, 0.5]})
    from artlib.cues import CameraRule

    truth, rule, before = CameraRule(0.0, 0.25, "people"), CameraRule(0.02, 0.26, "people"), CameraRule(0.55, 1.5, "parse")
    fig = plots.camera_from_people(people, truth, 0, np.zeros((60, 80, 3), np.uint8), rule, before)
    photo, lines = fig.axes
    assert len(photo.lines) == 2 * 2 + 1  # two bars per walker of frame 0, the horizon inside the frame
    assert sorted(t.get_text()[:5] for t in lines.get_legend().get_texts()) == ["all f", "frame", "its r", "parse", "truth"]
