"""The whole retoucher (Figure 3), in Python and from the shell."""
import json
import subprocess
import sys

import numpy as np
import pytest
import torch

from artlib import world
from artlib.compose import Placement, render_foreground
from artlib.files import read_image
from artlib.model import Verifier, VerifierConfig
from artlib.world import WORLD_LABELS
from artlib.retouch import DEFAULT_START, _scoring_fg, foreground_from_cutout, retouch
from artlib.data import read_gallery
from artlib.select import GalleryIndex
from artlib.variety import DIVERSITY, diverse_ranking
from conftest import ROOT


def _full_frame(size=48):
    ws = world.make_world_sample(11, 3, size)
    pre = render_foreground(ws.sprite, ws.placement, (size, size))
    a = pre[..., 3:]
    return np.concatenate([np.where(a > 1e-6, pre[..., :3] / np.maximum(a, 1e-6), 0), a], 2), ws


def test_full_frame_and_cropped_cutouts():
    cut, ws = _full_frame()
    fg = foreground_from_cutout(cut)
    assert fg.full_frame
    assert fg.placement.x == pytest.approx(ws.placement.x, abs=1.5 / 48) and fg.placement.y == pytest.approx(ws.placement.y, abs=1.5 / 48)
    assert fg.placement.scale == pytest.approx(ws.placement.scale, abs=2 / 48)
    cropped = foreground_from_cutout(fg.sprite)
    assert not cropped.full_frame and cropped.placement == DEFAULT_START
    assert foreground_from_cutout(fg.sprite, Placement(0.3, 0.8, 0.4)).placement == Placement(0.3, 0.8, 0.4)
    with pytest.raises(ValueError, match="alpha channel is empty"):
        foreground_from_cutout(np.zeros((8, 8, 4), np.float32))
    with pytest.raises(ValueError, match="must be an RGBA image"):
        foreground_from_cutout(np.zeros((8, 8, 3), np.float32))


def test_retouch_in_python(tmp_path):
    from artlib.data import write_gallery

    scenes = [world.make_world_sample(12, i, 48) for i in range(6)]
    write_gallery(tmp_path, [f"g{i}" for i in range(6)], [s.scene.background for s in scenes], [s.scene.labels for s in scenes])
    gallery = read_gallery(tmp_path)
    torch.manual_seed(0)
    model = Verifier(VerifierConfig(encoder="test_resnet", image_size=48), WORLD_LABELS).eval()
    fg = foreground_from_cutout(_full_frame()[0])
    res = retouch(model, fg, gallery, top_k=3)
    assert [r.rank for r in res] == [1, 2, 3] and len({r.name for r in res}) == 3
    assert all(r.image.shape == (48, 48, 3) and 0 < r.spatial < 1 for r in res)
    plain = retouch(model, fg, gallery, top_k=3, diversity=0.0)
    assert all(a.content >= b.content for a, b in zip(plain, plain[1:]))  # the paper's top k
    assert res[0].name == plain[0].name  # variety never changes the first
    index = GalleryIndex.build(model, gallery)
    s = index.scores(model, _scoring_fg(model, fg))
    want = [gallery.names[i] for i in diverse_ranking(s, index.surfaces.numpy(), 3, DIVERSITY)]
    assert [r.name for r in res] == want
    everything = retouch(model, fg, gallery, top_k=10, diversity=0.0)  # a smaller gallery keeps all, ranked
    assert sorted(r.name for r in everything) == sorted(gallery.names)
    with pytest.raises(ValueError, match="top_k must be >= 1"):
        retouch(model, fg, gallery, top_k=0)
    with pytest.raises(ValueError, match=r"diversity must be in \[0, 1\), got 1.5"):
        retouch(model, fg, gallery, top_k=2, diversity=1.5)


def test_a_portrait_cut_at_the_bottom_stays_on_the_bottom_edge_at_full_resolution(tmp_path):
    from artlib.data import write_gallery
    from artlib.files import ImageFileError

    scenes = [world.make_world_sample(12, i, 48) for i in range(3)]
    full = [np.kron(np.round(s.scene.background * 255), np.ones((3, 3, 1))).astype(np.uint8) for s in scenes]  # 144 px
    write_gallery(tmp_path, [f"g{i}" for i in range(3)], [s.scene.background for s in scenes],
                  [s.scene.labels for s in scenes], full=full)
    gallery = read_gallery(tmp_path)
    cut = np.zeros((60, 60, 4), np.float32)
    cut[20:, 15:45] = (0.8, 0.3, 0.2, 1.0)  # a torso that the photo's bottom edge cuts
    fg = foreground_from_cutout(cut)
    assert fg.full_frame and fg.cut_bottom and fg.placement.y == 1.0
    assert not foreground_from_cutout(_full_frame()[0]).cut_bottom  # a whole world person stands inside
    torch.manual_seed(0)
    model = Verifier(VerifierConfig(encoder="test_resnet", image_size=48), WORLD_LABELS).eval()
    for method in ("grid", "numerical", "greedy"):
        from artlib.adjust import AdjustConfig

        res = retouch(model, fg, gallery, top_k=2, adjust_config=AdjustConfig(method=method, restarts=2, steps=2))
        assert all(r.placement.y == 1.0 for r in res), method  # never floating
        assert all(r.image.shape == (144, 144, 3) for r in res)  # rendered on the full-resolution copy
        # the cut on the bottom edge (the last row is blended half a pixel with the background, as
        # every box edge of the bilinear paste is; the row above is the person's colour)
        assert np.abs(res[0].image[-2] - np.array([0.8, 0.3, 0.2])).sum(1).min() < 0.05
    (tmp_path / "full" / "g1.png").unlink()
    write_png = __import__("artlib.files", fromlist=["write_png"]).write_png
    write_png(tmp_path / "full" / "g1.png", np.zeros((144, 100, 3), np.uint8))
    with pytest.raises(ImageFileError, match=r"full/g1.png: a full-resolution copy must be square"):
        read_gallery(tmp_path)


