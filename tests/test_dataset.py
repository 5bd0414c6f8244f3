import json

import numpy as np
import pytest

from artlib import data as D
from artlib.data import build as M
from artlib.compose import Placement
from artlib.files import read_image
from artlib.score import max_displacement, spatial_score


def test_table1_counts(small_manifest, small_config):
    t = D.table1(small_manifest)
    n = small_config.n_sources
    assert t["number of cases"].tolist() == [n, 2 * n, 2 * n]
    assert (t["train"] + t["val"] + t["test"]).tolist() == t["number of cases"].tolist()
    assert t.loc["D+", "test"] == round(n * small_config.test_fraction)


def test_split_is_disjoint_in_foregrounds_and_backgrounds(small_manifest, small_config):
    s = small_manifest.samples
    used = [set(s["fg_source"][s["split"] == k]) | set(s["bg_source"][s["split"] == k]) for k in range(len(D.SPLITS))]
    assert all(used) and not (used[0] & used[1]) and not (used[0] & used[2]) and not (used[1] & used[2])
    n = small_config.n_sources
    assert [len(u) for u in used] == list(D.split_sizes(n, small_config.test_fraction, small_config.val_fraction))


def test_content_negatives_are_derangements(small_manifest):
    s = small_manifest.samples
    neg = s["kind"] == 2
    assert np.all(s["fg_source"][neg] != s["bg_source"][neg])
    assert np.all(s["content"][neg] == 0) and np.all(s["spatial"][neg] == 0)
    # the two negatives of a background use two different foregrounds
    for b in np.unique(s["bg_source"][neg]):
        assert len(set(s["fg_source"][neg & (s["bg_source"] == b)])) == 2


def test_spatial_targets_follow_eq1(small_manifest):
    s, src = small_manifest.samples, small_manifest.sources
    m = np.flatnonzero(s["kind"] == 1)
    for r in m:
        p = Placement(*src[s["fg_source"][r]]["placement"])
        q = Placement(s["x"][r], s["y"][r], s["scale"][r])
        assert q.distance(p) == pytest.approx(s["distance"][r], abs=1e-9)
        assert q.scale / p.scale == pytest.approx(s["ratio"][r], rel=1e-9)
        assert s["spatial"][r] == pytest.approx(spatial_score(s["distance"][r], max_displacement(p.x, p.y), s["ratio"][r]))
    assert np.all(s["content"][m] == 1) and s["spatial"][m].std() > 0.05


def test_cyclic_derangement_powers():
    perm = D.cyclic_derangement(7, np.random.default_rng(0))
    assert sorted(perm) == list(range(7)) and np.all(perm != np.arange(7))
    assert np.all(perm[perm] != np.arange(7)) and np.all(perm[perm] != perm)


def test_items_and_on_the_fly_render_match_stored_foreground(small_manifest):
    ds = D.ARTDataset(small_manifest, "all")
    it = ds[0]
    size = small_manifest.config.size
    assert it["fg"].shape == (4, size, size) and it["bg"].shape == (3, size, size) and it["parse"].shape == (size, size)
    assert it["kind"].item() == 0 and it["content"].item() == 1 and it["spatial"].item() == 1
    stored = read_image(D.source_dir(small_manifest.root, 0) / "fg.png", "RGBA").astype(np.float32) / 255
    pre = np.concatenate([stored[..., :3] * stored[..., 3:], stored[..., 3:]], 2)
    assert np.abs(it["fg"].numpy().transpose(1, 2, 0) - pre).max() < 3 / 255
    assert sum(len(D.ARTDataset(small_manifest, sp)) for sp in D.SPLITS) == len(ds)


def test_deterministic_build(tmp_path, small_manifest, small_config):
    again = D.build_dataset(tmp_path / "again", small_config, progress=False)
    for k in small_manifest.samples:
        np.testing.assert_array_equal(again.samples[k], small_manifest.samples[k])
    for a, b in zip(again.sources, small_manifest.sources):
        assert a["sha256"] == b["sha256"]


