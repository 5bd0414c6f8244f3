"""Command line of the ART book: ``python -m artlib --help`` (or ``artlib --help``).

Commands:

* ``build-dataset``: build (or resume) an ART dataset from a profile's parameters;
* ``train``: train a verifier on a built dataset (also under ``torchrun``);
* ``retouch``: the whole Auto-Retoucher on a foreground cut-out and a gallery folder;
* ``export-gallery``: write a gallery folder (and cut-outs to try) from the synthetic world, or
  from a folder of background photos;
* ``cutout``: cut the main person out of a photo for ``retouch`` (detect, matte), with a preview;
* ``chapter``: execute one chapter with papermill under a profile;
* ``book``: execute every chapter, then build the HTML book with Jupyter Book.

Every error a user can cause ends in one line ``artlib: error: ...`` and exit status 2;
``--traceback`` (or ``ARTLIB_TRACEBACK=1``) shows the traceback instead.
"""
from __future__ import annotations

import argparse
import os
import sys

from ..files import shown

__all__ = ["build_parser", "error_line", "main"]


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line ``artlib: error: ...`` (exit status 2), like every other."""

    def error(self, message: str):  # type: ignore[override]
        self.exit(2, f"artlib: error: {self.prog}: {' '.join(message.split())} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="artlib",
        description="The ART book: build the synthetic ART dataset, train the verifier, retouch photos, "
                    "execute chapters, build the book.",
        epilog="Your own photos: `artlib cutout me.jpg --out me.png` cuts a person out; `artlib export-gallery "
               "--photos MY_BACKGROUNDS/ --out gallery` makes a gallery of your background photos; `artlib retouch "
               "--foreground me.png --gallery gallery --out retouched` places the person on them. Add --traceback to "
               "any command to see where an error came from.",
    )
    from .parsers import add_commands

    add_commands(p.add_subparsers(dest="command", required=True))
    return p


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    show = "--traceback" in argv or os.environ.get("ARTLIB_TRACEBACK", "") not in ("", "0")
    argv = [a for a in argv if a != "--traceback"]
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:  # --help (0) or a bad option (2, one line already printed)
        return int(exc.code or 0)
    try:
        return int(args.func(args) or 0)
    except BrokenPipeError:  # the reader went away (`artlib ... | head`): stop quietly, as well-kept commands do
        _silence_stdout()
        return 141
    except KeyboardInterrupt:
        print("artlib: error: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # every error ends in one line; --traceback shows where it came from
        if show:
            raise
        print(f"artlib: error: {error_line(exc)}", file=sys.stderr)
        return 2


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so Python's own flush at exit finds no broken pipe to complain of."""
    with open(os.devnull, "wb") as null:
        try:
            os.dup2(null.fileno(), sys.stdout.fileno())
        except (OSError, ValueError):  # stdout is no file (a test's capture): nothing to silence
            pass


def error_line(exc: BaseException) -> str:
    """An exception as the one line the command prints: our messages as they are (they name the file,
    key or argument), an operating-system error with its path, anything else with its kind."""
    if isinstance(exc, OSError) and exc.strerror:
        text = exc.strerror
        if exc.filename is not None and str(exc.filename) not in text:
            text = f"{exc.filename}: {text}"
    elif isinstance(exc, (ValueError, OSError)):
        text = str(exc)
    else:
        text = f"{exc.__class__.__name__}: {exc}"
    return shown(" ".join(str(text).split()))
