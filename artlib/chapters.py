"""Executing the book's chapters with papermill, under a parameter profile.

A chapter's source is the jupytext percent file ``notebooks/NAME.py``; its parameters for a
profile are ``params/PROFILE/NAME.yaml``. :func:`run_chapter` converts the source to a
notebook under ``build/notebooks/`` (never into a paired ``.ipynb`` beside the source),
executes it with papermill and moves the result atomically to ``OUT/NAME.ipynb``. A chapter
whose source and parameters have not changed since its last successful run is skipped, so an
interrupted book build resumes with the first unfinished chapter.
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

import yaml

#: The chapters of the book, in order.
CHAPTERS: tuple[str, ...] = ("01_dataset", "02_verifier", "03_ablation", "04_adjustment", "05_retouch")
PROFILES: tuple[str, ...] = ("ci", "book", "paper")


def project_root(start: str | os.PathLike | None = None) -> Path:
    """The folder holding ``notebooks/`` and ``params/`` (searched upwards from ``start``)."""
    here = Path(start or Path.cwd()).resolve()
    for d in (here, *here.parents):
        if (d / "notebooks").is_dir() and (d / "params").is_dir():
            return d
    raise FileNotFoundError(f"no project root (a folder with notebooks/ and params/) above {here}")


def load_params(root: Path, profile: str, chapter: str) -> dict[str, Any]:
    """The parameters of ``chapter`` under ``profile`` (``params/PROFILE/CHAPTER.yaml``)."""
    if profile not in PROFILES:
        raise ValueError(f"unknown profile {profile!r}; choose from {', '.join(PROFILES)}")
    path = root / "params" / profile / f"{chapter}.yaml"
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no parameters for chapter {chapter!r} in profile {profile!r}")
    data = yaml.safe_load(path.read_text()) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping of parameter names to values")
    return data


def _fingerprint(source: Path, params: dict[str, Any]) -> str:
    h = hashlib.sha256(source.read_bytes())
    h.update(yaml.safe_dump(params, sort_keys=True).encode())
    return h.hexdigest()


def run_chapter(
    chapter: str,
    profile: str,
    out_dir: str | os.PathLike,
    overrides: dict[str, Any] | None = None,
    root: str | os.PathLike | None = None,
    force: bool = False,
) -> Path:
    """Execute ``notebooks/CHAPTER.py`` with papermill; returns the executed notebook's path."""
    import jupytext
    import nbformat
    import papermill as pm

    root = project_root(root)
    source = root / "notebooks" / f"{chapter}.py"
    if not source.is_file():
        raise FileNotFoundError(f"{source}: no such chapter")
    params = {**load_params(root, profile, chapter), **(overrides or {})}
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    out = out_dir / f"{chapter}.ipynb"
    fp = _fingerprint(source, params)
    if out.exists() and not force:
        try:
            if nbformat.read(out, as_version=4).metadata.get("artbook", {}).get("fingerprint") == fp:
                print(f"{chapter}: up to date, skipped ({out})")
                return out
        except Exception:  # an unreadable old output is simply rebuilt
            pass
    nb = jupytext.read(source)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    work = root / "build" / "notebooks"
    work.mkdir(parents=True, exist_ok=True)
    src_nb = work / f"{chapter}.ipynb"
    nbformat.write(nb, src_nb)
    tmp = out_dir / f".{chapter}.running.ipynb"
    # the kernel inherits this environment: offline hub, and matplotlib's inline backend
    saved = {k: os.environ.get(k) for k in ("HF_HUB_OFFLINE", "MPLBACKEND")}
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ.pop("MPLBACKEND", None)
    try:
        pm.execute_notebook(
            str(src_nb), str(tmp), parameters=params, kernel_name="python3", cwd=str(root), progress_bar=False
        )
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    done = nbformat.read(tmp, as_version=4)
    if any("injected-parameters" in c.metadata.get("tags", []) for c in done.cells):
        for c in done.cells:  # the book shows the values used (the injected cell), not the defaults
            tags = c.metadata.get("tags", [])
            if "parameters" in tags and "remove-cell" not in tags:
                c.metadata["tags"] = [*tags, "remove-cell"]
    done.metadata["artbook"] = {"fingerprint": fp, "profile": profile, "chapter": chapter}
    nbformat.write(done, tmp)
    os.replace(tmp, out)
    return out
