"""Executing chapters: parameters checked against the notebook, and a fingerprint that covers the library."""
import pytest

from artlib.chapters import _fingerprint, chapter_parameters, check_params, library_hash


def _root(tmp_path):
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "artlib").mkdir()
    (tmp_path / "notebooks" / "c.py").write_text('# %% tags=["parameters"]\nsize = 64\nname = "x"\nflag = True\nlr = 0.1\n')
    (tmp_path / "artlib" / "a.py").write_text("A = 1\n")
    return tmp_path


def test_a_library_change_makes_a_chapter_stale(tmp_path):
    root = _root(tmp_path)
    src = root / "notebooks" / "c.py"
    before = _fingerprint(root, src, {"size": 64})
    assert _fingerprint(root, src, {"size": 64}) == before
    assert _fingerprint(root, src, {"size": 32}) != before
    (root / "artlib" / "a.py").write_text("A = 2\n")
    assert _fingerprint(root, src, {"size": 64}) != before
    h = library_hash(root)
    (root / "artlib" / "b.py").write_text("")
    assert library_hash(root) != h


def test_parameters_are_checked_against_the_cell(tmp_path):
    defaults = chapter_parameters(_root(tmp_path), "c")
    assert defaults == {"size": 64, "name": "x", "flag": True, "lr": 0.1}
    check_params({"size": 32, "lr": 1}, defaults, "p.yaml")  # an int where a float is expected is fine
    with pytest.raises(ValueError, match=r"p.yaml: unknown parameter 'sise' \(did you mean 'size'\?\)"):
        check_params({"sise": 3}, defaults, "p.yaml")
    with pytest.raises(ValueError, match="p.yaml: flag must be a bool like its default True, got 1"):
        check_params({"flag": 1}, defaults, "p.yaml")
