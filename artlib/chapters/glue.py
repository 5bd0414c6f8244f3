"""What every chapter's notebook imports to put numbers and figures into its prose (myst-nb's glue).

Used in every chapter.
"""
from __future__ import annotations

from typing import Any

__all__ = ["chapter_footer", "glue_values"]


def glue_values(**values: Any) -> None:
    """Glue values for a chapter's prose (myst-nb): numbers for ``{glue:text}``, words for
    ``{glue:md}``, figures for ``{glue}`` (then closed, so they are not shown twice).

    Numbers and claims in the book's text come from these, never typed by hand.
    """
    import matplotlib.pyplot as plt
    from IPython.display import Markdown
    from matplotlib.figure import Figure
    from myst_nb import glue

    for name, value in values.items():
        if hasattr(value, "item") and getattr(value, "ndim", None) == 0:
            value = value.item()  # numpy scalars: myst-nb formats plain numbers only
        glue(name, Markdown(value) if isinstance(value, str) else value, display=False)
        if isinstance(value, Figure):
            plt.close(value)


def chapter_footer(profile: str, start: float) -> str:
    """Glue the chapter's profile and run time (its header shows them) and return a one-line summary."""
    import time

    minutes = (time.perf_counter() - start) / 60
    glue_values(profile=f"`{profile}`", run_minutes=minutes)
    return f"profile {profile}: this chapter ran in {minutes:.1f} min"
