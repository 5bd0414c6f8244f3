"""Every bad input a hostile user tried (issue: no silent failures), each a clear error.

Each probe asserts the error names the file, key or argument, that the command line ends in one
``artlib: error: ...`` line with exit status 2, and that nothing was left half-written.
"""
import json
import os
import shutil
import struct
import zlib
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from artlib import data as D
from artlib.data.manifest import _check_samples
from artlib.cli import main
from artlib.compose import Placement, paste, paste_torch
import artlib.files as F
from artlib.files import ImageFileError, atomic_write_json, read_image, read_json, write_png
from artlib.outputs import JOURNAL, MARKER
from artlib.model import VerifierConfig
from artlib.score import max_displacement, spatial_score
from artlib.train import TrainConfig, train
from conftest import ROOT

TINY = VerifierConfig(encoder="test_resnet", image_size=32)


# -------------------- helpers and shared data
def _cli(capsys, *args):
    status = main(list(args))
    err = capsys.readouterr().err
    return status, err


def _one_line_error(status, err, *needles):
    assert status == 2, err
    assert err.startswith("artlib: error: ") and err.count("\n") == 1 and "Traceback" not in err, err
    for n in needles:
        assert n in err, err


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    root = tmp_path_factory.mktemp("bad") / "ds"
    D.build_dataset(root, D.BuildConfig(n_sources=30, size=32, seed=2, background_mode="clean"), progress=False)
    return root


def _tcfg(data, **kw):
    base = dict(data_dir=str(data), epochs=1, batch_size=8, lr=1e-3, train_limit=16, val_limit=10, test_limit=10)
    return TrainConfig(**{**base, **kw})


def _png_header(path: Path, width: int, height: int) -> None:
    """A PNG whose header claims width x height RGB pixels (the data are a stub)."""
    chunk = lambda kind, body: struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))  # noqa: E731
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
                     + chunk(b"IDAT", zlib.compress(b"\x00" * 16)) + chunk(b"IEND", b""))


def _project(tmp_path: Path, yaml_text: str) -> Path:
    """A copy of the project's chapter 1 with one profile's parameters replaced."""
    root = tmp_path / "proj"
    (root / "notebooks").mkdir(parents=True)
    shutil.copy(ROOT / "notebooks" / "01_dataset.py", root / "notebooks")
    (root / "params" / "book").mkdir(parents=True)
    (root / "params" / "book" / "01_dataset.yaml").write_text(yaml_text)
    return root


def _retouch(setup, out, *extra):
    root, cutout = setup
    return main(["retouch", "--foreground", str(cutout), "--gallery", str(root / "gallery"), "--top-k", "2",
                 "--checkpoint", str(root / "ckpt.pt"), "--out", str(out), "--quiet", *extra])


@pytest.fixture(scope="module")
def person_photo():
    """A real photo of a real person that an installed package ships: scikit-image's astronaut."""
    from artlib.evaluate.real import read_real_photos

    return read_real_photos(None, ("astronaut",))["astronaut"].rgb


def sha256_of(path):
    from artlib.files import sha256_file

    return sha256_file(path)


# -------------------- files: images, JSON, atomic writes, output paths, locks (files, outputs)
def test_16_bit_png_is_refused(tmp_path):
    import cv2

    cv2.imwrite(str(tmp_path / "deep.png"), np.full((8, 8, 4), 40000, np.uint16))
    with pytest.raises(ImageFileError, match="deep.png: expected an 8-bit RGBA image, got a 16-bit PNG"):
        read_image(tmp_path / "deep.png", "RGBA")


def test_huge_image_headers_are_refused_before_decoding(tmp_path, monkeypatch, capsys):
    _png_header(tmp_path / "bomb.png", 20000, 20000)
    with pytest.raises(ImageFileError, match=r"bomb\.png: .*larger than the 25,000,000 pixels"):
        read_image(tmp_path / "bomb.png", "RGB")
    _png_header(tmp_path / "big.png", 3000, 3000)
    from PIL import ImageFile

    monkeypatch.setattr(ImageFile.ImageFile, "load", lambda self: pytest.fail("decoded before the size check"))
    with pytest.raises(ImageFileError, match=r"big\.png: expected size \(64, 64\), got \(3000, 3000\)"):
        read_image(tmp_path / "big.png", "RGB", (64, 64))
    status, err = _cli(capsys, "retouch", "--foreground", str(tmp_path / "bomb.png"), "--gallery", str(tmp_path / "gallery"),
                       "--out", str(tmp_path / "o"), "--checkpoint", "x.pt")
    _one_line_error(status, err, "bomb.png")
    assert not (tmp_path / "o").exists()


def test_a_huge_junk_file_costs_a_header_read(tmp_path):
    import tracemalloc

    junk = tmp_path / "junk.png"
    with open(junk, "wb") as fh:
        fh.write(b"\x89PNG\r\n\x1a\n")
        fh.write(os.urandom(1 << 20) * 48)  # 48 MB that are not an image
    tracemalloc.start()
    with pytest.raises(ImageFileError, match="junk.png: not a readable image"):
        read_image(junk, "RGB")
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 4 << 20, peak  # the whole file was 48 MB


