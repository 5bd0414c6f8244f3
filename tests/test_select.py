"""Background selection: the gallery format, the index, and its ranking against the plain forward pass."""
import numpy as np
import pytest
import torch

from artlib import world
from artlib.compose import render_foreground
from artlib.model import Verifier, VerifierConfig
from artlib.world import WORLD_LABELS
from artlib.data import read_gallery, write_gallery
from artlib.select import GalleryIndex
from artlib.model import verifier_identity

TINY = VerifierConfig(encoder="test_resnet", image_size=32)


@pytest.fixture(scope="module")
def gallery_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("gallery")
    scenes = [world.make_world_sample(7, i, 32) for i in range(12)]
    write_gallery(root, [f"{i:02d}_{s.scene.place}" for i, s in enumerate(scenes)],
                  [s.scene.background for s in scenes], [s.scene.labels for s in scenes])
    return root


@pytest.fixture(scope="module")
def model():
    torch.manual_seed(0)
    return Verifier(TINY, WORLD_LABELS).eval()


def _fg(size=32):
    ws = world.make_world_sample(8, 0, size)
    return torch.from_numpy(render_foreground(ws.sprite, ws.placement, (size, size))).permute(2, 0, 1)[None]


def test_top_k_ranks_as_the_plain_forward_pass(gallery_dir, model):
    gallery = read_gallery(gallery_dir)
    index = GalleryIndex.build(model, gallery, batch_size=5)
    fg = _fg()
    with torch.no_grad():
        bg = torch.from_numpy(gallery.backgrounds).permute(0, 3, 1, 2).float() / 255
        plain = model(fg.expand(len(gallery), -1, -1, -1), bg, torch.from_numpy(gallery.labels.astype(np.int64)))["content"]
    np.testing.assert_allclose(index.scores(model, fg, batch_size=7), plain.numpy(), atol=1e-6)
    top = index.top_k(model, fg, 4)
    assert [n for n, _ in top] == [gallery.names[i] for i in np.argsort(-plain.numpy(), kind="stable")[:4]]
    assert all(a[1] >= b[1] for a, b in zip(top, top[1:]))


def test_index_round_trip_and_refusals(gallery_dir, model, tmp_path):
    gallery = read_gallery(gallery_dir)
    index = GalleryIndex.build(model, gallery)
    index.save(tmp_path / "index.pt")
    again = GalleryIndex.load(tmp_path / "index.pt", model, gallery)
    assert again.names == index.names and torch.equal(again.context.h_b, index.context.h_b)
    torch.manual_seed(1)
    other = Verifier(TINY, WORLD_LABELS).eval()
    assert verifier_identity(other) != verifier_identity(model) == verifier_identity(model)
    with pytest.raises(ValueError, match="built with another verifier"):
        GalleryIndex.load(tmp_path / "index.pt", other, gallery)
    changed = read_gallery(gallery_dir)
    changed.hashes[0] = "0" * 64
    with pytest.raises(ValueError, match="files changed since the index was built"):
        GalleryIndex.load(tmp_path / "index.pt", model, changed)
    (tmp_path / "bad.pt").write_bytes(b"nope")
    with pytest.raises(ValueError, match="not a readable gallery index"):
        GalleryIndex.load(tmp_path / "bad.pt", model)
    with pytest.raises(ValueError, match=r"k must be in \[1, 12\] \(the gallery's size\), got 0"):
        index.top_k(model, _fg(), 0)
    with pytest.raises(ValueError, match=r"k must be in \[1, 12\].*got 13"):
        index.ranking(model, _fg(), 13)
    with pytest.raises(ValueError, match=r"diversity weight must be in \[0, 1\), got 1"):
        index.ranking(model, _fg(), 3, diversity=1.0)
    torch.testing.assert_close(again.surfaces, index.surfaces)


def test_a_person_crop_verifier_ranks_with_its_index_as_its_forward_pass(gallery_dir):
    torch.manual_seed(0)
    crop = Verifier(VerifierConfig(encoder="test_resnet", image_size=32, person_crop=32, spatial_fusion="map",
                                   head_hidden=16), WORLD_LABELS).eval()
    assert crop.enc_f is None and crop.att_c is None  # no unused weights (DistributedDataParallel refuses them)
    gallery = read_gallery(gallery_dir)
    index = GalleryIndex.build(crop, gallery)
    fg = _fg()
    with torch.no_grad():
        bg = torch.from_numpy(gallery.backgrounds).permute(0, 3, 1, 2).float() / 255
        plain = crop(fg.expand(len(gallery), -1, -1, -1), bg, torch.from_numpy(gallery.labels.astype(np.int64)))["content"]
    np.testing.assert_allclose(index.scores(crop, fg, batch_size=5), plain.numpy(), atol=1e-6)


def test_the_index_refuses_changed_surface_colours(gallery_dir, model, tmp_path):
    gallery = read_gallery(gallery_dir)
    index = GalleryIndex.build(model, gallery)
    index.save(tmp_path / "index.pt")
    d = torch.load(tmp_path / "index.pt", weights_only=True)
    d["surfaces"][0, 0] += 0.5
    torch.save(d, tmp_path / "index.pt")
    with pytest.raises(ValueError, match="does not match its digest"):
        GalleryIndex.load(tmp_path / "index.pt", model, gallery)


