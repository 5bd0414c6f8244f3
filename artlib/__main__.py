"""``python -m artlib``: the book's command line (see :mod:`artlib.cli`), which builds and runs every chapter."""
import sys

from .cli import main

__all__ = []

sys.exit(main())