def test_photos_are_turned_upright_by_their_exif_orientation(tmp_path):
    from PIL import Image

    from artlib.files import read_photo

    rgb = np.zeros((30, 60, 3), np.uint8)
    rgb[:, :10] = 255  # a white band on the left
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 degrees clockwise to display"
    Image.fromarray(rgb).save(tmp_path / "phone.jpg", exif=exif, quality=95)
    upright, mode = read_photo(tmp_path / "phone.jpg")
    assert upright.shape == (60, 30, 3) and mode == "RGB"
    assert upright[:10].mean() > 200 and upright[-10:].mean() < 50  # the band is now on top


def test_atomic_writes_honour_the_umask(tmp_path):
    old = os.umask(0o027)
    try:
        write_png(tmp_path / "a.png", np.zeros((4, 4, 3), np.uint8))
    finally:
        os.umask(old)
    assert (tmp_path / "a.png").stat().st_mode & 0o777 == 0o640


def test_json_files_hold_no_bare_nan(tmp_path):
    atomic_write_json(tmp_path / "m.json", {"auc": float("nan"), "x": [1.0, float("inf")], "n": np.float32(0.5)})
    refuse = lambda c: pytest.fail(f"bare {c} in JSON")  # noqa: E731
    assert json.loads((tmp_path / "m.json").read_text(), parse_constant=refuse) == {"auc": None, "x": [1.0, None],
                                                                                  "n": 0.5}


def test_output_folder_that_is_a_file(tmp_path, data, capsys):
    (tmp_path / "file").write_text("x")
    status, err = _cli(capsys, "train", "--out", str(tmp_path / "file"), "--data-dir", str(data), "--encoder", "test_resnet",
                       "--image-size", "32", "--epochs", "1", "--lr", "0.001", "--quiet")
    _one_line_error(status, err, "file: exists and is not a folder")
    status, err = _cli(capsys, "build-dataset", "--profile", "ci", "--out", str(tmp_path / "file"))
    _one_line_error(status, err, "file: exists and is not a folder")
    assert (tmp_path / "file").read_text() == "x"


def test_check_outputs_compares_every_output_with_every_input(tmp_path):
    (tmp_path / "a.png").write_bytes(b"x")
    os.symlink(tmp_path / "a.png", tmp_path / "link.png")
    with pytest.raises(ValueError, match="--out .*link.png: is the input photo"):
        F.check_outputs({"--out": tmp_path / "link.png"}, {"photo": tmp_path / "a.png"})
    F.check_outputs({"--out": tmp_path / "b.png", "--preview": None}, {"photo": tmp_path / "a.png", "--x": None})


def test_an_output_folder_is_written_by_one_command_at_a_time(retouch_setup, tmp_path, capsys):
    cfg = D.BuildConfig(n_sources=30, size=32, seed=7, background_mode="clean")
    with F.folder_lock(tmp_path / "ds"):
        with pytest.raises(ValueError, match="ds: artlib command .* is writing this folder right now \\(refused: artlib build-dataset\\)"):
            D.build_dataset(tmp_path / "ds", cfg, progress=False)
    assert not (tmp_path / "ds" / "build.json").exists()
    with F.folder_lock(tmp_path / "o"):
        assert _retouch(retouch_setup, tmp_path / "o") == 2
    assert "is writing this folder right now (refused: artlib retouch)" in capsys.readouterr().err
    assert _retouch(retouch_setup, tmp_path / "o") == 0  # the lock went with its holder


# -------------------- compose and the scores: values that would give garbage (artlib.compose, artlib.model)
def test_paste_refuses_values_that_give_garbage():
    sprite = np.ones((10, 5, 4), np.float32)
    bg = np.zeros((32, 32, 3), np.float32)
    s, b = torch.from_numpy(sprite).permute(2, 0, 1)[None], torch.from_numpy(bg).permute(2, 0, 1)[None]
    for scale, match in ((0.0, "scale must be > 0"), (float("nan"), "must be finite"), (-0.4, "scale must be > 0")):
        with pytest.raises(ValueError, match=match):
            paste_torch(b, s, torch.tensor([0.5]), torch.tensor([0.9]), torch.tensor([scale]))
    with pytest.raises(ValueError, match=r"sprite must be uint8 or float in \[0, 1\], got float values in \[1, 255\]"):
        paste(bg, np.concatenate([np.full((10, 5, 3), 255.0), np.ones((10, 5, 1))], 2).astype(np.float32), Placement(0.5, 0.9, 0.4))
    with pytest.raises(ValueError, match="background is empty: 0 x 0 pixels"):
        paste(np.zeros((0, 0, 3), np.float32), sprite, Placement(0.5, 0.9, 0.4))
    with pytest.raises(ValueError, match="anchor must lie on the unit canvas"):
        max_displacement(float("nan"), 0.5)
    with pytest.raises(ValueError, match="a and b must be finite"):
        spatial_score(0.1, 1.0, 1.0, a=float("nan"))


