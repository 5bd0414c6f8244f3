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
from pathlib import Path
from typing import TYPE_CHECKING

from .files import atomic_write_json, read_json

if TYPE_CHECKING:  # the model and training load torch: only when a verifier is loaded (``artlib --help`` needs neither)
    from .model import Verifier

__all__ = ["CHOICE_KEYS", "DEFAULT_CHOICE", "DEFAULT_MAPS", "chosen_verifier", "default_checkpoint", "read_choice",
           "write_choice"]

#: The keys of a choice record.
CHOICE_KEYS = ("variant", "run", "recipe")
#: The book profile's choice, relative to the project root: the verifier ``artlib retouch`` uses without ``--checkpoint``.
DEFAULT_CHOICE = "runs/book/choice.json"
#: Where chapter 4 (book profile) trains and chooses each verifier's placement map (``retouch --method map``).
DEFAULT_MAPS = "runs/book/placement_map"


def write_choice(path: str | os.PathLike, variant: str, run: str | os.PathLike, recipe: str) -> None:
    """Record the chosen ``variant``, its ``run`` folder and its sampling ``recipe`` at ``path`` (atomically)."""
    atomic_write_json(path, dict(zip(CHOICE_KEYS, (str(variant), str(run), str(recipe)))))


def read_choice(path: str | os.PathLike) -> dict[str, str]:
    """The record written by :func:`write_choice` (``variant``, ``run``, ``recipe``).

    Raises:
        FileNotFoundError: no such file.
        ValueError: not a choice record (chapter 3 writes one).
    """
    data = read_json(path)
    if not isinstance(data, dict) or not set(CHOICE_KEYS[:2]) <= set(data) or not isinstance(data["run"], str):
        raise ValueError(f"{path}: not a verifier choice (expected keys 'variant' and 'run'); run chapter 3 first")
    return data


def chosen_verifier(choice: str | os.PathLike, run: str | os.PathLike | None = None) -> tuple[dict[str, str], Verifier]:
    """``(choice record, verifier)``: the verifier in ``run`` when given, else the one chapter 3
    chose (its choice file ``choice``); the record is ``{"variant": "given", "run": run}`` for ``run``."""
    from .train import load_verifier

    record = {"variant": "given", "run": str(run)} if run else read_choice(choice)
    return record, load_verifier(record["run"])


def default_checkpoint(root: str | os.PathLike) -> Path:
    """The checkpoint a command uses when none is given: the best epoch of the run the book chose
    (:data:`DEFAULT_CHOICE` under the project ``root``).

    Raises:
        FileNotFoundError: no choice yet (``make book`` writes one in chapter 3).
    """
    choice = Path(root) / DEFAULT_CHOICE
    if not choice.is_file():
        raise FileNotFoundError(f"{choice}: no default verifier yet; build the book (make book), whose chapter 3 "
                                "chooses one, or pass --checkpoint PATH")
    return Path(root) / read_choice(choice)["run"] / "best.pt"
