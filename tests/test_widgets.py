"""The gradient-ascent widget, driven headless: its logic without a browser or a kernel."""
import cv2
import numpy as np
import pytest

from artlib.compose import Placement
from artlib.widgets import AdjustSession, adjust_app, png_bytes, trace_png
from conftest import ToyVerifier

TARGET = Placement(0.55, 0.8, 0.45)


@pytest.fixture()
def session(toy_query):
    sprite, bg, parse, scene, _ = toy_query
    model = ToyVerifier(TARGET, sprite, bg.shape[:2], width=0.15)  # smooth enough for one restart
    return AdjustSession(model, sprite, bg, parse, scene=scene, start=Placement(0.3, 0.6, 0.3))


def test_slider_move_updates_composite_and_scores(session):
    before = session.view()
    after = session.set_placement(0.55, 0.8, 0.45)
    assert after.placement == Placement(0.55, 0.8, 0.45)
    assert after.spatial > 0.99 > before.spatial  # the toy's optimum
    assert not np.array_equal(before.image, after.image) and after.image.dtype == np.uint8
    assert after.trace == [pytest.approx(after.spatial)]
    assert "spatial 1.000" in after.caption() and "oracle:" in after.caption()


def test_slider_values_outside_the_feasible_set_are_projected(session):
    v = session.set_placement(-1.0, 0.05, 5.0)
    w = v.placement.scale * session.scorer.aspect
    assert v.placement.scale == pytest.approx(session.cfg.scale_max)
    assert v.placement.x - w / 2 >= -1e-9 and v.placement.y >= v.placement.scale - 1e-9


def test_step_and_run_climb_and_restart_moves(session):
    start = session.view().spatial
    one = session.step()
    assert len(one.trace) == 2 and one.spatial >= start
    done = session.run(40)
    assert len(done.trace) == 42 and all(b >= a - 1e-12 for a, b in zip(done.trace, done.trace[1:]))
    assert done.spatial > 0.8 and done.plausible is not None
    moved = session.restart()
    assert moved.placement != done.placement and len(moved.trace) == 1


def test_pictures_are_valid_png(session):
    v = session.view()
    img = cv2.imdecode(np.frombuffer(png_bytes(v.image, width=128), np.uint8), cv2.IMREAD_COLOR)
    assert img.shape[1] == 128
    assert cv2.imdecode(np.frombuffer(trace_png([0.1, 0.5, 0.7]), np.uint8), cv2.IMREAD_COLOR) is not None


def test_app_wires_buttons_and_sliders(toy_query):
    sprite, bg, parse, scene, _ = toy_query
    model = ToyVerifier(TARGET, sprite, bg.shape[:2])
    make = lambda name: AdjustSession(model, sprite, bg, parse, scene=scene, start=Placement(0.3, 0.6, 0.3))  # noqa: E731
    app = adjust_app(make, ["a", "b"])
    pick, row = app.children
    image, panel, surface = row.children
    assert surface.layout.display == "none"  # no placement map given: no surface shown
    x, y, scale, buttons, caption, trace = panel.children
    step, run, restart = buttons.children
    assert (x.value, y.value, scale.value) == pytest.approx((0.3, 0.6, 0.3))
    first = caption.value
    run.click()
    assert (x.value, y.value) != pytest.approx((0.3, 0.6)) and caption.value != first
    x.value = 0.5  # a slider move goes through set_placement
    assert "x 0.500" in caption.value and image.value[:4] == b"\x89PNG"
    restart.click()
    step.click()
    assert trace.value[:4] == b"\x89PNG"


def test_bad_method(toy_query):
    sprite, bg, parse, _, _ = toy_query
    with pytest.raises(ValueError, match="method must be 'numerical' or 'autograd'"):
        AdjustSession(ToyVerifier(TARGET, sprite, bg.shape[:2]), sprite, bg, parse, method="greedy")
