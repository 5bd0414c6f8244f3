"""The real-photo stages: detect, matte, fill, parse, the pipeline, and bad photos."""
import json

import numpy as np
import pytest
import torch
from PIL import Image

from artlib import world
from artlib.compose import Placement, paste, placement_box, render_foreground
from artlib.files import ImageFileError, read_photo, sha256_file, write_png
from artlib.data import build_photo_sources, photo_gallery
from artlib.photos import ModelParser, NoPersonError, PhotoConfig, cutout, detect, fill, matte, parse
from artlib.photos.matte import guided_filter, trimap
from artlib.photos.parse import classify_segment
from artlib.evaluate.photos import sample_photos


@pytest.fixture(scope="module")
def scene_photo():
    """A real background (scikit-learn's china.jpg) with a world person pasted at a known place."""
    bg = sample_photos(("china",))["china"][0]
    H, W = bg.shape[:2]
    sprite = world.draw_person(world.make_world_sample(5, 4, 64).person, int(0.6 * H))
    p = Placement(0.5, 0.9, 0.6)
    image = np.clip(np.round(paste(bg, sprite, p) * 255), 0, 255).astype(np.uint8)
    box = placement_box(sprite.shape[:2], p, (H, W)) * [W, H, W, H]
    return image, render_foreground(sprite, p, (H, W))[..., 3], box, bg


def test_hog_finds_the_pasted_person(scene_photo):
    image, _, box, bg = scene_photo
    found = detect(image)
    assert found and found[0].score > 0
    x0, y0, x1, y1 = found[0].box
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    assert box[0] <= cx <= box[2] and box[1] <= cy <= box[3]  # the best box sits on the person
    with pytest.raises(ValueError, match="detector must be one of"):
        detect(image, "yolo")
    with pytest.raises(ValueError, match=r"photo must be \(H, W, 3\) uint8 RGB"):
        detect(image.astype(np.float32))


def test_matte_from_the_true_box(scene_photo):
    image, alpha, box, _ = scene_photo
    a = matte(image, box)
    assert a.shape == alpha.shape and 0 <= a.min() and a.max() <= 1
    iou = ((a > 0.5) & (alpha > 0.5)).sum() / ((a > 0.5) | (alpha > 0.5)).sum()
    assert iou > 0.7
    with pytest.raises(ValueError, match="holds no pixels"):
        matte(image, (5000, 5000, 5100, 5100))


def test_trimap_and_guided_filter_formulas():
    m = np.zeros((20, 20), bool)
    m[5:15, 5:15] = True
    t = trimap(m, 2)
    assert set(np.unique(t)) == {0, 128, 255} and t[10, 10] == 255 and t[0, 0] == 0 and t[5, 10] == 128
    # with a constant guide the guided filter is two box filters of the input (He et al., 2010)
    import cv2

    p = np.random.default_rng(0).uniform(0, 1, (20, 20)).astype(np.float32)
    box = lambda x: cv2.boxFilter(x, -1, (5, 5))  # noqa: E731
    np.testing.assert_allclose(guided_filter(np.full((20, 20, 3), 0.3, np.float32), p, 2), box(box(p)), atol=1e-5)


def test_fill_changes_only_the_hole(scene_photo):
    image, alpha, _, bg = scene_photo
    out = fill(image, alpha)
    assert out.shape == image.shape and out.dtype == np.float32
    far = np.ones(alpha.shape, bool)
    ys, xs = np.nonzero(alpha > 0)
    far[ys.min() - 20 :, xs.min() - 20 : xs.max() + 20] = False
    np.testing.assert_allclose(out[far], image[far] / 255, atol=1 / 255 + 1e-6)
    assert np.abs(out - bg / 255)[alpha > 0.5].mean() < np.abs(image / 255 - bg / 255)[alpha > 0.5].mean()
    with pytest.raises(ValueError, match="fill must be one of"):
        fill(image, alpha, "magic")


@pytest.mark.parametrize("rgb, texture, y, label", [
    ((0.5, 0.7, 0.95), 0.01, 0.1, "sky"), ((0.1, 0.3, 0.7), 0.02, 0.8, "water"), ((0.3, 0.6, 0.2), 0.03, 0.8, "grass"),
    ((0.2, 0.45, 0.15), 0.12, 0.3, "tree"), ((0.85, 0.75, 0.55), 0.02, 0.8, "sand"), ((0.95, 0.96, 0.97), 0.01, 0.8, "snow"),
    ((0.4, 0.4, 0.42), 0.02, 0.85, "road"), ((0.6, 0.3, 0.2), 0.12, 0.3, "building"), ((0.6, 0.3, 0.2), 0.01, 0.8, "path"),
])
def test_classical_rules(rgb, texture, y, label):
    assert classify_segment(np.array(rgb), texture, y) == label


def test_classical_parser_on_a_world_scene():
    scene = world.render_scene("beach", 64, np.random.default_rng(0))
    labels = parse(np.clip(np.round(scene.background * 255), 0, 255).astype(np.uint8))
    assert labels.shape == (64, 64) and labels.dtype == np.uint8 and labels.max() < len(world.LABELS)
    assert np.mean(world.WALKABLE[labels] == world.WALKABLE[scene.labels]) > 0.8


