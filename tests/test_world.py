import numpy as np
import pytest

from artlib import world
from artlib.compose import Placement


def test_sixteen_places_each_with_a_compatible_outfit():
    assert len(world.PLACES) == 16
    for place in world.PLACES:
        assert any(world.compatible(o, place) for o in world.OUTFITS), place
    # outfits are not compatible everywhere: content is learnable but not trivial
    for o in world.OUTFITS:
        assert 0 < len(world.COMPATIBLE[o]) < 16


def test_palette_is_distinct_and_walkable_set_is_known():
    assert len({tuple(c) for c in world.PALETTE}) == len(world.LABELS)
    assert world.WALKABLE[world.LABELS.index("sand")] and not world.WALKABLE[world.LABELS.index("water")]


def test_deterministic_per_seed_and_different_across_seeds():
    a = world.make_world_sample(5, 3, 64)
    b = world.make_world_sample(5, 3, 64)
    c = world.make_world_sample(6, 3, 64)
    np.testing.assert_array_equal(a.image, b.image)
    assert a.placement == b.placement and a.person == b.person
    assert not np.array_equal(a.image, c.image)


def test_resolution_independent_geometry():
    agree = []
    for i in range(16):
        lo, hi = world.make_world_sample(1, i, 64), world.make_world_sample(1, i, 256)
        assert lo.placement == hi.placement and lo.person == hi.person and lo.scene.horizon == hi.scene.horizon
        # the 256 px label map near the 64 px pixel centres matches the 64 px one, except
        # where a region's edge passes between the two grids' sample points
        agree.append(np.mean(hi.scene.labels[2::4, 2::4] == lo.scene.labels))
    assert min(agree) > 0.9 and np.mean(agree) > 0.95


@pytest.mark.parametrize("index", range(32))
def test_sources_are_plausible_and_compatible(index):
    s = world.make_world_sample(0, index, 64)
    assert world.is_plausible(s.scene, s.placement)
    assert world.compatible(s.person.outfit, s.scene.place)
    assert s.image.shape == (64, 64, 3) and s.image.dtype == np.float32
    assert 0 <= s.image.min() and s.image.max() <= 1


def test_oracle_rejects_each_rule():
    s = world.make_world_sample(0, 0, 64)  # a beach
    p = s.placement
    assert not world.is_plausible(s.scene, Placement(p.x, s.scene.horizon - 0.05, p.scale))  # in the sky
    assert not world.is_plausible(s.scene, p.moved(0, 0, 1.6))  # too tall for where the feet are
    assert not world.is_plausible(s.scene, p.moved(0, 0, 0.5))  # too small
    assert not world.is_plausible(s.scene, Placement(-0.2, p.y, p.scale))  # off the canvas
    water = np.argwhere(s.scene.labels == world.LABELS.index("water"))
    r, c = water[len(water) // 2]
    y = (r + 0.5) / 64
    wet = Placement((c + 0.5) / 64, y, float(world.perspective_height(s.scene, y)))
    assert not world.is_plausible(s.scene, wet)  # standing in the sea


def test_plausible_mask_vectorises():
    s = world.make_world_sample(0, 4, 64)
    xs = np.linspace(0.1, 0.9, 9)
    m = world.plausible_mask(s.scene, xs, s.placement.y, s.placement.scale)
    assert m.shape == (9,) and m.dtype == bool
    assert [world.is_plausible(s.scene, Placement(x, s.placement.y, s.placement.scale)) for x in xs] == list(m)


def test_person_sprite_shape_and_alpha():
    spr = world.draw_person(world.sample_person(np.random.default_rng(0), outfit="suit"), 100)
    assert spr.shape == (100, 45, 4)
    assert spr[..., 3].max() == pytest.approx(1.0) and spr[0, 0, 3] == 0
    assert spr[-3:, :, 3].max() > 0.5  # feet touch the bottom
    assert spr[:3, :, 3].max() > 0.5  # head touches the top


def test_bad_arguments():
    with pytest.raises(ValueError, match="unknown place"):
        world.render_scene("moon", 64, np.random.default_rng(0))
    with pytest.raises(ValueError, match="unknown outfit"):
        world.compatible("armour", "beach")
    with pytest.raises(ValueError, match="unknown place"):
        world.compatible("suit", "moon")
    with pytest.raises(ValueError, match="at least 16"):
        world.render_scene("beach", 8, np.random.default_rng(0))


def test_implausible_reasons_agree_with_the_oracle():
    rng = np.random.default_rng(0)
    for i in range(8):
        s = world.make_world_sample(4, i, 64)
        assert world.implausible_reasons(s.scene, s.placement) == []
        for _ in range(40):
            p = Placement(float(rng.uniform(0, 1)), float(rng.uniform(0.05, 1)), float(rng.uniform(0.05, 0.9)))
            assert (world.implausible_reasons(s.scene, p) == []) == world.is_plausible(s.scene, p)
    s = world.make_world_sample(0, 0, 64)
    assert world.implausible_reasons(s.scene, s.placement.moved(0, 0, 1.6))[0].startswith("too tall")
    assert world.implausible_reasons(s.scene, Placement(0.5, s.scene.horizon - 0.05, 0.1))[0] == "feet above the horizon"


def test_world_scene_is_the_scene_of_the_world_sample():
    from artlib.world import make_world_sample, world_scene

    for i in (0, 7):
        a, b = world_scene(5, i, 48), make_world_sample(5, i, 48).scene
        assert a.place == b.place and np.array_equal(a.labels, b.labels)
        assert np.array_equal(a.background, b.background)
