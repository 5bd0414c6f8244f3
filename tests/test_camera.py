"""The camera rule read from the people in a photo (artlib.cues.fit_camera_rule, artlib.photos.camera)
and its benchmark on a video (artlib.evaluate.camera)."""
import math

import numpy as np
import pandas as pd
import pytest

from artlib.cues import AGREE_FACTOR, EYE_LEVEL_K, HEIGHT_NOISE, PRIOR_K_SD, CameraRule, fit_camera_rule
from artlib.evaluate.camera import camera_check, camera_summary, height_error, video_people
from artlib.photos import Detection, read_camera, standing_people


def _people(n: int, k: float, horizon: float, rng, noise: float = 0.03) -> tuple[np.ndarray, np.ndarray]:
    feet = rng.uniform(0.35, 0.95, n)
    return feet, k * (feet - horizon) * np.exp(rng.normal(0, noise, n))


def test_rule_is_recovered_from_standing_people_despite_sitting_ones():
    rng = np.random.default_rng(0)
    feet, h = _people(20, 0.6, 0.1, rng)
    h[:6] *= 0.55  # six sitting: about half as tall
    rule = fit_camera_rule(feet, h)
    assert rule.source == "people" and (rule.n_agree, rule.n_outliers) == (14, 6)
    assert rule.k == pytest.approx(0.6, rel=0.05) and rule.horizon == pytest.approx(0.1, abs=0.03)
    assert rule.k_interval[0] < rule.k < rule.k_interval[1]
    assert rule.height(rule.horizon) == 0 and rule.height(rule.horizon - 0.05) == 0  # none at or above it


def test_rule_is_the_weighted_least_squares_line_with_the_prior_row():
    feet, h = np.array([0.4, 0.6, 0.9]), np.array([0.2, 0.3, 0.42])  # all within AGREE_FACTOR of the line
    w = 1 / (HEIGHT_NOISE * h) ** 2
    X = np.vstack([np.c_[feet, np.ones(3)] * np.sqrt(w)[:, None], [1 / PRIOR_K_SD, 0]])
    y = np.r_[h * np.sqrt(w), EYE_LEVEL_K / PRIOR_K_SD]
    (k, c), *_ = np.linalg.lstsq(X, y, rcond=None)
    rule = fit_camera_rule(feet, h)
    assert rule.k == pytest.approx(k) and rule.horizon == pytest.approx(-c / k)


def test_one_person_gives_the_eye_level_line_through_their_head():
    rule = fit_camera_rule([0.8], [0.3])
    assert rule.source == "eye level" and rule.k == pytest.approx(EYE_LEVEL_K)
    assert rule.horizon == pytest.approx(0.5)  # the head's row
    assert "eye-level prior" in rule.describe()


def test_people_at_one_depth_leave_k_to_the_prior_and_give_the_horizon():
    rule = fit_camera_rule([0.70, 0.71, 0.70], [0.20, 0.21, 0.19])
    assert rule.source == "eye level" and rule.k == pytest.approx(EYE_LEVEL_K, abs=0.15)
    assert rule.height(0.7) == pytest.approx(0.2, rel=0.05)  # right where the people stand


def test_no_people_is_the_stated_prior():
    assert fit_camera_rule([], []) == CameraRule(0.5, EYE_LEVEL_K, "prior")
    rule = fit_camera_rule([], [], horizon_prior=-0.2)
    assert rule.horizon == -0.2 and "0.20 image heights above the frame" in rule.describe()


def test_posts_count_at_their_standard_height():
    rng = np.random.default_rng(1)
    feet, h = _people(10, 0.5, 0.2, rng, noise=0.0)
    rule = fit_camera_rule(feet, 1.5 * h, standard=1.5)
    assert rule.k == pytest.approx(0.5, rel=0.02) and rule.horizon == pytest.approx(0.2, abs=0.01)


@pytest.mark.parametrize("feet, heights, standard, match", [
    ([0.5, 0.6], [0.2], 1.0, "one value per object"),
    ([0.5], [-0.1], 1.0, "positive"),
    ([math.nan], [0.1], 1.0, "finite"),
    ([0.5], [0.1], 0.0, "positive"),
])
def test_bad_objects_are_named(feet, heights, standard, match):
    with pytest.raises(ValueError, match=match):
        fit_camera_rule(feet, heights, standard)


def test_agreement_is_within_the_stated_factor():
    rule = fit_camera_rule([0.5, 0.7, 0.9], [0.1, 0.2, 0.3])
    inside = rule.height(0.7) * AGREE_FACTOR * 0.99
    again = fit_camera_rule([0.5, 0.7, 0.9, 0.7], [0.1, 0.2, 0.3, inside])
    assert again.n_outliers == 0


def test_standing_people_leave_out_cut_boxes_and_read_fractions():
    found = [Detection((10, 20, 30, 80), 0.9),   # whole
             Detection((50, 0, 70, 60), 0.9),    # head cut by the top
             Detection((80, 40, 90, 100), 0.8)]  # feet cut by the bottom
    people = standing_people(found, (100, 200, 3))
    np.testing.assert_allclose(people, [[0.8, 0.6, 0.1]])
    assert standing_people([], (100, 200, 3)).shape == (0, 3)


