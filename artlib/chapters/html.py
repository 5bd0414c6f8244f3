"""Building the HTML book with Jupyter Book from the executed chapters (warnings are errors).

Used once every chapter has run.
"""
from __future__ import annotations

import os
from pathlib import Path

from .environment import execution_page
from .execute import executed_folder

__all__ = ["build_html", "copy_mathjax"]


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

    from ..exercises import exercise_table

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