def test_user_model_from_a_local_file(tmp_path):
    from torchvision.models.segmentation import lraspp_mobilenet_v3_large

    torch.manual_seed(0)
    model = lraspp_mobilenet_v3_large(weights=None, weights_backbone=None, num_classes=3)
    torch.save(model.state_dict(), tmp_path / "seg.pt")
    (tmp_path / "map.json").write_text(json.dumps({"classes": {"0": "sky", "1": "grass"}, "default": "wall"}))
    digest = sha256_file(tmp_path / "seg.pt")
    parser = ModelParser(tmp_path / "seg.pt", digest, tmp_path / "map.json", arch="lraspp_mobilenet_v3_large", input_size=64)
    labels = parse(np.zeros((40, 50, 3), np.uint8), parser)
    assert labels.shape == (40, 50) and set(np.unique(labels)) <= {world.LABELS.index(n) for n in ("sky", "grass", "wall")}
    with pytest.raises(ValueError, match="differs from the expected"):
        ModelParser(tmp_path / "seg.pt", "0" * 64, tmp_path / "map.json", arch="lraspp_mobilenet_v3_large")
    with pytest.raises(FileNotFoundError, match="no such model file"):
        ModelParser(tmp_path / "missing.onnx", digest, tmp_path / "map.json")
    (tmp_path / "bad.json").write_text(json.dumps({"classes": {"0": "lava"}, "default": "wall"}))
    with pytest.raises(ValueError, match="unknown labels or class ids"):
        ModelParser(tmp_path / "seg.pt", digest, tmp_path / "bad.json", arch="lraspp_mobilenet_v3_large")
    with pytest.raises(ValueError, match="needs arch"):
        ModelParser(tmp_path / "seg.pt", digest, tmp_path / "map.json")


def test_photo_modes_and_bad_photos(tmp_path):
    Image.fromarray(np.full((30, 40), 90, np.uint8)).save(tmp_path / "gray.png")
    Image.fromarray(np.full((30, 40, 3), 90, np.uint8)).convert("CMYK").save(tmp_path / "cmyk.jpg")
    rgb, mode = read_photo(tmp_path / "gray.png")
    assert rgb.shape == (30, 40, 3) and mode == "L"
    assert read_photo(tmp_path / "cmyk.jpg")[1] == "CMYK"
    (tmp_path / "broken.jpg").write_bytes(b"\xff\xd8\xff garbage")
    with pytest.raises(ImageFileError, match="broken.jpg: not a readable image"):
        read_photo(tmp_path / "broken.jpg")
    with pytest.raises(NoPersonError, match="no person found by the hog detector"):
        cutout(np.full((200, 300, 3), 128, np.uint8))
    with pytest.raises(ValueError, match="detector must be one of"):
        PhotoConfig(detector="eyes")


def test_folder_of_photos_to_sources_and_a_gallery(tmp_path, scene_photo):
    folder = tmp_path / "in"
    write_png(folder / "a_person.png", scene_photo[0])
    write_png(folder / "b_empty.png", np.full((120, 160, 3), 200, np.uint8))
    (folder / "c_broken.jpg").write_bytes(b"not a jpeg")
    report = build_photo_sources(folder, tmp_path / "out", size=64, progress=False)
    assert report["photos"] == 3 and report["sources"] == 1
    assert {f["photo"]: f["reason"].split(":")[0] for f in report["failed"]} == {
        "b_empty.png": "no person found by the hog detector", "c_broken.jpg": "c_broken.jpg"}
    src = tmp_path / "out" / "sources" / "000000"
    meta = json.loads((src / "meta.json").read_text())
    assert meta["photo"] == "a_person.png" and set(meta["sha256"]) == {"image.png", "person.png", "fg.png", "bg.png", "parse.png"}
    assert report["manifest"].startswith("not written")  # one photo cannot fill three splits
    mtime = (tmp_path / "out" / "photos" / "a_person.png" / "meta.json").stat().st_mtime_ns
    build_photo_sources(folder, tmp_path / "out", size=64, progress=False)  # resumes: finished photos are kept
    assert (tmp_path / "out" / "photos" / "a_person.png" / "meta.json").stat().st_mtime_ns == mtime
    gal = photo_gallery(folder, tmp_path / "gallery", size=32, progress=False)
    assert gal["backgrounds"] == 2 and gal["failed"][0]["photo"] == "c_broken.jpg"
    from artlib.data import read_gallery

    assert len(read_gallery(tmp_path / "gallery")) == 2


def test_cutout_command(tmp_path, scene_photo, capsys):
    from artlib.cli import main

    write_png(tmp_path / "photo.png", scene_photo[0])
    assert main(["cutout", str(tmp_path / "photo.png"), "--out", str(tmp_path / "person.png")]) == 0
    rgba = np.asarray(Image.open(tmp_path / "person.png"))
    assert rgba.shape[2] == 4 and rgba[..., 3].max() == 255 and (tmp_path / "person.preview.png").is_file()
    write_png(tmp_path / "empty.png", np.full((120, 160, 3), 200, np.uint8))
    assert main(["cutout", str(tmp_path / "empty.png"), "--out", str(tmp_path / "none.png")]) == 2
    err = capsys.readouterr().err
    assert err == "artlib: error: no person found by the hog detector\n" and not (tmp_path / "none.png").exists()