def test_scores_refuse_foregrounds_that_are_not_unit_floats(retouch_setup):
    from artlib.adjust import PlacementScorer
    from artlib.data import read_gallery
    from artlib.select import GalleryIndex
    from artlib.train import load_verifier
    from artlib.widgets import AdjustSession

    root, _ = retouch_setup
    model = load_verifier(root / "ckpt.pt")
    gallery = read_gallery(root / "gallery")
    index = GalleryIndex.build(model, gallery)
    ok = torch.full((1, 4, 32, 32), 0.5)
    assert np.isfinite(index.scores(model, ok)).all()
    for bad, match in ((ok * 255, r"values in \[0, 1\], got values in \[127.5, 127.5\]"),
                       ((ok * 255).to(torch.uint8), "float tensor in \\[0, 1\\], got dtype torch.uint8"),
                       (torch.full((1, 4, 32, 32), float("nan")), "finite values in")):
        with pytest.raises(ValueError, match=match):
            index.top_k(model, bad, 2)
    sprite = np.ones((10, 5, 4), np.float32)
    scorer = PlacementScorer(model, sprite, gallery.backgrounds[0], gallery.labels[0].astype(np.int64))
    with pytest.raises(ValueError, match="placements must be finite"):
        scorer.scores(np.array([[0.5, float("nan"), 0.4]]))
    session = AdjustSession(model, sprite, gallery.backgrounds[0].astype(np.float32) / 255,
                            gallery.labels[0].astype(np.int64), seed=0)
    view = session.run(0)
    assert view.trace == session.trace and len(session.trace) == 1  # 0 steps take none (it took 20)
    assert len(session.run(2).trace) == 3
    with pytest.raises(ValueError, match="steps must be a whole number >= 0"):
        session.run(-1)


def test_a_large_cutout_is_reduced_to_the_canvas(retouch_setup):
    from artlib.compose import reduce_sprite
    from artlib.retouch import foreground_from_cutout, retouch
    from artlib.data import read_gallery
    from artlib.train import load_verifier

    sprite = np.zeros((1200, 400, 4), np.float32)
    sprite[..., :3] = (0.2, 0.4, 0.6)
    sprite[:, :200, 3] = 1.0  # left half opaque
    small = reduce_sprite(sprite, 30)
    assert small.shape == (30, 10, 4)
    np.testing.assert_allclose(small[:, :5, :3], np.broadcast_to((0.2, 0.4, 0.6), (30, 5, 3)), atol=1e-4)  # no fringe
    np.testing.assert_allclose(small[:, :5, 3], 1.0) and np.testing.assert_allclose(small[:, 5:, 3], 0.0)
    assert reduce_sprite(small, 64) is small
    cut = np.zeros((3000, 1500, 4), np.uint8)
    cut[600:2900, 500:1000] = (200, 120, 90, 255)
    root, _ = retouch_setup
    model = load_verifier(root / "ckpt.pt")
    res = retouch(model, foreground_from_cutout(cut), read_gallery(root / "gallery"), top_k=1)
    assert res[0].image.shape == (32, 32, 3)


# -------------------- data: dataset parameters, manifests, sources, photo builds and galleries (artlib.data)
@pytest.mark.parametrize("kw, match", [
    ({"min_visible": 5.0}, r"min_visible must be in \(0, 1\]"),
    ({"spatial_per_positive": -1}, r"spatial_per_positive must be in \[1, 100\]"),
    ({"content_per_positive": 0}, r"content_per_positive must be in \[1, 100\]"),
    ({"shift_max_fraction": 0.0}, r"shift_max_fraction must be in \(0, 1\]"),
    ({"seed": -3}, "seed must be >= 0"),
    ({"n_sources": 1e3}, r"n_sources must be int, got 1000.0 \(float\)"),
    ({"size": "64"}, r"size must be int, got '64' \(str\)"),
    ({"ratio_min": float("nan")}, "ratio_min must be finite number"),
])
def test_dataset_parameters_are_range_and_type_checked(kw, match):
    with pytest.raises(ValueError, match=match):
        D.BuildConfig(**{"n_sources": 30, **kw})


def test_unknown_keys_are_refused_with_a_suggestion():
    with pytest.raises(ValueError, match=r"'n_source' \(did you mean 'n_sources'\?\)"):
        D.BuildConfig.from_dict({"n_source": 30})
    with pytest.raises(ValueError, match=r"'atention' \(did you mean 'attention'\?\)"):
        VerifierConfig.from_dict({"atention": "none"})


@pytest.mark.parametrize("column, value, match", [
    ("kind", 7, "kind = 7"), ("split", -1, "split = -1"), ("content", 0.5, "content = 0.5"),
    ("spatial", float("nan"), "spatial = nan"), ("x", 1e9, "x = 1000000000.0"), ("fg_source", 999, "fg_source = 999"),
])
def test_manifest_values_are_validated_on_load(tmp_path, data, column, value, match):
    shutil.copytree(data, tmp_path / "m")
    path = tmp_path / "m" / "manifest.json"
    d = json.loads(path.read_text())
    d["samples"][column][3] = value
    path.write_text(json.dumps(d))
    with pytest.raises(ValueError, match=rf"manifest\.json: sample 3 has {match}"):
        D.load_manifest(tmp_path / "m")


