"""One rule for every output folder: a folder is claimed by a marker written first.

Every command that writes a folder (``build-dataset``, ``build-dataset --photos``,
``export-gallery``, ``retouch``, ``train``, ``chapter``, ``book``) goes through
:func:`output_folder`, which holds the folder's lock (:func:`artlib.files.folder_lock`) and
writes, before any result:

* ``.artlib-output.json``: the command and its settings;
* ``.artlib-files.jsonl``: a journal, one line per entry the command writes, appended *before*
  the entry is written (``["+", NAME]``) and again when it is finished (``["=", NAME, SHA256]``).

**The rule.** An output folder may be new, empty, or one this same command claimed before. A
folder of another command, or one holding anything the journal does not list, is refused,
naming a file found there. A folder this command claimed before is resumed (the journal says
which entries are finished and with what hash); with ``overwrite`` (``--overwrite``,
``--restart``) the entries the journal lists, and only those, are deleted first. A command that
never resumes (``retouch``: ``replace=True``) needs ``overwrite`` to reuse its folder. No input
file or folder may lie inside an output folder or contain it
(:func:`artlib.files.check_outputs`). A folder that an artlib older than the marker wrote is
adopted by the command's own ``adopt`` test, which recognises that command's files only.

The journal's hashes are checksums (a public, unkeyed SHA-256): they catch a damaged or swapped
file, not a deliberate forgery.

Used by every command; the README's "What can go wrong" states the rule.
"""
from __future__ import annotations

import contextlib
import fnmatch
import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

import numpy as np

from .files import (LOCK_NAME, atomic_write_bytes, atomic_write_json, check_outputs, encode_png, folder_lock, read_json,
                    sha256_bytes, sha256_file, shown)

__all__ = ["JOURNAL", "MARKER", "OutputFolder", "output_folder", "visible_entries"]

#: The claim: ``{"command": ..., "settings": ...}``.
MARKER = ".artlib-output.json"
#: The journal of entries written (JSON lines).
JOURNAL = ".artlib-files.jsonl"
_BOOKKEEPING = (LOCK_NAME, MARKER, JOURNAL)


def _bookkeeping(name: str) -> bool:
    """The lock, marker and journal, and the temporary file of an atomic write a kill left behind."""
    return name in _BOOKKEEPING or (name.startswith(".") and name.endswith(".tmp"))


def visible_entries(root: Path) -> list[Path]:
    """The entries of a folder other than its bookkeeping (lock, marker, journal, temporary files), sorted."""
    if not root.is_dir():
        return []
    return sorted(p for p in root.iterdir() if not _bookkeeping(p.name))


def _read_journal(path: Path) -> dict[str, str | None]:
    """Entry name -> SHA-256 when finished, ``None`` when claimed but unfinished (a torn last line is ignored)."""
    owned: dict[str, str | None] = {}
    if not path.is_file():
        return owned
    for line in path.read_bytes().decode("utf-8", "surrogateescape").splitlines():
        try:
            rec = json.loads(line)
        except json.JSONDecodeError:
            continue  # a line cut by a kill: its entry was never written
        if isinstance(rec, list) and len(rec) >= 2 and isinstance(rec[1], str):
            if rec[0] == "+":
                owned.setdefault(rec[1], None)
            elif rec[0] == "=" and len(rec) == 3:
                owned[rec[1]] = str(rec[2])
            elif rec[0] == "-":
                owned.pop(rec[1], None)
    return owned


@dataclass
class OutputFolder:
    """A claimed output folder: write into it only through these methods, so the journal lists every entry.

    ``owned`` maps each entry (a path relative to ``root``, ``/``-separated) to its SHA-256 when
    finished, ``None`` when written only partly or a folder.
    """

    root: Path
    command: str
    settings: Any
    owned: dict[str, str | None] = field(default_factory=dict)
    resumed: bool = False

    def _log(self, *rec: str) -> None:
        with open(self.root / JOURNAL, "ab") as fh:
            fh.write((json.dumps(list(rec)) + "\n").encode("utf-8", "surrogateescape"))
            fh.flush()

    def claim(self, name: str) -> Path:
        """Record ``name`` as this command's before anything is written there; returns its path."""
        if name not in self.owned:
            self._log("+", name)
            self.owned[name] = None
        return self.root / name

    def finished(self, name: str, sha256: str) -> None:
        """Record that ``name`` is written in full, with its hash."""
        self._log("=", name, sha256)
        self.owned[name] = sha256

    def write_bytes(self, name: str, data: bytes) -> str:
        """Write one file atomically, journalled; returns its SHA-256."""
        atomic_write_bytes(self.claim(name), data)
        sha = sha256_bytes(data)
        self.finished(name, sha)
        return sha

    def write_png(self, name: str, array: np.ndarray) -> str:
        """:func:`artlib.files.write_png` into the folder, journalled."""
        return self.write_bytes(name, encode_png(array))

    def write_json(self, name: str, obj: Any) -> str:
        """:func:`artlib.files.atomic_write_json` into the folder, journalled."""
        atomic_write_json(self.claim(name), obj)
        sha = sha256_file(self.root / name)
        self.finished(name, sha)
        return sha

    def verified(self, name: str) -> bool:
        """Whether ``name`` is finished and its file still hashes to the journal's record."""
        want, path = self.owned.get(name), self.root / name
        return want is not None and path.is_file() and sha256_file(path) == want

    def remove(self, name: str) -> None:
        """Delete an entry this command wrote (a file, or a folder with everything in it)."""
        path = self.root / name
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink(missing_ok=True)
        self._log("-", name)
        self.owned.pop(name, None)

    def clear(self) -> None:
        """Delete every entry the journal lists (and folders they leave empty); nothing else."""
        folders = {p for n in self.owned for p in Path(n).parents if str(p) != "."}
        for name in sorted(self.owned, key=lambda n: -n.count("/")):
            self.remove(name)
        for d in sorted(folders, key=lambda p: -len(p.parts)):
            with contextlib.suppress(OSError):
                (self.root / d).rmdir()