def test_read_camera_fits_given_detections_and_checks_the_photo():
    photo = np.zeros((100, 100, 3), np.uint8)
    found = [Detection((10, 100 * (b - h), 20, 100 * b), 0.9) for b, h in ((0.5, 0.1), (0.7, 0.2), (0.9, 0.3))]
    rule = read_camera(photo, found)
    assert rule.n_agree == 3 and rule.height(0.7) == pytest.approx(0.2, rel=0.1)
    with pytest.raises(ValueError, match="uint8 RGB"):
        read_camera(np.zeros((10, 10)), found)


def test_height_error_is_the_largest_log_factor():
    truth = CameraRule(0.0, 0.5, "people")
    assert height_error(CameraRule(0.0, 1.0, "people"), truth, np.linspace(0.3, 0.9, 5)) == pytest.approx(math.log(2))
    assert height_error(CameraRule(0.5, 1.0, "people"), truth, np.array([0.4, 0.8])) == math.inf


def test_camera_check_judges_each_frame_against_the_pooled_rule():
    rng = np.random.default_rng(2)
    rows = []
    for frame in range(0, 80, 10):
        feet, h = _people(4, 0.3, -0.1, rng)
        rows += [{"frame": frame, "feet": b, "height": x, "x": 0.5} for b, x in zip(feet, h)]
    truth, table = camera_check(pd.DataFrame(rows), test_from=40)
    assert truth.k == pytest.approx(0.3, rel=0.05) and truth.horizon == pytest.approx(-0.1, abs=0.05)
    assert list(table["split"]) == ["validation"] * 4 + ["test"] * 4
    assert (table["error"] < math.log(1.3)).mean() >= 0.75
    with pytest.raises(ValueError, match="no standing people"):
        camera_check(pd.DataFrame(columns=["frame", "feet", "height", "x"]))


def test_video_people_names_a_missing_video(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such video"):
        video_people(tmp_path / "vtest.avi")


def test_camera_summary_counts_frames_within_the_factor_per_split():
    per_frame = pd.DataFrame({"split": ["validation", "test", "test", "test"],
                              "error": [0.1, 0.1, 0.2, math.inf], "parse_error": [math.inf] * 4})
    table = camera_summary(per_frame)
    assert table.loc[("test", "from people"), "frames"] == 3
    assert table.loc[("test", "from people"), "frames within 1.3"] == pytest.approx(2 / 3)
    assert table.loc[("test", "from people"), "median height factor"] == pytest.approx(math.exp(0.2))
    assert table.loc[("validation", "from the parse"), "frames within 1.3"] == 0



def test_a_rule_round_trips_and_says_where_it_came_from():
    rule = fit_camera_rule([0.5, 0.7, 0.9], [0.1, 0.2, 0.3])
    assert CameraRule.from_dict(rule.as_dict()) == rule
    assert CameraRule(0.55, 1.5, "parse").describe().startswith("from the parsing map's sky line")
    with pytest.raises(ValueError, match="needs horizon, k and source"):
        CameraRule.from_dict({"k": 1.0})


def test_a_given_camera_rule_replaces_the_parsed_one_in_the_cue():
    import torch

    from artlib.cues import height_channel
    from artlib.world import WORLD_LABELS

    parse = torch.zeros((2, 16, 16), dtype=torch.int64)  # all sky: the parse gives no rule of people
    cue = height_channel(parse, WORLD_LABELS, 8, camera=(0.25, 0.5))
    rows = (torch.arange(8) + 0.5) / 8
    torch.testing.assert_close(cue[1, 0, :, 3], (0.5 * (rows - 0.25)).clamp(0, 1.5))
    assert not torch.equal(cue, height_channel(parse, WORLD_LABELS, 8))


def test_the_search_feeds_a_photos_rule_to_a_verifier_with_the_cue(toy_query):
    import torch

    from artlib.adjust import PlacementScorer
    from artlib.model import Verifier, VerifierConfig
    from artlib.world import WORLD_LABELS

    sprite, bg, parse, _, _ = toy_query
    torch.manual_seed(0)
    model = Verifier(VerifierConfig(encoder="test_resnet", image_size=32, spatial_fusion="map", scene_cue=True),
                     WORLD_LABELS).eval()
    pts = np.array([[0.5, 0.8, 0.3], [0.4, 0.95, 0.5]])
    parsed = PlacementScorer(model, sprite, bg, parse).spatial(pts)
    read = PlacementScorer(model, sprite, bg, parse, camera=(0.1, 0.4)).spatial(pts)
    again = PlacementScorer(model, sprite, bg, parse, batch_size=1, reuse_context=False, camera=(0.1, 0.4)).spatial(pts)
    assert not np.allclose(parsed, read)
    np.testing.assert_allclose(read, again, atol=1e-6)  # the re-encoding path reads the same rule