def test_killed_build_resumes_to_the_same_result(tmp_path, monkeypatch, small_manifest, small_config):
    real = M.write_source
    calls = []

    def dying(root, index, cfg):
        if len(calls) == 10:
            raise KeyboardInterrupt("killed")
        calls.append(index)
        return real(root, index, cfg)

    monkeypatch.setattr(M, "write_source", dying)
    with pytest.raises(KeyboardInterrupt):
        D.build_dataset(tmp_path / "r", small_config, progress=False)
    assert not (tmp_path / "r" / "manifest.json").exists()
    monkeypatch.setattr(M, "write_source", real)
    done = D.build_dataset(tmp_path / "r", small_config, progress=False)
    for k in small_manifest.samples:
        np.testing.assert_array_equal(done.samples[k], small_manifest.samples[k])
    assert [s["sha256"] for s in done.sources] == [s["sha256"] for s in small_manifest.sources]


def test_parallel_build_matches_serial(tmp_path, small_manifest, small_config):
    par = D.build_dataset(tmp_path / "p", small_config, workers=2, progress=False)
    assert [s["sha256"] for s in par.sources] == [s["sha256"] for s in small_manifest.sources]


def test_other_parameters_are_refused(tmp_path, small_config):
    D.build_dataset(tmp_path / "x", small_config, progress=False)
    other = D.BuildConfig(**{**small_config.__dict__, "seed": 99})
    with pytest.raises(ValueError, match="built with other parameters"):
        D.build_dataset(tmp_path / "x", other, progress=False)


def test_manifest_of_another_schema_version(tmp_path, small_config):
    m = D.build_dataset(tmp_path / "v", small_config, progress=False)
    path = m.root / "manifest.json"
    data = json.loads(path.read_text())
    data["schema_version"] = 99
    path.write_text(json.dumps(data))
    with pytest.raises(ValueError, match=r"manifest\.json: manifest schema version 99 is not supported"):
        D.load_manifest(m.root)


def test_verify_detects_a_changed_file(tmp_path, small_config):
    m = D.build_dataset(tmp_path / "h", small_config, progress=False)
    D.verify_dataset(m)
    target = D.source_dir(m.root, 2) / "bg.png"
    data = target.read_bytes()
    target.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match=r"000002/bg\.png: content does not match"):
        D.verify_dataset(m)
    with pytest.raises(ValueError, match=r"bg\.png: content does not match the manifest's hash"):
        D.ARTDataset(m, "all").source(2)


def test_inpaint_mode(tmp_path):
    cfg = D.BuildConfig(n_sources=30, size=32, seed=1, background_mode="inpaint")
    m = D.build_dataset(tmp_path / "i", cfg, progress=False)
    clean = D.build_dataset(tmp_path / "c", D.BuildConfig(n_sources=30, size=32, seed=1, background_mode="clean"), progress=False)
    assert m.sources[0]["sha256"]["bg.png"] != clean.sources[0]["sha256"]["bg.png"]
    assert m.sources[0]["sha256"]["parse.png"] == clean.sources[0]["sha256"]["parse.png"]


@pytest.mark.parametrize(
    "kw, match",
    [
        ({"n_sources": 1}, "n_sources"),
        ({"n_sources": 5}, "derangements"),
        ({"n_sources": 20, "background_mode": "magic"}, "background_mode"),
        ({"n_sources": 20, "ratio_min": 1.5}, "ratio_min"),
        ({"n_sources": 20, "test_fraction": 1.0}, "test_fraction"),
    ],
)
def test_bad_config(kw, match):
    with pytest.raises(ValueError, match=match):
        D.BuildConfig(**kw)
    with pytest.raises(ValueError, match="unknown dataset parameters"):
        D.BuildConfig.from_dict({"n_sources": 20, "colour": 3})


def test_label_noise_table(small_manifest):
    t = D.label_noise(small_manifest)
    assert t.loc["D+", "compatible"] == 1.0 and t.loc["D+", "plausible"] == 1.0
    assert 0 <= t.loc["D_c-", "compatible"] < 1


def test_moved_placements_respect_the_documented_ranges(small_manifest, small_config):
    s = small_manifest.samples
    m = s["kind"] == 1
    assert np.all((s["ratio"][m] >= small_config.ratio_min - 1e-12) & (s["ratio"][m] <= small_config.ratio_max + 1e-12))
    assert np.all((s["x"][m] >= 0) & (s["x"][m] <= 1) & (s["y"][m] >= 0) & (s["y"][m] <= 1))
    assert np.all(s["scale"][m] <= 0.95)