def test_bad_galleries(tmp_path, gallery_dir):
    with pytest.raises(FileNotFoundError, match="no such gallery folder"):
        read_gallery(tmp_path / "none")
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(FileNotFoundError, match="labels.json: missing"):
        read_gallery(empty)
    (empty / "labels.json").write_text('{"labels": ["sky", "sea"]}')
    with pytest.raises(ValueError, match="is not the verifier's"):
        read_gallery(empty)
    (empty / "labels.json").write_text((gallery_dir / "labels.json").read_text())
    with pytest.raises(ValueError, match="no backgrounds"):
        read_gallery(empty)
    import shutil

    shutil.copy(gallery_dir / "00_beach.png", empty / "a.png")
    with pytest.raises(FileNotFoundError, match="a.labels.png: missing label map"):
        read_gallery(empty)
    from artlib.files import write_png

    write_png(empty / "a.labels.png", np.full((32, 32), 40, np.uint8))
    with pytest.raises(ValueError, match="label id 40 outside the 17 labels"):
        read_gallery(empty)
    write_png(empty / "a.labels.png", np.zeros((16, 16), np.uint8))
    with pytest.raises(ValueError, match=r"expected size \(32, 32\)"):
        read_gallery(empty)


def test_the_gallery_is_checked_against_the_given_label_set(tmp_path, gallery_dir):
    """A gallery written with another label set is refused for the world's verifier, and read for its own."""
    from artlib.labels import LabelSet

    other = LabelSet(("ground", "sky"), ((0, 0, 0), (255, 255, 255)))
    bg, lab = np.zeros((8, 8, 3), np.uint8), np.eye(8, dtype=np.uint8)
    write_gallery(tmp_path, ["a"], [bg], [lab], other)
    with pytest.raises(ValueError, match=r"\['ground', 'sky'\] is not the verifier's \['sky', 'water'"):
        read_gallery(tmp_path)
    assert len(read_gallery(tmp_path, other)) == 1


def test_a_galleries_camera_rules_are_read_and_checked(tmp_path, gallery_dir):
    import json
    import shutil

    from artlib.cues import CameraRule
    from artlib.retouch import camera_config
    from artlib.adjust import AdjustConfig

    root = tmp_path / "g"
    shutil.copytree(gallery_dir, root)
    names = read_gallery(root).names
    assert read_gallery(root).cameras == {}  # a gallery without the file has no rules
    rule = CameraRule(0.2, 0.6, "people", 4, 1, (0.5, 0.7))
    (root / "cameras.json").write_text(json.dumps({names[0]: rule.as_dict(),
                                                   names[1]: CameraRule(0.5, 1.0, "prior").as_dict()}))
    g = read_gallery(root)
    assert g.cameras[names[0]] == rule
    cfg, rec = camera_config(AdjustConfig(), g, names[0])
    assert cfg.camera == (0.2, 0.6) and rec["bounded"] and rec["describe"].startswith("from 4 standing people")
    assert camera_config(AdjustConfig(), g, names[1])[0].camera is None  # no people: the verifier decides
    assert camera_config(AdjustConfig(feet_at_bottom=True), g, names[0])[0].camera is None  # a cut person
    assert camera_config(AdjustConfig(), g, names[2]) == (AdjustConfig(), None)
    (root / "cameras.json").write_text(json.dumps({"nobody": rule.as_dict()}))
    with pytest.raises(ValueError, match="cameras.json: expected"):
        read_gallery(root)
    (root / "cameras.json").write_text(json.dumps({names[0]: {"k": 1.0}}))
    with pytest.raises(ValueError, match="cameras.json: a camera rule needs horizon, k and source"):
        read_gallery(root)


def test_retouch_keeps_people_within_the_camera_band_and_reports_it(tmp_path, gallery_dir, model):
    import json
    import shutil

    from artlib.cues import CameraRule
    from artlib.retouch import Foreground, retouch
    from artlib.compose import Placement

    root = tmp_path / "g"
    shutil.copytree(gallery_dir, root)
    names = read_gallery(root).names
    rule = CameraRule(0.3, 0.6, "people", 5, 0, (0.5, 0.7))
    (root / "cameras.json").write_text(json.dumps({n: rule.as_dict() for n in names}))
    ws = world.make_world_sample(8, 0, 32)
    fg = Foreground(ws.sprite, Placement(0.5, 0.9, 0.5), full_frame=False)
    results = retouch(model, fg, read_gallery(root), top_k=3, diversity=0.0)
    for r in results:
        p = r.placement
        assert 1 / 1.3 - 1e-6 <= p.scale / rule.height(p.y) <= 1.3 + 1e-6
        rec = r.report()["camera"]
        assert rec["bounded"] and rec["source"] == "people"


def test_a_wide_pose_is_placed_not_refused(gallery_dir, model):
    """A kick from a wide photo: 90 px wide, 64 tall, at 0.82 of the height would cover 1.15 canvases."""
    from artlib.compose import Placement
    from artlib.retouch import Foreground, fit_on_square, retouch

    sprite = np.zeros((64, 90, 4), np.float32)
    sprite[8:60, 4:86] = 0.8
    fg = Foreground(sprite, Placement(0.48, 0.99, 0.82), full_frame=True)
    fitted = fit_on_square(fg)
    p = fitted.placement
    assert (p.x, p.y) == (0.48, 0.99) and p.scale == pytest.approx(64 / 90)  # as wide as the canvas, feet kept
    assert fit_on_square(fitted) is fitted
    assert len(retouch(model, fg, read_gallery(gallery_dir), top_k=2)) == 2
