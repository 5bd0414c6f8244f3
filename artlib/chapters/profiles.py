"""The book's chapters and parameter profiles: each chapter's ``parameters`` cell, the YAML of a profile
(``params/PROFILE/NAME.yaml``, only what it changes), and the checks of both.

Used to execute every chapter.
"""
from __future__ import annotations

import ast
import os
import re
from pathlib import Path
from typing import Any

import yaml

from ..config import closest

__all__ = ["CHAPTERS", "PROFILES", "chapter_parameters", "check_params", "load_params", "profile_params", "project_root"]


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
