import numpy as np
import pytest
from PIL import Image

from artlib.files import ImageFileError, atomic_write_json, read_image, read_json, write_png


def test_roundtrip(tmp_path):
    rgb = np.random.default_rng(0).integers(0, 256, (8, 6, 3), dtype=np.uint8)
    write_png(tmp_path / "a.png", rgb)
    np.testing.assert_array_equal(read_image(tmp_path / "a.png", "RGB", (8, 6)), rgb)
    assert [p.name for p in tmp_path.iterdir()] == ["a.png"]  # no temporary file left


def test_missing_file(tmp_path):
    with pytest.raises(ImageFileError, match="no such image file"):
        read_image(tmp_path / "nope.png", "RGB")


def test_corrupt_file(tmp_path):
    (tmp_path / "bad.png").write_bytes(b"this is not a png")
    with pytest.raises(ImageFileError, match=r"bad\.png.*corrupt or truncated"):
        read_image(tmp_path / "bad.png", "RGB")


def test_truncated_file(tmp_path):
    write_png(tmp_path / "t.png", np.random.default_rng(0).integers(0, 256, (64, 64, 3), dtype=np.uint8))
    data = (tmp_path / "t.png").read_bytes()
    (tmp_path / "t.png").write_bytes(data[: len(data) // 2])
    with pytest.raises(ImageFileError, match=r"t\.png.*corrupt or truncated"):
        read_image(tmp_path / "t.png", "RGB")


def test_grayscale_where_rgb_expected(tmp_path):
    Image.fromarray(np.zeros((4, 4), np.uint8)).save(tmp_path / "g.png")
    with pytest.raises(ImageFileError, match=r"g\.png: expected an 8-bit RGB image, got mode L"):
        read_image(tmp_path / "g.png", "RGB")


def test_sixteen_bit_image(tmp_path):
    Image.fromarray(np.full((4, 4), 40000, np.uint16)).save(tmp_path / "d.png")
    with pytest.raises(ImageFileError, match=r"d\.png: expected an 8-bit"):
        read_image(tmp_path / "d.png", "L")


def test_empty_alpha(tmp_path):
    write_png(tmp_path / "e.png", np.zeros((4, 4, 4), np.uint8))
    with pytest.raises(ImageFileError, match=r"e\.png: the alpha channel is empty"):
        read_image(tmp_path / "e.png", "RGBA")


def test_wrong_size(tmp_path):
    write_png(tmp_path / "s.png", np.zeros((4, 5, 3), np.uint8))
    with pytest.raises(ImageFileError, match="expected size"):
        read_image(tmp_path / "s.png", "RGB", (4, 4))


def test_json_errors_name_the_file(tmp_path):
    atomic_write_json(tmp_path / "ok.json", {"a": 1})
    assert read_json(tmp_path / "ok.json") == {"a": 1}
    (tmp_path / "bad.json").write_text("{")
    with pytest.raises(ValueError, match=r"bad\.json: not valid JSON"):
        read_json(tmp_path / "bad.json")
    with pytest.raises(FileNotFoundError, match=r"none\.json"):
        read_json(tmp_path / "none.json")
