"""The project's own files agree with each other."""
import re
import dataclasses
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


COMMANDS = ("build-dataset", "chapter", "train", "retouch", "export-gallery", "cutout", "book")


def test_cli_help():
    """The command list in --help, the module docstring and the parser agree; every option has words."""
    import argparse

    import artlib.cli as cli

    out = subprocess.run([sys.executable, "-m", "artlib", "--help"], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0
    assert "{" + ",".join(COMMANDS) + "}" in out.stdout  # argparse's list of the subcommands, in order
    sub = next(a for a in cli.build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    assert tuple(sub.choices) == COMMANDS
    for cmd in COMMANDS:
        assert f"``{cmd}``" in cli.__doc__, f"the module docstring omits {cmd}"
        for action in sub.choices[cmd]._actions:
            words = (action.help or "").split("(default")[0].split("(required")[0].strip()
            assert len(words.split()) >= 2, f"artlib {cmd} {action.option_strings}: no sentence of help"


def test_every_config_field_is_documented():
    from artlib.config import field_docs
    from artlib.model import VerifierConfig
    from artlib.train import TrainConfig

    for cls in (TrainConfig, VerifierConfig):
        assert set(field_docs(cls)) == {f.name for f in dataclasses.fields(cls)}, cls.__name__
    assert field_docs(TrainConfig)["lr"].startswith("Adam's learning rate")


def test_cli_reports_a_bad_profile_clearly(tmp_path):
    out = subprocess.run([sys.executable, "-m", "artlib", "chapter", "01_dataset", "--profile", "nope"],
                         capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 2 and "invalid choice" in out.stderr


def test_the_table_of_contents_lists_the_chapters_in_order():
    """``CHAPTERS`` (what the book executes) and ``book/_toc.yml`` (what it shows) agree."""
    def files(node):
        if isinstance(node, dict):
            return ([node["file"]] if "file" in node else []) + [f for v in node.values() for f in files(v)]
        return [f for v in node for f in files(v)] if isinstance(node, list) else []

    toc = yaml.safe_load((ROOT / "book" / "_toc.yml").read_text())
    executed = [f.removeprefix("book/executed/") for f in files(toc) if f.startswith("book/executed/")]
    assert executed == [*CHAPTERS, "execution"]  # the execution page is written by the build beside the chapters
    assert all((ROOT / f"notebooks/{c}.py").is_file() for c in CHAPTERS)
    assert all((ROOT / f"{f}.md").is_file() for f in files(toc) if not f.startswith("book/executed/"))


def test_every_code_line_the_book_shows_fits_its_cell():
    """The browser test (slow) measures overflow in the built page; this catches it in a second. A code
    line of more than 79 characters scrolls sideways in the book's cell (hidden inputs too, once opened);
    the parameters cell is shown from the injected values, wrapped by the build."""
    import jupytext

    long = []
    for chapter in CHAPTERS:
        for cell in jupytext.read(ROOT / "notebooks" / f"{chapter}.py").cells:
            tags = cell.metadata.get("tags", [])
            if cell.cell_type != "code" or {"parameters", "remove-cell", "remove-input"} & set(tags):
                continue
            long += [f"{chapter}: {line}" for line in cell.source.splitlines() if len(line) > 79]
    assert not long, "\n".join(long)