def test_malformed_manifests(tmp_path, data):
    shutil.copytree(data, tmp_path / "m")
    path = tmp_path / "m" / "manifest.json"
    d = json.loads(path.read_text())
    d["samples"] = [1, 2, 3]
    path.write_text(json.dumps(d))
    with pytest.raises(ValueError, match="'samples' must map column names to lists, got list"):
        D.load_manifest(tmp_path / "m")
    d = json.loads((data / "manifest.json").read_text())
    del d["samples"]["ratio"]
    path.write_text(json.dumps(d))
    with pytest.raises(ValueError, match=r"lacks the columns \['ratio'\]"):
        D.load_manifest(tmp_path / "m")


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(0, 1), min_size=4, max_size=4))
def test_any_manifest_that_loads_is_in_range(tmp_path_factory, vals):
    """A manifest whose values pass the loader only holds in-range values (a property over edits)."""
    root = tmp_path_factory.mktemp("h")
    x, y, scale, spatial = vals
    samples = {"kind": [0], "fg_source": [0], "bg_source": [0], "split": [0], "x": [x], "y": [y], "scale": [scale],
               "content": [1.0], "spatial": [spatial], "distance": [0.0], "ratio": [1.0]}
    try:
        out = _check_samples(root / "manifest.json", samples, 2)
    except ValueError:
        assert scale == 0
        return
    assert 0 <= out["x"][0] <= 1 and 0 < out["scale"][0] <= 1 and 0 <= out["spatial"][0] <= 1


def test_a_swapped_file_is_refused_and_a_rebuild_repairs_it(tmp_path):
    cfg = D.BuildConfig(n_sources=30, size=32, seed=4, background_mode="clean")
    m = D.build_dataset(tmp_path / "ds", cfg, progress=False)
    bg2, bg3 = D.source_dir(m.root, 2) / "bg.png", D.source_dir(m.root, 3) / "bg.png"
    original = bg2.read_bytes()
    shutil.copy(bg3, bg2)  # another valid image of the right size
    with pytest.raises(ImageFileError, match=r"000002/bg\.png: content does not match the manifest's hash"):
        D.ARTDataset(m, "all").source(2)
    (D.source_dir(m.root, 5) / "parse.png").unlink()
    again = D.build_dataset(tmp_path / "ds", cfg, progress=False)
    assert again.repaired == [2, 5] and bg2.read_bytes() == original
    D.verify_dataset(again)


def test_a_rebuild_repairs_deleted_sources_and_corrupt_records(tmp_path):
    cfg = D.BuildConfig(n_sources=30, size=32, seed=8, background_mode="clean")
    m = D.build_dataset(tmp_path, cfg, progress=False)
    shutil.rmtree(D.source_dir(tmp_path, 4))
    (D.source_dir(tmp_path, 7) / "meta.json").write_bytes(b"\x00\xffnot json")
    again = D.build_dataset(tmp_path, cfg, progress=False)
    assert again.repaired == [4, 7]
    D.verify_dataset(again)
    assert json.dumps(again.samples["x"].tolist()) == json.dumps(m.samples["x"].tolist())
    manifest = read_json(tmp_path / "manifest.json")
    manifest["sources"][3]["sha256"]["bg.png"] = "0" * 64  # a manifest that disagrees with its sources
    atomic_write_json(tmp_path / "manifest.json", manifest)
    D.build_dataset(tmp_path, cfg, progress=False)
    D.verify_dataset(D.load_manifest(tmp_path))


def test_photo_and_synthetic_builds_never_share_a_folder(tmp_path, capsys):
    cfg = D.BuildConfig(n_sources=30, size=32, seed=6, background_mode="clean")
    D.build_dataset(tmp_path / "ds", cfg, progress=False)
    before = sorted(p.relative_to(tmp_path) for p in (tmp_path / "ds").rglob("*"))
    write_png(tmp_path / "photos" / "a.png", np.full((64, 64, 3), 120, np.uint8))
    status, err = _cli(capsys, "build-dataset", "--photos", str(tmp_path / "photos"), "--out", str(tmp_path / "ds"),
                       "--quiet")
    _one_line_error(status, err, "ds: holds the output of artlib build-dataset, not of artlib build-dataset --photos")
    assert sorted(p.relative_to(tmp_path) for p in (tmp_path / "ds").rglob("*")) == before
    # the reverse: a synthetic build into a folder of photo sources
    _cli(capsys, "build-dataset", "--photos", str(tmp_path / "photos"), "--out", str(tmp_path / "ph"), "--quiet")
    assert (tmp_path / "ph" / "build.json").is_file()
    with pytest.raises(ValueError, match="ph: holds the output of artlib build-dataset --photos, not of artlib build-dataset"):
        D.build_dataset(tmp_path / "ph", cfg, progress=False)
    assert not (tmp_path / "ph" / "sources").exists()
    # a photo build of an older artlib wrote no build.json: still known by its photos/ and report.json
    (tmp_path / "ph" / "build.json").unlink()
    (tmp_path / "ph" / "photos" / "a.png").mkdir(parents=True)  # the work folder of a photo that was cut out
    assert D.dataset_kind(tmp_path / "ph") == "photos" and D.dataset_kind(tmp_path / "ds") == "world"
    with pytest.raises(ValueError, match="ph: holds the output of artlib build-dataset --photos, not of artlib build-dataset"):
        D.build_dataset(tmp_path / "ph", cfg, progress=False)
    _cli(capsys, "build-dataset", "--photos", str(tmp_path / "photos"), "--out", str(tmp_path / "ph"), "--quiet")
    assert F.read_json(tmp_path / "ph" / "build.json")["source"] == "photos"  # rebuilt in place, not refused


