"""A varied top k: maximal marginal relevance, pinned against the formula, and what each surface looks like."""
import numpy as np
import pytest

from artlib import world
from artlib.variety import DIVERSITY, FLOOR, diverse_ranking, surface_colours


def _mmr_by_hand(scores, feats, k, w):
    """Carbonell and Goldstein's rule written out with a full similarity matrix."""
    f = feats - feats.mean(0)
    f = f / np.linalg.norm(f, axis=1, keepdims=True)
    sim = np.clip(f @ f.T, 0, None)
    kept = [int(np.argmax(scores))]
    while len(kept) < k:
        rest = [i for i in range(len(scores)) if i not in kept]
        value = [(1 - w) * scores[i] - w * max(sim[i, j] for j in kept) for i in rest]
        kept.append(rest[int(np.argmax(value))])
    return kept


def test_diverse_ranking_is_maximal_marginal_relevance():
    rng = np.random.default_rng(0)
    scores, feats = rng.random(30), rng.normal(size=(30, 6))
    for w in (0.0, 0.3, DIVERSITY, 0.5, 0.9):
        assert diverse_ranking(scores, feats, 7, w, floor=None).tolist() == _mmr_by_hand(scores, feats, 7, w)
    assert diverse_ranking(scores, feats, 30, 0.0).tolist() == np.argsort(-scores, kind="stable").tolist()


def test_backgrounds_below_the_floor_come_after_every_one_above_it():
    rng = np.random.default_rng(1)
    scores, feats = rng.random(40), rng.normal(size=(40, 5))
    above = set(np.flatnonzero(scores >= FLOOR).tolist())
    order = diverse_ranking(scores, feats, 40, 0.9)
    assert set(order[: len(above)].tolist()) == above  # variety among the consistent ones first


def test_copies_of_the_best_place_give_way_to_another_kind():
    # three copies of place A score highest, place B a little lower: plain top 3 is A, A, A
    feats = np.array([[1.0, 0], [1.0, 0], [1.0, 0], [0, 1.0], [0.5, 0.5]])
    scores = np.array([0.9, 0.89, 0.88, 0.8, 0.1])
    assert diverse_ranking(scores, feats, 3, 0.0).tolist() == [0, 1, 2]
    assert diverse_ranking(scores, feats, 3, DIVERSITY).tolist() == [0, 3, 1]
    # the first kept is always the best score, whatever the weight
    assert all(diverse_ranking(scores, feats, 2, w)[0] == 0 for w in (0.0, 0.5, 0.99))


def test_a_gallery_of_identical_backgrounds_is_ranked_by_score():
    feats = np.ones((6, 4))
    scores = np.array([0.2, 0.9, 0.5, 0.7, 0.1, 0.6])
    assert diverse_ranking(scores, feats, 6, 0.8).tolist() == np.argsort(-scores, kind="stable").tolist()


def test_bad_arguments_are_refused():
    s, f = np.zeros(4), np.zeros((4, 2))
    with pytest.raises(ValueError, match=r"k must be in \[1, 4\] \(the gallery's size\), got 0"):
        diverse_ranking(s, f, 0)
    with pytest.raises(ValueError, match=r"k must be in \[1, 4\].*got 5"):
        diverse_ranking(s, f, 5)
    for w in (-0.1, 1.0, 2.0):
        with pytest.raises(ValueError, match=r"diversity weight must be in \[0, 1\)"):
            diverse_ranking(s, f, 2, w)
    with pytest.raises(ValueError, match="features must be"):
        diverse_ranking(s, np.zeros((3, 2)), 2)


def test_surface_colours_are_the_mean_colour_of_each_label():
    bg = np.zeros((1, 2, 2, 3), np.uint8)
    bg[0, 0] = (255, 0, 0)
    bg[0, 1, 0] = (0, 255, 0)
    bg[0, 1, 1] = (0, 0, 255)
    lab = np.array([[[0, 0], [2, 2]]], np.uint8)
    d = surface_colours(bg, lab, 3).reshape(3, 3)
    np.testing.assert_allclose(d, [[1, 0, 0], [0, 0, 0], [0, 0.5, 0.5]], atol=1e-6)
    with pytest.raises(ValueError, match="must match"):
        surface_colours(bg, lab[:, :1], 3)


def test_surface_colours_tell_the_worlds_places_apart():
    scenes = [world.make_world_sample(3, i, 32).scene for i in range(32)]
    d = surface_colours(np.stack([s.background for s in scenes]), np.stack([s.labels for s in scenes]),
                        len(world.WORLD_LABELS))
    f = d - d.mean(0)
    f /= np.linalg.norm(f, axis=1, keepdims=True)
    sim = f @ f.T
    places = np.array([s.place for s in scenes])
    same = (places[:, None] == places[None]) & ~np.eye(len(scenes), dtype=bool)
    other = places[:, None] != places[None]
    assert sim[same].mean() > sim[other].mean() + 0.3
