"""Strict construction of the book's config dataclasses from plain dictionaries (YAML, JSON, CLI).

Every config dataclass calls :func:`check_types` first thing in ``__post_init__``, so a value
of the wrong type (``n_sources: 1e3``, ``size: '64'``) is refused with the key, the value and
the type expected, before anything is written; :func:`strict_from_dict` refuses unknown keys
and suggests the closest valid name.

Used by every chapter's parameters (chapters 1 to 6) and by the command line.
"""
from __future__ import annotations

import ast
import difflib
import functools
import inspect
import math
import numbers
import types
import typing
from dataclasses import fields
from typing import Any, TypeVar

__all__ = ["check_types", "closest", "config_from_params", "field_docs", "strict_from_dict"]

T = TypeVar("T")


def closest(name: str, options: typing.Iterable[str]) -> str:
    """``" (did you mean 'x'?)"`` for the closest option to ``name``, or ``""``."""
    match = difflib.get_close_matches(name, list(options), n=1, cutoff=0.6)
    return f" (did you mean {match[0]!r}?)" if match else ""


def strict_from_dict(cls: type[T], data: dict[str, Any], what: str) -> T:
    """``cls(**data)``, refusing keys that are not fields of ``cls`` with a clear message."""
    if not isinstance(data, dict):
        raise ValueError(f"{what} must be a mapping of names to values, got {type(data).__name__}")
    names = [f.name for f in fields(cls)]  # type: ignore[arg-type]
    unknown = sorted(set(data) - set(names))
    if unknown:
        hints = "; ".join(f"{k!r}{closest(k, names)}" for k in unknown)
        raise ValueError(f"unknown {what}: {hints}")
    return cls(**data)


def config_from_params(cls: type[T], params: dict[str, Any], what: str = "", **fixed: Any) -> T:
    """A config dataclass from a run's parameters: the one way configs are built.

    The layers, later ones winning: the dataclass defaults (the paper's values), a chapter's
    ``parameters`` cell, the profile's YAML (only what it changes), papermill's or the
    command line's values; ``params`` is their merge, and only the keys that are fields of
    ``cls`` are taken (the others belong to the chapter). ``fixed`` sets fields explicitly
    (for example a study's own ``epochs``). An empty string stands for ``None`` in a field
    whose default is ``None`` (parameter cells and YAML profiles write paths as strings).
    """
    optional = {f.name for f in fields(cls) if f.default is None}  # type: ignore[arg-type]
    names = {f.name for f in fields(cls)}  # type: ignore[arg-type]
    data = {k: v for k, v in params.items() if k in names}
    data.update(fixed)
    data = {k: (None if k in optional and v == "" else v) for k, v in data.items()}
    return strict_from_dict(cls, data, what or f"{cls.__name__} parameters")


def _accepts(value: Any, hint: Any) -> bool:
    """Whether ``value`` fits the annotation ``hint`` (plain types, ``X | None``, tuples of ints)."""
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        return any(_accepts(value, h) for h in typing.get_args(hint))
    if hint is type(None):
        return value is None
    if hint is bool:
        return isinstance(value, bool)
    if hint is int:
        return isinstance(value, numbers.Integral) and not isinstance(value, bool)
    if hint is float:
        return isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value)
    if hint is str:
        return isinstance(value, str)
    if origin is tuple:
        args = typing.get_args(hint)
        return isinstance(value, tuple) and all(_accepts(v, args[0]) for v in value)
    return True


def _type_name(hint: Any) -> str:
    if typing.get_origin(hint) is not None:
        return str(hint).replace("typing.", "")
    return "finite number" if hint is float else getattr(hint, "__name__", str(hint))


def check_types(obj: Any) -> None:
    """Refuse a dataclass field whose value does not fit its annotation, naming key, value and type."""
    hints = typing.get_type_hints(type(obj))
    for f in fields(obj):
        value = getattr(obj, f.name)
        if not _accepts(value, hints[f.name]):
            raise ValueError(f"{f.name} must be {_type_name(hints[f.name])}, got {value!r} ({type(value).__name__})")


@functools.cache
def field_docs(cls: type) -> dict[str, str]:
    """Each field's documentation: the ``#:`` comment lines just above it in the class's source.

    The one source of an option's description (Sphinx's autodoc reads the same comments), used
    by the command line's ``--help``. A field without such a comment is absent from the result.
    """
    lines, start = inspect.getsourcelines(cls)
    tree = ast.parse(inspect.cleandoc("".join(lines)) if lines[0][:1].isspace() else "".join(lines))
    docs = {}
    for node in tree.body[0].body:  # type: ignore[attr-defined]
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            above, i = [], node.lineno - 2
            while i >= 0 and lines[i].strip().startswith("#:"):
                above.insert(0, lines[i].strip()[2:].strip())
                i -= 1
            if above:
                docs[node.target.id] = " ".join(above)
    return docs