def test_photo_sources_are_keyed_by_name_content_and_settings(tmp_path, person_photo, capsys):
    from PIL import Image

    from artlib.data import build_photo_sources

    photos, out = tmp_path / "photos", tmp_path / "out"
    write_png(photos / "b.png", person_photo)
    Image.fromarray(person_photo).save(photos / "b.jpg", quality=95)
    write_png(photos / "thin.png", np.full((2, 10000, 3), 90, np.uint8))  # 17: 10000 x 2
    report = build_photo_sources(photos, out, size=32, progress=False)
    assert report["sources"] == 2 and {read_json(D.source_dir(out, i) / "meta.json")["photo"] for i in (0, 1)} == {
        "b.png", "b.jpg"}
    assert [f["photo"] for f in report["failed"]] == ["thin.png"] and "too thin" in report["failed"][0]["reason"]
    work = out / "photos" / "b.png" / "meta.json"
    first = read_json(work)
    assert first["settings"]["size"] == 32
    build_photo_sources(photos, out, size=32, progress=False)
    assert read_json(work)["photo_sha256"] == first["photo_sha256"]  # kept
    write_png(photos / "b.png", np.ascontiguousarray(person_photo[:, ::-1]))  # replaced by its mirror image
    build_photo_sources(photos, out, size=48, progress=False)
    meta = read_json(work)
    assert meta["photo_sha256"] == sha256_of(photos / "b.png") and meta["settings"]["size"] == 48
    assert read_image(out / "sources" / "000000" / "image.png", "RGB").shape == (48, 48, 3)
    # 13: no photo becomes a source -> an error, with the report written
    status, err = _cli(capsys, "build-dataset", "--photos", str(tmp_path / "none"), "--out", str(tmp_path / "o2"))
    _one_line_error(status, err, "none: no such folder of photos")
    write_png(tmp_path / "none" / "blank.png", np.full((64, 64, 3), 200, np.uint8))
    status, err = _cli(capsys, "build-dataset", "--photos", str(tmp_path / "none"), "--out", str(tmp_path / "o2"),
                       "--quiet")
    _one_line_error(status, err, "none of the 1 photos became a source", "blank.png: no person found")
    assert read_json(tmp_path / "o2" / "report.json")["sources"] == 0


def test_a_photo_gallery_keeps_photos_of_one_stem_apart(tmp_path, capsys):
    from PIL import Image

    rgb = np.random.default_rng(0).integers(0, 255, (40, 40, 3), dtype=np.uint8)
    write_png(tmp_path / "p" / "b.png", rgb)
    Image.fromarray(rgb).save(tmp_path / "p" / "b.jpg")
    write_png(tmp_path / "p" / "c.png", rgb)
    assert main(["export-gallery", "--photos", str(tmp_path / "p"), "--out", str(tmp_path / "g"), "--size", "32",
                 "--quiet"]) == 0
    assert "wrote 3 parsed backgrounds" in capsys.readouterr().out
    from artlib.data import read_gallery

    assert sorted(read_gallery(tmp_path / "g").names) == ["b_jpg", "b_png", "c"]
    status, err = _cli(capsys, "export-gallery", "--photos", str(tmp_path / "p"), "--out", str(tmp_path / "p"))
    _one_line_error(status, err, "is the input --photos")


# -------------------- train: runs, restarts, finished runs, checkpoints (artlib.train)
def test_a_restart_killed_with_another_lr_is_not_reported_as_success(tmp_path, data):
    train(TINY, _tcfg(data), tmp_path, progress=False)
    # an interrupted --restart with another learning rate leaves its checkpoint beside the old metrics
    train(TINY, _tcfg(data, lr=1e-2), tmp_path / "other", progress=False)
    shutil.copy(tmp_path / "other" / "checkpoint.pt", tmp_path / "checkpoint.pt")
    with pytest.raises(ValueError, match="cannot be trusted.*checkpoint.pt: does not match the hash metrics.json records"):
        train(TINY, _tcfg(data), tmp_path, progress=False)


def test_a_restart_removes_the_old_results_first(tmp_path, data):
    train(TINY, _tcfg(data), tmp_path, progress=False)
    with pytest.raises(ValueError, match="unknown encoder"):
        train(replace(TINY, encoder="no_such_net"), _tcfg(data), tmp_path, resume=False, progress=False)
    assert (tmp_path / "metrics.json").exists()  # refused before anything was touched


