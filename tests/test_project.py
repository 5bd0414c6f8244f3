"""The project's own files agree with each other."""
import re
import subprocess
import sys
import tomllib

import yaml

from artlib.chapters import CHAPTERS, PROFILES, chapter_parameters, load_params
from conftest import ROOT


def _norm(req: str) -> str:
    return re.sub(r"\s+", "", req).lower()


def test_environment_yml_mirrors_pyproject():
    py = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    want = {_norm(r) for r in py["dependencies"] + sum(py["optional-dependencies"].values(), [])}
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    have = {_norm(r) for r in pip if not r.startswith("-e")}
    assert have == want, f"only in environment.yml: {have - want}; only in pyproject: {want - have}"
    assert any(d.startswith("python>=3.11") for d in env["dependencies"] if isinstance(d, str))


def test_every_chapter_has_plain_parameters_and_profiles_match():
    for chapter in CHAPTERS:
        params = chapter_parameters(ROOT, chapter)
        plain = (int, float, str, bool)
        assert all(isinstance(v, plain) or (isinstance(v, list) and all(isinstance(x, plain) for x in v)) for v in params.values())
        for profile in PROFILES:
            load_params(ROOT, profile, chapter)  # keys and types checked against the parameters cell


def test_no_paired_notebooks_are_tracked():
    out = subprocess.run(["git", "ls-files", "notebooks/*.ipynb"], cwd=ROOT, capture_output=True, text=True)
    assert out.stdout.strip() == ""


def test_cli_help():
    out = subprocess.run([sys.executable, "-m", "artlib", "--help"], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0
    for cmd in ("build-dataset", "chapter", "book", "train", "retouch", "export-gallery", "cutout"):
        assert cmd in out.stdout


def test_cli_reports_a_bad_profile_clearly(tmp_path):
    out = subprocess.run([sys.executable, "-m", "artlib", "chapter", "01_dataset", "--profile", "nope"],
                         capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 2 and "invalid choice" in out.stderr
