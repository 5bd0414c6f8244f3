"""The defects of the 194-probe review (issue: one rule for every output folder, one check for every
stored result), one test each, numbered as the issue numbers them. Each failed before the fix.
"""
import errno
import json
import os
import shutil
import signal
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
import torch

from artlib import data as D
from artlib import files as F
from artlib.cli import main
from artlib.model import VerifierConfig
from artlib.outputs import JOURNAL, MARKER, OutputFolder, output_folder
from artlib.train import TrainConfig, train
from conftest import ROOT

TINY = VerifierConfig(encoder="test_resnet", image_size=32)


def _cli(capsys, *args):
    status = main([str(a) for a in args])
    out = capsys.readouterr()
    return status, out.err, out.out


def _one_line_error(status, err, *needles):
    assert status == 2, err
    assert err.startswith("artlib: error: ") and err.count("\n") == 1 and "Traceback" not in err, err
    for n in needles:
        assert n in err, err


def _tree(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` with its bytes (the lock file, whose text names its last holder, aside)."""
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file() and p.name != F.LOCK_NAME}


def _photos(folder: Path, names=("a.png", "b.png")) -> Path:
    rng = np.random.default_rng(0)
    for n in names:
        F.write_png(folder / n, rng.integers(0, 255, (40, 48, 3), dtype=np.uint8))
    return folder


@pytest.fixture(scope="module")
def world(retouch_setup):
    """The retouch set-up (a world gallery of 6 backgrounds at 32 px, one cut-out, an untrained
    checkpoint) and a dataset of 30 sources beside them."""
    root = retouch_setup[0]
    D.build_dataset(root / "ds", D.BuildConfig(n_sources=30, size=32, seed=2, background_mode="clean"), progress=False)
    return root


def _retouch(world, out, *extra, foreground=None, gallery=None):
    fg = foreground or next((world / "gallery" / "cutouts").glob("*.png"))
    return main(["retouch", "--foreground", str(fg), "--gallery", str(gallery or world / "gallery"), "--top-k", "2",
                 "--checkpoint", str(world / "ckpt.pt"), "--out", str(out), "--quiet", *extra])


# ----------------------------------------------------------------------------- data loss
def test_1_a_photo_build_never_deletes_a_users_sources(tmp_path, capsys):
    out = tmp_path / "D"
    F.write_png(out / "sources" / "mine.png", np.zeros((8, 8, 3), np.uint8))
    (out / "report.json").write_text('{"mine": true}')
    before = _tree(out)
    status, err, _ = _cli(capsys, "build-dataset", "--photos", _photos(tmp_path / "ph"), "--out", out, "--quiet")
    _one_line_error(status, err, "holds report.json, sources, which no artlib build-dataset --photos wrote")
    assert _tree(out) == before


def test_2_export_gallery_never_replaces_a_users_files(tmp_path, capsys):
    out = tmp_path / "D"
    out.mkdir()
    (out / "report.json").write_text("mine")
    (out / "labels.json").write_text("mine too")
    status, err, _ = _cli(capsys, "export-gallery", "--out", out, "--n", "2", "--size", "16", "--quiet")
    _one_line_error(status, err, "labels.json, report.json, which no artlib export-gallery wrote")
    assert (out / "report.json").read_text() == "mine" and (out / "labels.json").read_text() == "mine too"
    # a finished photo dataset is another command's folder
    ds = tmp_path / "photo_ds"
    _cli(capsys, "build-dataset", "--photos", _photos(tmp_path / "ph"), "--out", ds, "--quiet")
    before = _tree(ds)
    status, err, _ = _cli(capsys, "export-gallery", "--out", ds, "--n", "2", "--size", "16", "--quiet")
    _one_line_error(status, err, "holds the output of artlib build-dataset --photos")
    assert _tree(ds) == before


def test_3_an_input_folder_inside_the_output_is_refused(world, tmp_path, capsys):
    g = tmp_path / "G"
    _photos(g / "full", ("rocket.png",))
    before = _tree(g)
    status, err, _ = _cli(capsys, "export-gallery", "--photos", g / "full", "--out", g, "--quiet")
    _one_line_error(status, err, "holds the input --photos")
    assert _tree(g) == before


def test_4_a_chapter_never_writes_into_notebooks(capsys):
    before = sorted(p.name for p in (ROOT / "notebooks").iterdir())
    for out in (ROOT / "notebooks", ROOT / "notebooks" / "sub", ROOT):
        status, err, _ = _cli(capsys, "chapter", "04_adjustment", "--profile", "ci", "--out", out)
        _one_line_error(status, err, "notebooks")
    assert sorted(p.name for p in (ROOT / "notebooks").iterdir()) == before


# ----------------------------------------------------------------------------- silently wrong
def test_5_gallery_names_never_collide(tmp_path, capsys):
    from PIL import Image

    p = tmp_path / "p"
    rng = np.random.default_rng(1)
    for name in ("a.JPG", "a.jpg", "rocket.png", "rocket_png.jpg", "x.jpg", "x.labels.jpg", "a b.png", "a_b.png"):
        p.mkdir(exist_ok=True)
        Image.fromarray(rng.integers(0, 255, (40, 40, 3), dtype=np.uint8)).save(p / name, format="PNG" if
                                                                              name.endswith("png") else "JPEG")
    status, _, out = _cli(capsys, "export-gallery", "--photos", p, "--out", tmp_path / "g", "--size", "16", "--quiet")
    assert status == 0
    names = D.read_gallery(tmp_path / "g").names
    assert len(names) == len({n.lower() for n in names}) == 8
    assert "wrote 8 parsed backgrounds" in out
    assert len(list((tmp_path / "g").glob("*.labels.png"))) == 8


def test_6_swapped_sources_are_repaired_to_the_fresh_build(tmp_path):
    cfg = D.BuildConfig(n_sources=30, size=32, seed=3, background_mode="clean")
    D.build_dataset(tmp_path / "ds", cfg, progress=False)
    fresh = D.dataset_identity(tmp_path / "ds")
    a, b = D.source_dir(tmp_path / "ds", 1), D.source_dir(tmp_path / "ds", 2)
    a.rename(tmp_path / "tmp")
    b.rename(a)
    (tmp_path / "tmp").rename(b)
    m = D.build_dataset(tmp_path / "ds", cfg, progress=False)
    assert m.repaired == [1, 2]
    assert D.dataset_identity(tmp_path / "ds") == fresh


def _flip_a_weight_byte(path: Path) -> None:
    """Flip one byte in the middle of the largest tensor stored in a torch zip file."""
    with zipfile.ZipFile(path) as z:
        info = max((i for i in z.infolist() if "/data/" in i.filename), key=lambda i: i.file_size)
    raw = bytearray(path.read_bytes())
    head = info.header_offset
    start = head + 30 + int.from_bytes(raw[head + 26:head + 28], "little") + int.from_bytes(raw[head + 28:head + 30], "little")
    raw[start + info.file_size // 2] ^= 0x40
    path.write_bytes(bytes(raw))


def test_7_a_flipped_byte_in_a_checkpoint_is_found(world, tmp_path, capsys):
    cfg = TrainConfig(data_dir=str(world / "ds"), epochs=1, batch_size=8, lr=1e-3, train_limit=16, val_limit=10,
                      test_limit=10)
    run = tmp_path / "run"
    train(TINY, cfg, run, progress=False, verbose=False)
    assert set(F.read_json(run / "metrics.json")["checkpoints"]) == {"best.pt", "checkpoint.pt"}
    _flip_a_weight_byte(run / "best.pt")
    with pytest.raises(ValueError, match="best.pt: does not match the hash metrics.json records"):
        train(TINY, cfg, run, progress=False, verbose=False)
    status = main(["retouch", "--foreground", str(next((world / "gallery" / "cutouts").glob("*.png"))), "--gallery",
                   str(world / "gallery"), "--checkpoint", str(run), "--out", str(tmp_path / "o"), "--quiet"])
    _one_line_error(status, capsys.readouterr().err, "best.pt: does not match the hash metrics.json records")
    # a lone checkpoint, with no run record beside it: its own checksum finds the flipped byte
    lone = tmp_path / "lone.pt"
    shutil.copy(run / "best.pt", lone)
    from artlib.train import load_verifier

    with pytest.raises(ValueError, match="lone.pt: the checkpoint's weights do not match the checksum stored with them"):
        load_verifier(lone)


def test_8_a_gallery_index_of_nan_rows_is_refused(world, tmp_path):
    from artlib.select import GalleryIndex, cached_index, index_cache_paths
    from artlib.train import load_verifier

    model = load_verifier(world / "ckpt.pt")
    gallery = D.read_gallery(world / "gallery")
    index = cached_index(model, gallery)
    index.context.h_b[0] = float("nan")  # the digest is recomputed by save(): a checksum, not a seal
    path = tmp_path / "index.pt"
    index.save(path)
    with pytest.raises(ValueError, match="index.pt: the index holds features that are not finite numbers"):
        GalleryIndex.load(path, model, gallery)
    index.save(index_cache_paths(gallery, model)[0])
    assert np.isfinite(cached_index(model, gallery).context.h_b.numpy()).all()  # refused, and built again


# ----------------------------------------------------------------------------- tracebacks and unclear errors
def test_10_undecodable_file_names(world, tmp_path, capsys):
    bad = os.fsdecode(b"me\xfe.png")
    shutil.copy(next((world / "gallery" / "cutouts").glob("*.png")), tmp_path / bad)
    gallery = tmp_path / "gallery"
    shutil.copytree(world / "gallery", gallery, ignore=shutil.ignore_patterns(".index-*", ".artlib*", "cutouts"))
    name = os.fsdecode(b"bad\xff")
    shutil.copy(gallery / "00000_beach.png", gallery / f"{name}.png")
    shutil.copy(gallery / "00000_beach.labels.png", gallery / f"{name}.labels.png")
    assert _retouch(world, tmp_path / "o", "--top-k", "7", foreground=tmp_path / bad, gallery=gallery) == 0
    out = capsys.readouterr().out
    assert "\ufffd" in out and (tmp_path / "o" / "contact_sheet.png").is_file() and (tmp_path / "o" / "report.json").is_file()
    # an error naming such a file is one printable line
    status, err, _ = _cli(capsys, "cutout", tmp_path / os.fsdecode(b"none\xfe.png"), "--out", tmp_path / "c.png")
    _one_line_error(status, err, "none\ufffd.png: no such photo")


def test_11_a_retouch_stopped_by_a_full_disk_can_be_run_again(world, tmp_path, capsys, monkeypatch):
    real = OutputFolder.write_json

    def full_disk(self, name, obj):
        if name == "report.json":
            raise OSError(errno.ENOSPC, f"{self.root / name}: cannot write (No space left on device)")
        return real(self, name, obj)

    monkeypatch.setattr(OutputFolder, "write_json", full_disk)
    assert _retouch(world, tmp_path / "o") == 2
    monkeypatch.undo()
    assert any((tmp_path / "o").glob("01_*.png")) and not (tmp_path / "o" / "report.json").exists()
    assert _retouch(world, tmp_path / "o") == 2
    assert "holds the results of an earlier artlib retouch; pass --overwrite" in capsys.readouterr().err
    assert _retouch(world, tmp_path / "o", "--overwrite") == 0
    assert (tmp_path / "o" / "report.json").is_file()


def test_12_an_interrupted_export_gallery_resumes(tmp_path, capsys, monkeypatch):
    from artlib import world

    args = ["export-gallery", "--n", "8", "--size", "16", "--cutouts", "1", "--quiet"]
    assert main([*args, "--out", str(tmp_path / "fresh")]) == 0
    real, calls = world.world_scene, []

    def killed_after_three(*a, **k):
        calls.append(a)
        if len(calls) > 3:
            raise KeyboardInterrupt
        return real(*a, **k)

    monkeypatch.setattr(world, "world_scene", killed_after_three)
    assert main([*args, "--out", str(tmp_path / "g")]) == 130
    monkeypatch.undo()
    status, _, out = _cli(capsys, *args, "--out", tmp_path / "g")
    assert status == 0 and "(3 kept from an earlier run)" in out
    strip = lambda t: {k: v for k, v in t.items() if not k.startswith(".artlib")}  # noqa: E731
    assert strip(_tree(tmp_path / "g")) == strip(_tree(tmp_path / "fresh"))
    status, err, _ = _cli(capsys, "export-gallery", "--n", "9", "--size", "16", "--cutouts", "1", "--out", tmp_path / "g",
                          "--quiet")
    _one_line_error(status, err, "an artlib export-gallery of other settings wrote it (n: 8 there, 9 now)")


def test_13_retouch_method_map_names_what_it_needs(world, tmp_path, capsys):
    status, err, _ = _cli(capsys, "retouch", "--foreground", next((world / "gallery" / "cutouts").glob("*.png")),
                          "--gallery", world / "gallery", "--checkpoint", world / "ckpt.pt", "--out", tmp_path / "o",
                          "--method", "map")
    _one_line_error(status, err, "--method map needs --placement-map PATH")
    assert not (tmp_path / "o").exists()
    from artlib.train import MapTrainConfig, load_verifier, train_placement_map

    train_placement_map(load_verifier(world / "ckpt.pt"), world / "ds", tmp_path / "map",
                        MapTrainConfig(epochs=1, limit=8, batch_size=4, placements=4))
    assert _retouch(world, tmp_path / "o", "--method", "map", "--placement-map", str(tmp_path / "map")) == 0
    assert F.read_json(tmp_path / "o" / "report.json")["method"] == "map"


class _RunsCode:
    def __reduce__(self):
        return (os.system, ("true",))


def test_14_a_checkpoint_with_code_and_a_plain_pickle(world, tmp_path):
    """Run as a user would, in a process of its own: stderr is exactly one line (no torch warning)."""
    torch.save({"model": {}, "x": _RunsCode()}, tmp_path / "code.pt")
    import pickle

    (tmp_path / "plain.pt").write_bytes(pickle.dumps({"model": {}}, protocol=4))
    fg = next((world / "gallery" / "cutouts").glob("*.png"))
    for name, needle in (("code.pt", "holds Python objects other than tensors"), ("plain.pt", "not a readable checkpoint")):
        res = subprocess.run([sys.executable, "-m", "artlib", "retouch", "--foreground", str(fg), "--gallery",
                              str(world / "gallery"), "--checkpoint", str(tmp_path / name), "--out", str(tmp_path / "o")],
                             cwd=ROOT, capture_output=True, text=True)
        _one_line_error(res.returncode, res.stderr, name, needle)


def test_15_photos_inside_the_dataset_folder_are_refused(tmp_path, capsys):
    d = tmp_path / "D"
    _photos(d / "P")
    status, err, _ = _cli(capsys, "build-dataset", "--photos", d / "P", "--out", d, "--quiet")
    _one_line_error(status, err, "holds the input photos")
    assert sorted(p.name for p in d.iterdir()) == ["P"]


def test_16_17_a_damaged_placement_map_is_named(world, tmp_path):
    from artlib.train import MapTrainConfig, load_placement_map, load_verifier, train_placement_map

    verifier = load_verifier(world / "ckpt.pt")
    cfg = MapTrainConfig(epochs=1, limit=8, batch_size=4, placements=4)
    train_placement_map(verifier, world / "ds", tmp_path / "m", cfg)
    path = tmp_path / "m" / "placement_map.pt"
    rec = torch.load(path, weights_only=True)
    nan = {**rec, "model": {k: v.clone().fill_(float("nan")) if v.is_floating_point() else v for k, v in rec["model"].items()}}
    nan.pop("model_sha256")
    torch.save(nan, tmp_path / "nan.pt")
    with pytest.raises(ValueError, match="nan.pt: the placement map holds weights that are not finite"):
        load_placement_map(tmp_path / "nan.pt", verifier)
    no_rng = {k: v for k, v in rec.items() if k != "rng"}
    no_rng["epoch"] = 0  # an unfinished map that resumes
    no_rng["history"] = []
    torch.save(no_rng, path)
    with pytest.raises(ValueError, match="placement_map.pt: the placement map's optimizer or random state cannot be restored"):
        train_placement_map(verifier, world / "ds", tmp_path / "m", cfg)


# ----------------------------------------------------------------------------- memory and hangs
def test_18_a_gallery_is_streamed_to_disk(tmp_path):
    """Peak memory of a world gallery does not grow with its size: one background at a time."""
    import tracemalloc

    from artlib.data.gallery import write_world_gallery

    peaks = []
    for n in (2, 12):
        with output_folder(tmp_path / f"g{n}", "export-gallery", {"n": n}) as out:
            tracemalloc.start()
            write_world_gallery(out, n, 2026, 128)
            peaks.append(tracemalloc.get_traced_memory()[1])
            tracemalloc.stop()
    assert peaks[1] < 1.5 * peaks[0], peaks


def test_19_render_workers_import_no_torch_and_are_capped(monkeypatch):
    code = "import sys, artlib.data.sources; sys.exit('torch' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], cwd=ROOT).returncode == 0
    from artlib.data import build

    monkeypatch.setattr(build, "_available_memory", lambda: 2 * build.WORKER_BYTES)
    assert build.worker_count(8) == min(2, os.cpu_count())
    monkeypatch.setattr(build, "_available_memory", lambda: 0)
    assert build.worker_count(8) == 1


def test_20_a_fifo_where_a_file_is_read_never_hangs(world, tmp_path):
    from artlib.select import cached_index, index_cache_paths
    from artlib.train import load_verifier

    model = load_verifier(world / "ckpt.pt")
    gallery = D.read_gallery(shutil.copytree(world / "gallery", tmp_path / "g",
                                             ignore=shutil.ignore_patterns(".index-*")))
    os.mkfifo(index_cache_paths(gallery, model)[0])
    os.mkfifo(tmp_path / "fifo.json")
    signal.alarm(60)  # a hang fails the test instead of the suite
    try:
        assert len(cached_index(model, gallery)) == 6
        with pytest.raises(ValueError, match="fifo.json: is a FIFO, not a JSON file"):
            F.read_json(tmp_path / "fifo.json")
    finally:
        signal.alarm(0)


# ----------------------------------------------------------------------------- smaller ones
def test_the_lock_names_its_holder(tmp_path):
    with output_folder(tmp_path / "d", "export-gallery", {"n": 1}):
        with pytest.raises(ValueError, match=r"d: artlib export-gallery \(process \d+\) is writing this folder right "
                                             r"now \(refused: artlib build-dataset\)"):
            D.build_dataset(tmp_path / "d", D.BuildConfig(n_sources=30, size=32), progress=False)


def test_an_error_line_is_never_cut_mid_sentence():
    text = "a problem " * 40
    msg = str(F.torch_load_error("x.pt", RuntimeError(text + "\nsecond line"), "checkpoint"))
    assert msg.endswith(f"RuntimeError: {text.strip()})") and "second line" not in msg


def test_skipped_photos_are_listed_in_the_report(tmp_path, capsys):
    p = _photos(tmp_path / "p")
    (p / "anim.gif").write_bytes(b"GIF89a")
    os.mkfifo(p / "pipe.png")
    (p / "gone.png").symlink_to(tmp_path / "nowhere.png")
    assert main(["export-gallery", "--photos", str(p), "--out", str(tmp_path / "g"), "--size", "16", "--quiet"]) == 0
    skipped = {s["photo"]: s["reason"] for s in F.read_json(tmp_path / "g" / "report.json")["skipped"]}
    assert set(skipped) == {"anim.gif", "pipe.png", "gone.png"}
    assert "a broken link" in skipped["gone.png"] and "FIFO" in skipped["pipe.png"]


def test_the_full_resolution_copy_is_part_of_the_gallery_hash(tmp_path, capsys):
    assert main(["export-gallery", "--photos", str(_photos(tmp_path / "p")), "--out", str(tmp_path / "g"), "--size",
                 "16", "--quiet"]) == 0
    before = D.read_gallery(tmp_path / "g").hashes
    F.write_png(tmp_path / "g" / "full" / "a.png", np.zeros((40, 40, 3), np.uint8))
    assert D.read_gallery(tmp_path / "g").hashes != before


def test_a_symlink_loop_as_photos(tmp_path, capsys):
    (tmp_path / "loop").symlink_to(tmp_path / "loop")
    status, err, _ = _cli(capsys, "export-gallery", "--photos", tmp_path / "loop", "--out", tmp_path / "g")
    _one_line_error(status, err, "loop: a symbolic link loop")


def test_a_closed_pipe_ends_quietly(tmp_path):
    cmd = (f"{sys.executable} -m artlib export-gallery --out {tmp_path / 'g'} --n 2 --size 16 --quiet | head -c 0; "
           "echo ${PIPESTATUS[0]}")
    res = subprocess.run(["bash", "-c", cmd], cwd=ROOT, capture_output=True, text=True)
    assert res.stderr == "" and res.stdout.strip() == "141", res


def test_overwrite_touches_only_the_files_the_journal_lists(tmp_path):
    with output_folder(tmp_path / "o", "retouch", replace=True) as out:
        out.write_bytes("a.png", b"1")
        out.write_bytes("sub/b.png", b"2")
    assert json.loads((tmp_path / "o" / MARKER).read_text())["command"] == "retouch"
    assert (tmp_path / "o" / JOURNAL).read_text().count('"+"') == 2
    with pytest.raises(ValueError, match="holds the results of an earlier artlib retouch"):
        with output_folder(tmp_path / "o", "retouch", replace=True):
            pass
    with output_folder(tmp_path / "o", "retouch", replace=True, overwrite=True) as out:
        assert out.owned == {} and not (tmp_path / "o" / "a.png").exists() and not (tmp_path / "o" / "sub").exists()


def test_retouch_with_a_checkpoint_runs_outside_the_project(world, tmp_path, monkeypatch, capsys):
    """A user's own folder, far from the book's checkout: --checkpoint is all retouch needs (and a map
    without --placement-map is refused naming the option, not the missing project)."""
    monkeypatch.chdir(tmp_path)
    assert _retouch(world, tmp_path / "o") == 0
    assert _retouch(world, tmp_path / "m", "--method", "map") == 2
    assert "--method map needs --placement-map PATH" in capsys.readouterr().err
