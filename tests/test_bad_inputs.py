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
from artlib.files import ImageFileError, read_image, write_png
from artlib.model import VerifierConfig
from artlib.score import max_displacement, spatial_score
from artlib.train import TrainConfig, train
from conftest import ROOT

TINY = VerifierConfig(encoder="test_resnet", image_size=32)


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


# ----------------------------------------------------------------------------- silently wrong results
def test_a_restart_killed_with_another_lr_is_not_reported_as_success(tmp_path, data):
    train(TINY, _tcfg(data), tmp_path, progress=False)
    # an interrupted --restart with another learning rate leaves its checkpoint beside the old metrics
    train(TINY, _tcfg(data, lr=1e-2), tmp_path / "other", progress=False)
    shutil.copy(tmp_path / "other" / "checkpoint.pt", tmp_path / "checkpoint.pt")
    with pytest.raises(ValueError, match="cannot be trusted.*lr: checkpoint 0.01 != requested 0.001"):
        train(TINY, _tcfg(data), tmp_path, progress=False)


def test_a_restart_removes_the_old_results_first(tmp_path, data):
    train(TINY, _tcfg(data), tmp_path, progress=False)
    with pytest.raises(ValueError, match="unknown encoder"):
        train(replace(TINY, encoder="no_such_net"), _tcfg(data), tmp_path, resume=False, progress=False)
    assert (tmp_path / "metrics.json").exists()  # refused before anything was touched


@pytest.mark.parametrize("kw, match", [
    ({"min_visible": 5.0}, r"min_visible must be in \(0, 1\]"),
    ({"spatial_per_positive": -1}, "spatial_per_positive must be >= 1"),
    ({"content_per_positive": 0}, "content_per_positive must be >= 1"),
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


def test_16_bit_png_is_refused(tmp_path):
    import cv2

    cv2.imwrite(str(tmp_path / "deep.png"), np.full((8, 8, 4), 40000, np.uint16))
    with pytest.raises(ImageFileError, match="deep.png: expected an 8-bit RGBA image, got a 16-bit PNG"):
        read_image(tmp_path / "deep.png", "RGBA")


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


# ----------------------------------------------------------------------------- crashes -> one line
def _png_header(path: Path, width: int, height: int) -> None:
    """A PNG whose header claims width x height RGB pixels (the data are a stub)."""
    chunk = lambda kind, body: struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))  # noqa: E731
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
                     + chunk(b"IDAT", zlib.compress(b"\x00" * 16)) + chunk(b"IEND", b""))


def test_huge_image_headers_are_refused_before_decoding(tmp_path, monkeypatch, capsys):
    _png_header(tmp_path / "bomb.png", 20000, 20000)
    with pytest.raises(ImageFileError, match=r"bomb\.png: .*larger than the 25,000,000 pixels"):
        read_image(tmp_path / "bomb.png", "RGB")
    _png_header(tmp_path / "big.png", 3000, 3000)
    from PIL import ImageFile

    monkeypatch.setattr(ImageFile.ImageFile, "load", lambda self: pytest.fail("decoded before the size check"))
    with pytest.raises(ImageFileError, match=r"big\.png: expected size \(64, 64\), got \(3000, 3000\)"):
        read_image(tmp_path / "big.png", "RGB", (64, 64))
    status, err = _cli(capsys, "retouch", "--foreground", str(tmp_path / "bomb.png"), "--gallery", str(tmp_path),
                       "--out", str(tmp_path / "o"), "--checkpoint", "x.pt")
    _one_line_error(status, err, "bomb.png")
    assert not (tmp_path / "o").exists()


def test_output_folder_that_is_a_file(tmp_path, data, capsys):
    (tmp_path / "file").write_text("x")
    status, err = _cli(capsys, "train", "--out", str(tmp_path / "file"), "--data-dir", str(data), "--encoder", "test_resnet",
                       "--image-size", "32", "--epochs", "1", "--lr", "0.001", "--quiet")
    _one_line_error(status, err, "file: exists and is not a folder")
    status, err = _cli(capsys, "build-dataset", "--profile", "ci", "--out", str(tmp_path / "file"))
    _one_line_error(status, err, "file: exists and is not a folder")
    assert (tmp_path / "file").read_text() == "x"


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


def _project(tmp_path: Path, yaml_text: str) -> Path:
    """A copy of the project's chapter 1 with one profile's parameters replaced."""
    root = tmp_path / "proj"
    (root / "notebooks").mkdir(parents=True)
    shutil.copy(ROOT / "notebooks" / "01_dataset.py", root / "notebooks")
    (root / "params" / "book").mkdir(parents=True)
    (root / "params" / "book" / "01_dataset.yaml").write_text(yaml_text)
    return root


@pytest.mark.parametrize("yaml_text, needle", [
    ("n_sources: 1e3\n", "n_sources must be a int like its default 2000, got '1e3' (str)"),
    ("size: '64'\n", "size must be a int like its default 64, got '64' (str)"),
    ("n_source: 30\n", "unknown parameter 'n_source' (did you mean 'n_sources'?)"),
    ("seed: -1\nn_sources: 30\nsize: 32\n", "seed must be >= 0"),
    ("size: 0\n", "size must be at least 16 px"),
    ("[1, 2]\n", "expected a mapping of parameter names to values"),
])
def test_malformed_profile_values(tmp_path, monkeypatch, capsys, yaml_text, needle):
    root = _project(tmp_path, yaml_text)
    monkeypatch.chdir(root)
    status, err = _cli(capsys, "build-dataset", "--profile", "book", "--out", str(root / "data"))
    _one_line_error(status, err, needle)
    assert not (root / "data").exists()  # validated before anything was written


# ----------------------------------------------------------------------------- written before checked
def test_atomic_writes_honour_the_umask(tmp_path):
    old = os.umask(0o027)
    try:
        write_png(tmp_path / "a.png", np.zeros((4, 4, 3), np.uint8))
    finally:
        os.umask(old)
    assert (tmp_path / "a.png").stat().st_mode & 0o777 == 0o640


def test_relative_and_absolute_paths_are_the_same_run(tmp_path, data, monkeypatch):
    first = train(TINY, _tcfg(data), tmp_path / "run", progress=False)
    monkeypatch.chdir(data.parent)
    again = train(TINY, _tcfg(Path(data.name)), tmp_path / "run", progress=False)
    assert json.dumps(again["test"]) == json.dumps(first["test"])  # read back, not trained again


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
