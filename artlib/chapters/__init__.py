"""Executing the book's chapters with papermill, under a parameter profile; building the HTML book.

A chapter's source is the jupytext percent file ``notebooks/NAME.py``; its ``parameters`` cell
holds the book profile's values, and ``params/PROFILE/NAME.yaml`` holds only what another
profile changes (configs are then built by :func:`artlib.config.config_from_params`). :func:`run_chapter` converts the source to a
notebook under ``build/notebooks/`` (never into a paired ``.ipynb`` beside the source),
executes it with papermill and moves the result atomically to ``OUT/NAME.ipynb``. A chapter
whose source, parameters and library code (a hash of ``artlib/``) have not changed since its
last successful run is skipped, so an interrupted book build resumes with the first
unfinished chapter, and a stale chapter is never served.

The package, by concern: :mod:`~artlib.chapters.profiles` (chapters, profiles, parameter checks),
:mod:`~artlib.chapters.execute` (one chapter: fingerprint, papermill, publishing),
:mod:`~artlib.chapters.environment` (the run's record and the execution page),
:mod:`~artlib.chapters.html` (Jupyter Book), :mod:`~artlib.chapters.glue` (what every chapter imports).
Used to execute every chapter.
"""
from .environment import PACKAGES, execution_page, run_environment
from .execute import LIBRARY_SUFFIXES, WIDGET_MIME, executed_folder, library_hash, run_chapter
from .glue import chapter_footer, glue_values
from .html import build_html, copy_mathjax
from .profiles import CHAPTERS, PROFILES, chapter_parameters, check_params, load_params, profile_params, project_root

__all__ = ["CHAPTERS", "LIBRARY_SUFFIXES", "PACKAGES", "PROFILES", "WIDGET_MIME", "build_html", "chapter_footer",
           "chapter_parameters", "check_params", "copy_mathjax", "executed_folder", "execution_page", "glue_values",
           "library_hash", "load_params", "profile_params", "project_root", "run_chapter", "run_environment"]
