"""``python -m artlib``: the book's command line (see :mod:`artlib.cli`)."""
import sys

from .cli import main

sys.exit(main())