def _run(*args):
    return subprocess.run([sys.executable, "-m", "artlib", *args], capture_output=True, text=True, cwd=ROOT, timeout=600)


@pytest.fixture(scope="module")
def cli_setup(tmp_path_factory):
    """An exported gallery and a saved (untrained) checkpoint."""
    from artlib.train import TrainConfig, save_checkpoint

    root = tmp_path_factory.mktemp("cli")
    out = _run("export-gallery", "--out", str(root / "gallery"), "--n", "8", "--size", "32", "--cutouts", "2", "--quiet")
    assert out.returncode == 0, out.stderr
    torch.manual_seed(0)
    model = Verifier(VerifierConfig(encoder="test_resnet", image_size=32), WORLD_LABELS)
    opt = torch.optim.Adam(model.parameters())
    save_checkpoint(root / "ckpt.pt", model, opt, 1, TrainConfig(data_dir="x", lr=1e-3), [])
    return root


def test_export_gallery_then_retouch_from_the_shell(cli_setup):
    root = cli_setup
    gallery = read_gallery(root / "gallery")
    assert len(gallery) == 8 and gallery.backgrounds.shape[1:] == (32, 32, 3)
    cutout = sorted((root / "gallery" / "cutouts").glob("*.png"))[0]
    out = _run("retouch", "--foreground", str(cutout), "--gallery", str(root / "gallery"), "--top-k", "3",
               "--out", str(root / "out"), "--checkpoint", str(root / "ckpt.pt"), "--quiet")
    assert out.returncode == 0, out.stderr
    report = json.loads((root / "out" / "report.json").read_text())
    assert report["gallery_size"] == 8 and report["full_frame"] and len(report["results"]) == 3
    for r in report["results"]:
        img = read_image(root / "out" / f"{r['rank']:02d}_{r['background']}.png", "RGB", (32, 32))
        assert img.dtype == np.uint8 and 0 < r["spatial"] < 1 and set(r["placement"]) == {"x", "y", "scale"}
    assert read_image(root / "out" / "contact_sheet.png", "RGBA").shape[1] > 200
    assert list((root / "gallery").glob(".index-*.pt"))  # the index is kept for the next run
    assert report["diversity"] == DIVERSITY and report["top_k"] == 3
    # the plain top k, and a gallery smaller than --top-k: all kept, with a note
    out = _run("retouch", "--foreground", str(cutout), "--gallery", str(root / "gallery"), "--top-k", "20",
               "--no-diverse", "--out", str(root / "out2"), "--checkpoint", str(root / "ckpt.pt"), "--quiet")
    assert out.returncode == 0, out.stderr
    assert "note: the gallery holds 8 backgrounds, fewer than --top-k 20; all are kept" in out.stderr
    report = json.loads((root / "out2" / "report.json").read_text())
    assert report["diversity"] == 0.0 and report["top_k"] == 20 and len(report["results"]) == 8
    scores = [r["content"] for r in report["results"]]
    assert scores == sorted(scores, reverse=True)


@pytest.mark.parametrize("args, message", [
    (["--top-k", "0"], "argument --top-k: must be in [1, 1000], got 0"),
    (["--diversity", "1"], "argument --diversity: must be in [0, 1), got 1"),
    (["--diversity", "-0.2"], "argument --diversity: must be in [0, 1), got -0.2"),
    (["--diversity", "lots"], "argument --diversity: expected a number, got 'lots'"),
    (["--start", "0.5,0.9"], "--start must be three numbers"),
    (["--start", "0.5,1.9,0.5"], "is outside the canvas: need x, y in [0, 1]"),
    (["--foreground", "missing.png"], "missing.png: no such image file"),
    (["--gallery", "nowhere"], "nowhere: no such gallery folder"),
    (["--checkpoint", "nope.pt"], "nope.pt: no such checkpoint"),
])
def test_retouch_bad_input_is_one_line_and_status_2(cli_setup, args, message, capsys):
    from artlib.cli import main

    root = cli_setup
    cutout = sorted((root / "gallery" / "cutouts").glob("*.png"))[0]
    base = {"--foreground": str(cutout), "--gallery": str(root / "gallery"), "--out": str(root / "bad"),
            "--checkpoint": str(root / "ckpt.pt")}
    for k, v in zip(args[::2], args[1::2]):
        base[k] = v
    status = main(["retouch", *[x for kv in base.items() for x in kv], "--quiet"])
    err = capsys.readouterr().err
    assert status == 2 and err.count("\n") == 1 and err.startswith("artlib: error: ")
    assert message in err and "Traceback" not in err
    assert not (root / "bad").exists()  # nothing written before the input was checked
