"""The book's verifier choice: which trained verifier chapters 4 to 6, ``artlib retouch`` and the
benchmarks use.

Chapter 3's study (:mod:`artlib.ablation`) trains the variants and picks one on validation; it
records the pick with :func:`write_choice` (``choice.json``: the variant's name, its run folder
and its sampling recipe). Everything downstream reads the record with :func:`read_choice` or
loads the verifier with :func:`chosen_verifier`, so none of it needs the study itself.

Shown in chapter 3 (written) and chapters 4 to 6 (read).
"""
from __future__ import annotations

import os

from .files import atomic_write_json, read_json
from .model import Verifier
from .train import load_verifier

__all__ = ["CHOICE_KEYS", "chosen_verifier", "read_choice", "write_choice"]

#: The keys of a choice record.
CHOICE_KEYS = ("variant", "run", "recipe")


def write_choice(path: str | os.PathLike, variant: str, run: str | os.PathLike, recipe: str) -> None:
    """Record the chosen ``variant``, its ``run`` folder and its sampling ``recipe`` at ``path`` (atomically)."""
    atomic_write_json(path, {"variant": str(variant), "run": str(run), "recipe": str(recipe)})


def read_choice(path: str | os.PathLike) -> dict[str, str]:
    """The record written by :func:`write_choice` (``variant``, ``run``, ``recipe``).

    Raises:
        FileNotFoundError: no such file.
        ValueError: not a choice record (chapter 3 writes one).
    """
    data = read_json(path)
    if not isinstance(data, dict) or not {"variant", "run"} <= set(data) or not isinstance(data["run"], str):
        raise ValueError(f"{path}: not a verifier choice (expected keys 'variant' and 'run'); run chapter 3 first")
    return data


def chosen_verifier(choice: str | os.PathLike, run: str | os.PathLike | None = None) -> tuple[dict[str, str], Verifier]:
    """``(choice record, verifier)``: the verifier in ``run`` when given, else the one chapter 3
    chose (its choice file ``choice``); the record is ``{"variant": "given", "run": run}`` for ``run``."""
    record = {"variant": "given", "run": str(run)} if run else read_choice(choice)
    return record, load_verifier(record["run"])
