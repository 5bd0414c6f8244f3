"""The graded exercises: the reference solutions pass every check, wrong answers do not."""
import runpy

import numpy as np
import pytest

from artlib import exercises
from artlib.chapters import CHAPTERS
from artlib.score import spatial_score
from conftest import ROOT


def test_the_reference_solutions_pass(capsys):
    runpy.run_path(str(ROOT / "notebooks" / "solutions.py"))  # each cell asserts its grade passed
    out = capsys.readouterr().out
    assert out.count("PASSED") == len(exercises.EXERCISES) and "NOT YET" not in out


def _flat_rule(background, labels):
    return 0.5, 0.9, 0.4


WRONG = {
    "camera_rule": lambda ys, hs: (0.4, 1.5),  # the world's typical values, not this scene's
    "spatial_score": lambda d, m, r: float(spatial_score(d, m, 1.0)) / r,  # forgets max(r, 1/r)
    "auc": lambda labels, scores: float(np.mean(scores[labels][:, None] > scores[~labels][None])),  # ties lost
    "placement_rule": _flat_rule,  # one fixed placement
    "background_rule": lambda outfit, labels: float(np.mean(labels)),  # ignores the outfit
    "colour_transfer": lambda fg, mask, bg: fg + 0.0,  # no transfer
    "box_iou": lambda a, b: float((min(a[2], b[2]) - max(a[0], b[0])) * (min(a[3], b[3]) - max(a[1], b[1]))),
}


@pytest.mark.parametrize("name", sorted(exercises.EXERCISES))
def test_a_wrong_answer_is_rejected_with_a_message(name):
    grade = exercises.EXERCISES[name].check(WRONG[name])
    assert not grade.passed and "NOT YET" in str(grade) and len(grade.message) > 20


def test_an_answer_that_raises_is_graded_not_raised():
    def broken(*args):
        raise KeyError("oops")

    for name, ex in exercises.EXERCISES.items():
        grade = ex.check(broken)
        assert not grade.passed and "KeyError" in grade.message, name


def test_an_answer_of_the_wrong_shape_says_what_to_return():
    assert "two numbers" in exercises.check_camera_rule(lambda ys, hs: 1.0).message
    assert "three numbers" in exercises.check_placement_rule(lambda bg, lab: (0.5, 0.5)).message
    assert "shape" in exercises.check_colour_transfer(lambda fg, m, bg: fg[:4]).message


def test_every_chapter_has_a_graded_exercise_with_minutes_and_expected_output():
    assert {e.chapter for e in exercises.EXERCISES.values()} == set(CHAPTERS)
    for e in exercises.EXERCISES.values():
        assert 0 < e.minutes <= 30 and "PASSED" in e.expected


def test_the_box_check_says_which_kind_of_pair_went_wrong():
    def union_twice(a, b):
        w, h = min(a[2], b[2]) - max(a[0], b[0]), min(a[3], b[3]) - max(a[1], b[1])
        inter = max(w, 0) * max(h, 0)
        return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]))  # overlap not taken off

    assert "identical boxes" in exercises.check_box_iou(lambda a, b: 0.0).message
    assert "negative area" in exercises.check_box_iou(WRONG["box_iou"]).message
    assert "counted once" in exercises.check_box_iou(union_twice).message


@pytest.mark.parametrize("name", ["auc", "box_iou", "spatial_score"])
def test_an_answer_that_is_not_a_number_fails(name):
    for answer in (float("nan"), None, "0.5"):
        grade = exercises.EXERCISES[name].check(lambda *args, answer=answer: answer)
        assert not grade.passed, (name, answer, grade)


def test_an_image_of_nan_fails_the_colour_transfer():
    grade = exercises.check_colour_transfer(lambda fg, mask, bg: fg * np.nan)
    assert not grade.passed and "not finite" in grade.message


# ---- a wrong type is a failing grade, never an exception, and the message is short
WRONG_KINDS = {
    "spatial_score": [[0.5], np.array([0.5, 0.5]), np.array([0.5]), "0.5", None, True],
    "background_rule": [None, "beach", np.zeros(3)],
    "colour_transfer": ["image", {"a": 1}, [[1.0, 2.0], [3.0]], None],
    "auc": [[0.5], "0.5", np.array([0.5, 0.2])],
}


@pytest.mark.parametrize("name,answer", [(n, a) for n, answers in WRONG_KINDS.items() for a in answers],
                         ids=lambda v: type(v).__name__)
def test_an_answer_of_the_wrong_kind_is_graded_not_raised(name, answer):
    check = exercises.EXERCISES[name].check
    small = {"background_rule": dict(people=2, gallery=3), "colour_transfer": dict(n=1)}.get(name, {})
    grade = check(lambda *args, answer=answer: answer, **small)
    assert not grade.passed and grade.message and len(grade.message) < 400, grade


def test_a_forgotten_return_is_named():
    grade = exercises.check_background_rule(lambda outfit, labels: None, people=2, gallery=3)
    assert "forgotten return" in grade.message


def test_a_huge_wrong_answer_is_summarised_not_quoted():
    big = list(range(200_000))
    grade = exercises.check_spatial_score(lambda *args: big)
    assert not grade.passed and "a list of 200,000 elements" in grade.message and len(grade.message) < 300


def test_an_image_of_the_wrong_shape_is_refused_before_it_is_converted():
    """The shape is read from the array as given: a wrong answer is never copied to float32 (the
    copy of this one would take 48 MB; numpy reports its buffers to tracemalloc)."""
    import tracemalloc

    huge = np.zeros((2000, 2000, 3), np.float64)
    tracemalloc.start()
    try:
        grade = exercises.check_colour_transfer(lambda fg, mask, bg: huge, n=1)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert not grade.passed and "(2000, 2000, 3)" in grade.message
    assert peak < 16 * 2**20, f"the check allocated {peak / 2**20:.0f} MB"


def test_a_number_is_a_number_not_its_text():
    assert exercises._number("0.5") is None and exercises._number([0.5]) is None and exercises._number(True) is None
    assert exercises._number(np.float32(0.25)) == 0.25 and exercises._number(np.array(2)) == 2.0
    assert exercises._numbers((1, 2.5), 2) == [1.0, 2.5] and exercises._numbers(("1", 2), 2) is None
