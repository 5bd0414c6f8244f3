"""Executing one chapter with papermill and publishing it into a claimed folder (:mod:`artlib.outputs`):
its fingerprint (source, parameters, library), the run, the notebook made ready for the book.

Used to execute every chapter.
"""
from __future__ import annotations

import ast
import hashlib
import os
import time
from pathlib import Path
from typing import Any

import yaml

from ..files import sha256_file
from ..outputs import OutputFolder, output_folder
from .environment import run_environment
from .profiles import chapter_parameters, check_params, profile_params, project_root

__all__ = ["LIBRARY_SUFFIXES", "WIDGET_MIME", "executed_folder", "library_hash", "run_chapter"]


#: The library's source files: its modules and the script the explorer embeds in chapter 4's page.
LIBRARY_SUFFIXES = (".py", ".js")


def library_hash(root: Path) -> str:
    """SHA-256 over the library's source files (``artlib/**/*.py`` and ``*.js``), in path order."""
    h = hashlib.sha256()
    for f in sorted(f for f in (root / "artlib").rglob("*") if f.suffix in LIBRARY_SUFFIXES and f.is_file()):
        h.update(str(f.relative_to(root)).encode())
        h.update(f.read_bytes())
    return h.hexdigest()


def _fingerprint(root: Path, source: Path, params: dict[str, Any]) -> str:
    """What an executed chapter depends on: its source, its parameters and the library code it runs."""
    h = hashlib.sha256(source.read_bytes())
    h.update(yaml.safe_dump(params, sort_keys=True).encode())
    h.update(library_hash(root).encode())
    return h.hexdigest()


def _up_to_date(out: Path, fingerprint: str) -> bool:
    """Whether ``out`` is an executed chapter with this fingerprint (an unreadable one is not)."""
    import nbformat

    if not out.exists():
        return False
    try:
        return nbformat.read(out, as_version=4).metadata.get("artbook", {}).get("fingerprint") == fingerprint
    except Exception:  # an unreadable old output is simply rebuilt
        return False


def _execute(root: Path, source: Path, out: Path, params: dict[str, Any]) -> None:
    """Convert the percent source to a notebook under ``build/notebooks/`` and execute it into ``out``.

    The kernel inherits this environment with the hub offline and matplotlib's inline backend.
    """
    import jupytext
    import nbformat
    import papermill as pm

    nb = jupytext.read(source)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    work = root / "build" / "notebooks"
    work.mkdir(parents=True, exist_ok=True)
    src_nb = work / f"{source.stem}.ipynb"
    nbformat.write(nb, src_nb)
    saved = {k: os.environ.get(k) for k in ("HF_HUB_OFFLINE", "MPLBACKEND")}
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ.pop("MPLBACKEND", None)
    try:
        pm.execute_notebook(str(src_nb), str(out), parameters=params, kernel_name="python3", cwd=str(root),
                            progress_bar=False)
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _publish(tmp: Path, out: Path, metadata: dict[str, str], folder: OutputFolder) -> None:
    """Prepare an executed notebook for the book and move it atomically from ``tmp`` to ``out``.

    The injected parameters are shown instead of the cell's defaults, long parameter lines are
    wrapped, widget state is dropped, and glued figures are written beside it.
    """
    import nbformat

    done = nbformat.read(tmp, as_version=4)
    if any("injected-parameters" in c.metadata.get("tags", []) for c in done.cells):
        for c in done.cells:
            tags = c.metadata.get("tags", [])
            if "parameters" in tags and "remove-cell" not in tags:
                c.metadata["tags"] = [*tags, "remove-cell"]
    done.metadata["artbook"] = metadata
    _wrap_parameters(done)
    _drop_widget_state(done)
    nbformat.write(done, tmp)
    _save_glued_figures(done, folder)
    folder.claim(out.name)
    os.replace(tmp, out)
    folder.finished(out.name, sha256_file(out))


