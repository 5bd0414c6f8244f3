"""What the benchmarks share: the options that name the verifier and the canvas, and loading it."""
from __future__ import annotations

import argparse

from artlib.choice import chosen_verifier


def verifier_parser(doc: str) -> argparse.ArgumentParser:
    """A parser with ``--run``, ``--choice`` and ``--size``; the benchmark adds its own options."""
    ap = argparse.ArgumentParser(description=doc.splitlines()[0])
    ap.add_argument("--run", help="a run folder or checkpoint (default: the book profile's chosen verifier)")
    ap.add_argument("--choice", default="runs/book/choice.json", help="chapter 3's choice file, used without --run")
    ap.add_argument("--size", type=int, default=64, help="canvas size in pixels (default 64, the book profile's)")
    return ap


def load_model(args: argparse.Namespace):
    """``(choice record, verifier)``: the verifier the options name, in eval mode."""
    return chosen_verifier(args.choice, args.run)