def _own_top(owned: dict[str, str | None]) -> set[str]:
    return {n.split("/", 1)[0] for n in owned}


def _foreign(root: Path, owned: dict[str, str | None], also: tuple[str, ...]) -> list[str]:
    top = _own_top(owned)
    return [p.name for p in visible_entries(root)
            if p.name not in top and not any(fnmatch.fnmatchcase(p.name, pat) for pat in also)]


def _refuse_foreign(root: Path, names: list[str], what: str) -> None:
    if names:
        listed = ", ".join(shown(n) for n in names[:3]) + (", ..." if len(names) > 3 else "")
        raise ValueError(f"{shown(root)}: holds {listed}, {what}; choose a new or empty folder")


def _start(root: Path, command: str, settings: Any) -> OutputFolder:
    atomic_write_json(root / MARKER, {"command": command, "settings": settings})
    atomic_write_bytes(root / JOURNAL, b"")
    return OutputFolder(root, command, settings)


def _settings_diff(have: Any, want: Any) -> str:
    if isinstance(have, dict) and isinstance(want, dict):
        keys = sorted(k for k in set(have) | set(want) if have.get(k) != want.get(k))
        return ", ".join(f"{k}: {have.get(k)!r} there, {want.get(k)!r} now" for k in keys[:4])
    return f"{have!r} there, {want!r} now"


def _claim(root: Path, command: str, settings: Any, overwrite: bool, replace: bool,
           adopt: Callable[[Path], list[str] | None] | None, also: tuple[str, ...], flag: str) -> OutputFolder:
    marker = root / MARKER
    if marker.exists():
        try:
            have = read_json(marker)
            if not isinstance(have, dict) or not isinstance(have.get("command"), str):
                raise ValueError("not a record")
        except (ValueError, OSError):
            raise ValueError(f"{shown(marker)}: not a readable claim of an artlib command; choose another folder, or "
                             "delete this one to start it anew") from None
        if have["command"] != command:
            raise ValueError(f"{shown(root)}: holds the output of artlib {have['command']}, not of artlib {command}; "
                             "choose another folder")
        owned = _read_journal(root / JOURNAL)
        _refuse_foreign(root, _foreign(root, owned, also), f"which artlib {command} did not write")
        out = OutputFolder(root, command, have.get("settings"), owned, resumed=bool(owned))
    else:
        present = visible_entries(root)
        if not present:
            return _start(root, command, settings)
        names = adopt(root) if adopt is not None else None
        if names is None:
            _refuse_foreign(root, [p.name for p in present], f"which no artlib {command} wrote")
        out = _start(root, command, settings)
        for n in names:
            out.claim(n)
        out.resumed = True
    if overwrite:
        out.clear()
        return _start(root, command, settings)
    if replace and out.owned:
        raise ValueError(f"{shown(root)}: holds the results of an earlier artlib {command}; pass {flag} to replace "
                         "them (only its own files), or choose another folder")
    if settings is not None and out.settings is not None and out.settings != settings:
        raise ValueError(f"{shown(root)}: an artlib {command} of other settings wrote it ({_settings_diff(out.settings, settings)}); "
                         f"choose another folder{f', or pass {flag}' if flag else ''}")
    return out


@contextlib.contextmanager
def output_folder(root: str | os.PathLike, command: str, settings: Any = None, *,
                  inputs: dict[str, str | os.PathLike | None] | None = None, overwrite: bool = False,
                  replace: bool = False, adopt: Callable[[Path], list[str] | None] | None = None,
                  also: tuple[str, ...] = (), option: str = "--out", flag: str = "--overwrite") -> Iterator[OutputFolder]:
    """Claim ``root`` for ``command`` (the rule in the module docstring) and hold its lock meanwhile.

    Args:
        root: the output folder (created if new).
        command: the command's name, recorded in the marker (``"retouch"``).
        settings: what must be the same to resume (JSON values); ``None`` compares nothing.
        inputs: option -> path of everything the command reads; none may be, lie inside or
            contain ``root``.
        overwrite: delete the entries an earlier run of ``command`` wrote, and only those, first.
        replace: the command never resumes: an earlier run's folder needs ``overwrite``.
        adopt: for a folder without a marker, the entries that an older artlib's ``command``
            wrote there, or ``None`` when it is not such a folder.
        also: name patterns that other commands may add (a gallery's index cache).
        option, flag: how the command names the folder and ``overwrite`` in messages.

    Raises:
        ValueError: ``root`` is a file, an input, inside one or holds one, is another command's,
            holds other files, an earlier run of other settings, or another command writes it now.
    """
    root = Path(root)
    if root.exists() and not root.is_dir():
        raise ValueError(f"{option} {shown(root)}: exists and is not a folder")
    check_outputs({option: root}, inputs or {})
    had_lock = (root / LOCK_NAME).exists()
    with folder_lock(root, command):
        try:
            claim = _claim(root, command, settings, overwrite, replace, adopt, also, flag)
        except ValueError:
            if not had_lock:  # a refused folder keeps nothing of this command, not even its lock file
                (root / LOCK_NAME).unlink(missing_ok=True)
            raise
        yield claim
