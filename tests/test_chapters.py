"""Executing chapters: parameters checked against the notebook, and a fingerprint that covers the library."""
import re

import pytest

from artlib.chapters import chapter_parameters, check_params, library_hash
from artlib.chapters.execute import _fingerprint


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
    h = library_hash(root)
    (root / "artlib" / "viewer.js").write_text("// the explorer's script is embedded in a chapter's output\n")
    assert library_hash(root) != h
    h = library_hash(root)
    (root / "artlib" / "notes.txt").write_text("not source")
    assert library_hash(root) == h


def test_parameters_are_checked_against_the_cell(tmp_path):
    defaults = chapter_parameters(_root(tmp_path), "c")
    assert defaults == {"size": 64, "name": "x", "flag": True, "lr": 0.1}
    check_params({"size": 32, "lr": 1}, defaults, "p.yaml")  # an int where a float is expected is fine
    with pytest.raises(ValueError, match=r"p.yaml: unknown parameter 'sise' \(did you mean 'size'\?\)"):
        check_params({"sise": 3}, defaults, "p.yaml")
    with pytest.raises(ValueError, match="p.yaml: flag must be a bool like its default True, got 1"):
        check_params({"flag": 1}, defaults, "p.yaml")


# ----------------------------------------------------------------------------- configuration layers
from pathlib import Path  # noqa: E402

from artlib.chapters import CHAPTERS, PROFILES, chapter_parameters as _cell, load_params, profile_params  # noqa: E402
from artlib.config import config_from_params  # noqa: E402
from artlib.data import BuildConfig  # noqa: E402
from artlib.model import VerifierConfig  # noqa: E402
from artlib.train import TrainConfig  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
#: Every notebook source: the chapters, and the reference solutions kept out of the book.
NOTEBOOKS = sorted(p.stem for p in (ROOT / "notebooks").glob("*.py"))


def test_every_notebook_has_a_parameters_cell_and_a_file_per_profile():
    assert set(CHAPTERS) < set(NOTEBOOKS) and "solutions" in NOTEBOOKS
    for name in NOTEBOOKS:
        assert "profile" in _cell(ROOT, name), f"notebooks/{name}.py: no profile in its parameters cell"
        for profile in PROFILES:
            assert (ROOT / "params" / profile / f"{name}.yaml").is_file(), f"params/{profile}/{name}.yaml is missing"


@pytest.mark.parametrize("profile", PROFILES)
def test_a_profile_holds_only_what_it_changes(profile):
    for chapter in NOTEBOOKS:
        cell, yaml_values = _cell(ROOT, chapter), load_params(ROOT, profile, chapter)
        same = sorted(k for k, v in yaml_values.items() if cell[k] == v)
        assert not same, f"params/{profile}/{chapter}.yaml repeats the parameters cell: {same}"


def test_the_paper_profile_is_the_dataclass_defaults():
    """The dataclasses hold the paper's values; the paper profile only points at its folders."""
    data = profile_params(ROOT, "paper", "01_dataset")
    assert config_from_params(BuildConfig, data) == BuildConfig()
    params = profile_params(ROOT, "paper", "02_verifier")
    assert config_from_params(VerifierConfig, params) == VerifierConfig()
    assert config_from_params(TrainConfig, params) == TrainConfig(data_dir=params["data_dir"])


def test_config_from_params_takes_fields_overrides_and_empty_paths():
    params = {"encoder": "test_resnet", "pretrained_path": "", "epochs": 3, "n_scenes": 8}
    cfg = config_from_params(VerifierConfig, params, image_size=32)
    assert (cfg.encoder, cfg.pretrained_path, cfg.image_size, cfg.lam) == ("test_resnet", None, 32, 0.5)
    assert config_from_params(TrainConfig, {"data_dir": "d", **params}, epochs=5).epochs == 5
    with pytest.raises(ValueError, match="image_size must be int"):
        config_from_params(VerifierConfig, params, image_size="32")
    with pytest.raises(ValueError, match=r"unknown training options: 'epoch' \(did you mean 'epochs'\?\)"):
        config_from_params(TrainConfig, {"data_dir": "d"}, "training options", epoch=3)


def test_the_execution_page_tells_each_chapters_cost_machine_and_packages(tmp_path):
    import nbformat

    from artlib.chapters import PACKAGES, execution_page, run_environment

    env = run_environment()
    assert set(env["packages"]) == set(PACKAGES) and env["machine"]["CPU cores"].isdigit()
    meta = {"fingerprint": "a" * 64, "library": "b" * 64, "profile": "ci", "seconds": 90.0, **env}
    nb = nbformat.v4.new_notebook()
    nb.metadata["artbook"] = meta
    nbformat.write(nb, tmp_path / "01_dataset.ipynb")
    nb.metadata["artbook"] = {"fingerprint": "c" * 64, "profile": "book"}  # a chapter run before records were kept
    nbformat.write(nb, tmp_path / "02_verifier.ipynb")
    page = execution_page(tmp_path)
    assert "| 01_dataset | ci | 1.5 |" in page and f"`{'a' * 16}`" in page
    assert "| 02_verifier | book | not recorded |" in page
    assert f"| torch | {env['packages']['torch']} |" in page and "| CPU cores |" in page
    assert "Recorded run time of the chapters together: 1.5 minutes." in page


@pytest.mark.parametrize("key,value,needle", [
    ("explorer_grid", ["a", None], "explorer_grid[0] must be a int"),
    ("explorer_grid", [16, 0, 8], "explorer_grid[1] counts something and must be >= 1"),
    ("explorer_grid", [], "must list at least one value"),
    ("restarts", -5, "restarts must be a finite number >= 0, got -5"),
    ("restarts", 0, "restarts counts something and must be >= 1"),
    ("seed", -1, "seed must be a finite number >= 0"),
])
def test_nested_and_out_of_range_parameters_are_refused(key, value, needle):
    defaults = chapter_parameters(ROOT, "04_adjustment")
    with pytest.raises(ValueError, match=re.escape(needle)):
        check_params({key: value}, defaults, "p.yaml")
    check_params({"seed": 0, "restarts": 1, "explorer_grid": [4, 4, 2]}, defaults, "p.yaml")  # in range: fine


def test_a_float_parameter_may_be_zero_but_not_nan():
    defaults = {"lr": 0.001, "dropout": 0.3}
    check_params({"dropout": 0.0}, defaults, "p.yaml")
    with pytest.raises(ValueError, match="dropout must be a finite number >= 0, got nan"):
        check_params({"dropout": float("nan")}, defaults, "p.yaml")


def test_an_executed_folder_opened_in_jupyter_is_still_the_books(tmp_path):
    """Jupyter's .ipynb_checkpoints beside executed chapters is tolerated; any other stranger is refused."""
    from artlib.chapters import executed_folder

    out = tmp_path / "executed"
    (out / ".ipynb_checkpoints").mkdir(parents=True)
    (out / "01_dataset.ipynb").write_text("{}")  # as an artlib older than the folder rule left it
    with executed_folder(ROOT, out) as folder:
        folder.write_bytes("execution.md", b"# page")
    with executed_folder(ROOT, out):
        pass
    (out / "notes.txt").write_text("mine")
    with pytest.raises(ValueError, match="holds notes.txt, which artlib chapter did not write"):
        with executed_folder(ROOT, out):
            pass