def test_relative_and_absolute_paths_are_the_same_run(tmp_path, data, monkeypatch):
    first = train(TINY, _tcfg(data), tmp_path / "run", progress=False)
    monkeypatch.chdir(data.parent)
    again = train(TINY, _tcfg(Path(data.name)), tmp_path / "run", progress=False)
    assert json.dumps(again["test"]) == json.dumps(first["test"])  # read back, not trained again


def test_training_must_take_a_step_and_finished_runs_are_complete(tmp_path, data, capsys):
    status, err = _cli(capsys, "train", "--out", str(tmp_path / "r0"), "--data-dir", str(data), "--encoder",
                       "test_resnet", "--image-size", "32", "--epochs", "1", "--lr", "0.001", "--batch-size", "64",
                       "--train-limit", "16", "--quiet")
    _one_line_error(status, err, "batch_size 64 is larger than the 16 training samples", "no optimizer step")
    assert not (tmp_path / "r0" / "best.pt").exists()
    first = train(TINY, _tcfg(data), tmp_path / "run", progress=False, verbose=False)
    pred = np.load(tmp_path / "run" / "predictions.npz")
    (tmp_path / "run" / "predictions.npz").unlink()
    again = train(TINY, _tcfg(data), tmp_path / "run", progress=False, verbose=False)
    assert (tmp_path / "run" / "predictions.npz").is_file() and again["best_epoch"] == first["best_epoch"]
    np.testing.assert_array_equal(np.load(tmp_path / "run" / "predictions.npz")["content"], pred["content"])
    np.savez(tmp_path / "run" / "predictions.npz", content=np.zeros(3))  # replaced by other predictions
    train(TINY, _tcfg(data), tmp_path / "run", progress=False, verbose=False)
    np.testing.assert_array_equal(np.load(tmp_path / "run" / "predictions.npz")["content"], pred["content"])


def test_a_checkpoint_loads_after_its_pretrained_file_moved(tmp_path):
    import timm

    from artlib.model import Verifier
    from artlib.model import verifier_identity
    from artlib.train import load_verifier, save_checkpoint
    from artlib.world import WORLD_LABELS

    src = timm.create_model("test_resnet", pretrained=False, num_classes=0, global_pool="")
    torch.save(src.state_dict(), tmp_path / "weights.pth")
    cfg = replace(TINY, pretrained_path=str(tmp_path / "weights.pth"))
    model = Verifier(cfg, WORLD_LABELS)
    save_checkpoint(tmp_path / "best.pt", model, None, 1, TrainConfig(data_dir="x", lr=1e-3), [])
    (tmp_path / "weights.pth").rename(tmp_path / "moved.pth")
    loaded = load_verifier(tmp_path / "best.pt")
    assert loaded.config == cfg and verifier_identity(loaded) == verifier_identity(model)


# -------------------- select and retouch: output folders, the index, unwritable galleries, bad checkpoints
def test_retouch_out_is_new_or_replaced_on_request(retouch_setup, tmp_path, capsys):
    root, _ = retouch_setup
    gallery_files = sorted(p.name for p in (root / "gallery").iterdir())
    status, err = _cli(capsys, "retouch", "--foreground", str(retouch_setup[1]), "--gallery", str(root / "gallery"),
                       "--checkpoint", str(root / "ckpt.pt"), "--out", str(root / "gallery"), "--quiet")
    _one_line_error(status, err, "--out", "the input --")
    assert sorted(p.name for p in (root / "gallery").iterdir()) == gallery_files
    assert _retouch(retouch_setup, tmp_path / "o", "--top-k", "3") == 0
    capsys.readouterr()
    assert _retouch(retouch_setup, tmp_path / "o") == 2
    assert "holds the results of an earlier artlib retouch; pass --overwrite" in capsys.readouterr().err
    assert _retouch(retouch_setup, tmp_path / "o", "--overwrite") == 0
    report = read_json(tmp_path / "o" / "report.json")
    on_disk = sorted(p.name for p in (tmp_path / "o").iterdir() if p.name not in (F.LOCK_NAME, MARKER, JOURNAL))
    assert len(report["results"]) == 2 and on_disk == sorted(report["files"])  # the third result of run 1 is gone
    (tmp_path / "o" / "notes.txt").write_text("mine")
    status, err = _cli(capsys, "retouch", "--foreground", str(retouch_setup[1]), "--gallery", str(root / "gallery"),
                       "--checkpoint", str(root / "ckpt.pt"), "--out", str(tmp_path / "o"), "--overwrite", "--quiet")
    _one_line_error(status, err, "holds notes.txt, which artlib retouch did not write")
    assert (tmp_path / "o" / "notes.txt").read_text() == "mine"