def run_chapter(
    chapter: str,
    profile: str,
    out_dir: str | os.PathLike,
    overrides: dict[str, Any] | None = None,
    root: str | os.PathLike | None = None,
    force: bool = False,
) -> Path:
    """Execute ``notebooks/CHAPTER.py`` with papermill under ``profile``; returns the executed notebook's path.

    A chapter whose fingerprint (source, parameters, library) matches its last output is skipped
    unless ``force``; the notebook is written under a temporary name and moved into place only
    when it has run to the end.
    """
    root = project_root(root)
    source = root / "notebooks" / f"{chapter}.py"
    if not source.is_file():
        raise FileNotFoundError(f"{source}: no such chapter")
    check_params(overrides or {}, chapter_parameters(root, chapter), f"overrides of {chapter}")
    params = {**profile_params(root, profile, chapter), **(overrides or {}), "profile": profile}
    out_dir = Path(out_dir)
    out = out_dir / f"{chapter}.ipynb"
    fp = _fingerprint(root, source, params)
    with executed_folder(root, out_dir) as folder:
        if not force and _up_to_date(out, fp):
            print(f"{chapter}: up to date, skipped ({out})")
            return out
        tmp = folder.claim(f".{chapter}.running.ipynb")
        t0 = time.perf_counter()
        _execute(root, source, tmp, params)
        _publish(tmp, out, {"fingerprint": fp, "profile": profile, "chapter": chapter, "library": library_hash(root),
                            "seconds": round(time.perf_counter() - t0, 1), **run_environment()}, folder)
    return out


#: What a folder of executed chapters holds besides them (:func:`build_html` writes these two).
_EXECUTED_PAGES = ("execution.md", "graded.md")


def _adopt_executed(out_dir: Path) -> list[str] | None:
    """The files of executed chapters an artlib older than the folder rule wrote (notebooks, their
    glued figures and the build's two pages), else ``None`` (:mod:`artlib.outputs`)."""
    names = sorted(p.name for p in out_dir.iterdir() if p.name not in (".artlib.lock", *_EDITOR_FILES))
    ours = lambda n: n.endswith((".ipynb", "_figure.png")) or n in _EXECUTED_PAGES  # noqa: E731
    return names if names and all(ours(n) for n in names) else None


#: What Jupyter leaves beside notebooks a reader opened; never the build's, never in the way.
_EDITOR_FILES = (".ipynb_checkpoints",)


def executed_folder(root: Path, out_dir: str | os.PathLike):
    """Claim a folder of executed chapters (:func:`artlib.outputs.output_folder`): never ``notebooks/``,
    which holds the sources, nor a folder that holds them or anything but executed chapters."""
    return output_folder(out_dir, "chapter", None, inputs={"notebooks/": root / "notebooks"}, adopt=_adopt_executed,
                         also=_EDITOR_FILES)


def _save_glued_figures(nb, out: OutputFolder) -> None:
    """Write every glued figure (a key ending in ``_figure``) as ``OUT/KEY.png`` for the book's pages.

    A figure glued in one chapter and pasted into another page is not copied into the HTML by
    myst-nb, so pages include these files as ordinary figures instead.
    """
    import base64

    for cell in nb.cells:
        for o in cell.get("outputs", []):
            name = o.get("metadata", {}).get("scrapbook", {}).get("name", "")
            png = o.get("data", {}).get("application/papermill.record/image/png")
            if name.endswith("_figure") and png:
                out.write_bytes(f"{name}.png", base64.b64decode(png))


WIDGET_MIME = "application/vnd.jupyter.widget-view+json"


def _drop_widget_state(nb) -> None:
    """Remove live-widget outputs and state: they need a kernel, and make the HTML fetch the widget
    libraries from a CDN. The book shows each widget's static figure instead."""
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        for o in cell.get("outputs", []):
            o.get("data", {}).pop(WIDGET_MIME, None)


def _wrap_parameters(nb, width: int = 76) -> None:
    """Wrap long lines of papermill's injected-parameters cell so the book shows them within the cell."""
    import pprint

    for cell in nb.cells:
        if "injected-parameters" not in cell.metadata.get("tags", []):
            continue
        lines = []
        for line in cell.source.splitlines():
            name, sep, value = line.partition(" = ")
            if len(line) <= width or not sep:
                lines.append(line)
                continue
            try:
                literal = ast.literal_eval(value)
            except (ValueError, SyntaxError):
                lines.append(line)
                continue
            text = pprint.pformat(literal, width=width - len(name) - 3)
            lines.append(f"{name} = " + text.replace("\n", "\n" + " " * (len(name) + 3)))
        cell.source = "\n".join(lines)