def test_the_gallery_index_is_verified_in_content(retouch_setup, tmp_path, capsys):
    from artlib.data import read_gallery
    from artlib.select import GalleryIndex, cached_index, index_cache_paths
    from artlib.train import load_verifier

    root, _ = retouch_setup
    model = load_verifier(root / "ckpt.pt")
    gallery = read_gallery(root / "gallery")
    index = cached_index(model, gallery)
    path = index_cache_paths(gallery, model)[0]
    d = torch.load(path, weights_only=True)
    d["h_b"] = d["h_b"].clone()
    d["h_b"][0, :4] += 1.0  # stored features changed, digest kept
    torch.save(d, path)
    with pytest.raises(ValueError, match="content does not match its digest"):
        GalleryIndex.load(path, model, gallery)
    for key in ("identity", "digest", "h_s"):
        broken = dict(d)
        del broken[key]
        torch.save(broken, path)
        with pytest.raises(ValueError, match="malformed gallery index|does not match its digest"):
            GalleryIndex.load(path, model, gallery)
    again = cached_index(model, gallery)  # rebuilt, and the ranking is the true one
    torch.testing.assert_close(again.context.h_b, index.context.h_b)
    GalleryIndex.load(path, model, gallery)


def test_a_read_only_gallery_still_retouches(retouch_setup, tmp_path, monkeypatch, capsys):
    import artlib.files as files

    root, _ = retouch_setup
    for f in (root / "gallery").glob(".index-*.pt"):
        f.unlink()
    real = files.atomic_write_bytes

    def read_only(path, data, blocked=(root / "gallery",)):
        if any(Path(path).resolve().is_relative_to(b.resolve()) for b in blocked):
            raise OSError(30, f"{path}: cannot write (Read-only file system)")
        return real(path, data)

    monkeypatch.setattr(files, "atomic_write_bytes", read_only)
    import artlib.select as select

    monkeypatch.setattr(select, "atomic_write_bytes", read_only)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert _retouch(retouch_setup, tmp_path / "o1") == 0
    assert "could not be written beside it" in capsys.readouterr().err
    assert list((tmp_path / "cache" / "artlib").glob("index-*.pt"))
    monkeypatch.setattr(select, "atomic_write_bytes", lambda path, data: read_only(path, data, (root, tmp_path)))
    for f in (tmp_path / "cache" / "artlib").glob("*"):
        f.unlink()
    assert _retouch(retouch_setup, tmp_path / "o2") == 0
    assert "kept in memory for this run" in capsys.readouterr().err


def test_bad_checkpoints_give_one_line_naming_the_file(retouch_setup, tmp_path, capsys):
    from artlib.model import Verifier
    from artlib.train import save_checkpoint
    from artlib.world import WORLD_LABELS

    root, cutout = retouch_setup
    ck = torch.load(root / "ckpt.pt", weights_only=True)
    missing = dict(ck, model={k: v for i, (k, v) in enumerate(ck["model"].items()) if i})
    extra = dict(ck, model={**ck["model"], "surplus.weight": torch.zeros(2)})
    torch.save(missing, tmp_path / "missing.pt")
    torch.save(extra, tmp_path / "extra.pt")
    other = Verifier(replace(TINY, head_hidden=8), WORLD_LABELS)
    save_checkpoint(tmp_path / "arch.pt", other, None, 1, TrainConfig(data_dir="x", lr=1e-3), [])
    arch = torch.load(tmp_path / "arch.pt", weights_only=True)
    torch.save(dict(arch, verifier_config=ck["verifier_config"]), tmp_path / "arch.pt")  # weights of another shape
    torch.save({"model": Path("x"), "verifier_config": {}, "train_config": {}, "epoch": 1}, tmp_path / "object.pt")
    for name in ("missing.pt", "extra.pt", "arch.pt", "object.pt"):
        status, err = _cli(capsys, "retouch", "--foreground", str(cutout), "--gallery", str(root / "gallery"),
                           "--checkpoint", str(tmp_path / name), "--out", str(tmp_path / "o"), "--quiet")
        _one_line_error(status, err, name)
        assert "weights_only=False" not in err and "weights_only` set to `False" not in err, err
        assert not (tmp_path / "o").exists()


def test_a_binary_labels_json_and_a_full_disk_give_one_line(retouch_setup, tmp_path, monkeypatch, capsys):
    root, cutout = retouch_setup
    shutil.copytree(root / "gallery", tmp_path / "g")
    (tmp_path / "g" / "labels.json").write_bytes(bytes(range(256)))
    status, err = _cli(capsys, "retouch", "--foreground", str(cutout), "--gallery", str(tmp_path / "g"),
                       "--checkpoint", str(root / "ckpt.pt"), "--out", str(tmp_path / "o"), "--quiet")
    _one_line_error(status, err, "labels.json: not valid JSON (not UTF-8 text")
    import artlib.files as files

    def full(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(files.os, "fsync", full)
    status, err = _cli(capsys, "export-gallery", "--out", str(tmp_path / "full"), "--n", "2", "--size", "32", "--quiet")
    _one_line_error(status, err, str(tmp_path / "full"), "cannot write (No space left on device)")
    assert not [p for p in (tmp_path / "full").rglob("*.tmp")]  # no temporary file left behind


# -------------------- chapters: profiles' YAML (artlib.chapters)
@pytest.mark.parametrize("yaml_text, needle", [
    ("n_sources: 1e3\n", "n_sources must be a int like its default 2000, got '1e3' (str)"),
    ("size: '64'\n", "size must be a int like its default 64, got '64' (str)"),
    ("n_source: 30\n", "unknown parameter 'n_source' (did you mean 'n_sources'?)"),
    ("seed: -1\nn_sources: 30\nsize: 32\n", "01_dataset.yaml: seed must be a finite number >= 0, got -1"),
    ("size: 0\n", "01_dataset.yaml: size counts something and must be >= 1 (default 64), got 0"),
    ("size: 8\n", "size must be in [16, 1024] px, got 8"),
    ("[1, 2]\n", "expected a mapping of parameter names to values"),
])
def test_malformed_profile_values(tmp_path, monkeypatch, capsys, yaml_text, needle):
    root = _project(tmp_path, yaml_text)
    monkeypatch.chdir(root)
    status, err = _cli(capsys, "build-dataset", "--profile", "book", "--out", str(root / "data"))
    _one_line_error(status, err, needle)
    assert not (root / "data").exists()  # validated before anything was written


# -------------------- cli: options read strictly, bounded, checked before anything is written (artlib.cli)
@pytest.mark.parametrize("args, needle", [
    (["--encoder", "no_such_net"], "unknown encoder 'no_such_net'"),
    (["--device", "bogus"], "device must be 'auto', 'cpu', 'cuda' or 'cuda:N', got 'bogus'"),
    (["--device", "cuda:7"], "device 'cuda:7' requested, but this machine has no such CUDA device"),
    (["--lr", "0.00001"], "lr 1e-05 is a fine-tuning rate, but pretrained_path is not set"),
])
def test_train_bad_options(tmp_path, data, capsys, args, needle):
    base = {"--encoder": "test_resnet", "--device": "cpu", "--lr": "0.001"}
    base.update(dict(zip(args[::2], args[1::2])))
    status, err = _cli(capsys, "train", "--out", str(tmp_path / "run"), "--data-dir", str(data), "--image-size", "32",
                       "--epochs", "1", "--quiet", *[x for kv in base.items() for x in kv])
    _one_line_error(status, err, needle)
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize("args, needle", [
    (["--spatial-on-content-negatives", "ture"], "argument --spatial-on-content-negatives: expected true or false"),
    (["--pool", "1000"], "pool must be in [1, 2] at image_size 32"),
    (["--train-limit", "-5"], "train_limit must be >= 0"),
    (["--batch-size", "100000"], "batch_size must be in [1, 4096]"),
    (["--head-hidden", "10000000"], "head_hidden must be in [0, 8192]"),
])
def test_train_options_are_strict_and_bounded(tmp_path, data, capsys, args, needle):
    status, err = _cli(capsys, "train", "--out", str(tmp_path / "run"), "--data-dir", str(data), "--encoder",
                       "test_resnet", "--image-size", "32", "--epochs", "1", "--lr", "0.001", "--quiet", *args)
    _one_line_error(status, err, needle)
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize("args, needle", [
    (["--seed", "-7"], "argument --seed: must be in [0, 2147483647], got -7"),
    (["--start", "0.5,0.9,1.5"], "--start (0.5, 0.9, 1.5) is outside the canvas: need x, y in [0, 1] and scale in (0, 1]"),
    (["--start", "nan,0.9,0.5"], "--start must be three numbers"),
    (["--restarts", "100000"], "argument --restarts: must be in [1, 256]"),
    (["--top-k", "many"], "argument --top-k: expected a whole number, got 'many'"),
])
def test_retouch_options_are_checked_before_anything_is_written(retouch_setup, tmp_path, capsys, args, needle):
    root, cutout = retouch_setup
    for f in (root / "gallery").glob(".index-*.pt"):
        f.unlink()
    status, err = _cli(capsys, "retouch", "--foreground", str(cutout), "--gallery", str(root / "gallery"),
                       "--checkpoint", str(root / "ckpt.pt"), "--out", str(tmp_path / "o"), "--quiet", *args)
    _one_line_error(status, err, needle)
    assert not (tmp_path / "o").exists() and not list((root / "gallery").glob(".index-*.pt"))


@pytest.mark.parametrize("args, needle", [
    (["--out", "{photo}"], "--out {photo}: is the input photo"),
    (["--out", "{d}/p.png", "--preview", "{photo}"], "--preview {photo}: is the input photo"),
    (["--out", "{d}/p.png", "--preview", "{d}/p.png"], "--out {d}/p.png and --preview {d}/p.png are one path"),
    (["--out", "{d}/sub/../photo.png"], "is the input photo"),
])
def test_cutout_refuses_to_overwrite_its_inputs(tmp_path, capsys, args, needle):
    photo = tmp_path / "photo.png"
    write_png(photo, np.full((64, 64, 3), 120, np.uint8))
    (tmp_path / "sub").mkdir()
    original = photo.read_bytes()
    fill = lambda t: t.format(photo=photo, d=tmp_path)  # noqa: E731
    status, err = _cli(capsys, "cutout", str(photo), *map(fill, args))
    _one_line_error(status, err, fill(needle))
    assert photo.read_bytes() == original and not (tmp_path / "p.png").exists()
