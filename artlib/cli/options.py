"""The option types and option groups of the ``artlib`` command line (:mod:`artlib.cli`).

Argparse types that name the option and the allowed range in their message, one ``--option`` per
field of a config dataclass, and the real-photo stages' options. Used by every chapter's command.
"""
from __future__ import annotations

import argparse

__all__ = ["add_dataclass_options", "add_photo_options", "float_in", "int_in", "photo_config", "yes_no"]


def int_in(lo: int, hi: int | None = None):
    """An argparse type: a whole number in ``[lo, hi]`` (the message names the option and the range)."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if value < lo or (hi is not None and value > hi):
            span = f"in [{lo}, {hi}]" if hi is not None else f">= {lo}"
            raise argparse.ArgumentTypeError(f"must be {span}, got {value}")
        return value

    parse.__name__ = "whole number"
    return parse


def float_in(lo: float, hi: float, high_open: bool = False):
    """An argparse type: a number in ``[lo, hi]`` (``[lo, hi)`` with ``high_open``)."""
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
        if not (lo <= value < hi if high_open else lo <= value <= hi):
            raise argparse.ArgumentTypeError(f"must be in [{lo:g}, {hi:g}{')' if high_open else ']'}, got {text}")
        return value

    parse.__name__ = "number"
    return parse


_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


def yes_no(text: str) -> bool:
    """An argparse type for a yes/no option: true/false, yes/no, on/off or 1/0; anything else is refused."""
    t = text.strip().lower()
    if t in _TRUE or t in _FALSE:
        return t in _TRUE
    raise argparse.ArgumentTypeError(f"expected true or false (also yes/no, on/off, 1/0), got {text!r}")


yes_no.__name__ = "yes/no"


def add_dataclass_options(parser: argparse.ArgumentParser, cls: type, skip: tuple[str, ...] = ()) -> None:
    """One ``--option`` per field of a config dataclass, typed by its default, described by the
    field's ``#:`` comment (:func:`artlib.config.field_docs`)."""
    from dataclasses import MISSING, fields

    from ..config import field_docs

    docs = field_docs(cls)
    group = parser.add_argument_group(cls.__name__, " ".join((cls.__doc__ or "").strip().split("\n\n")[0].split()))
    for f in fields(cls):
        if f.name in skip:
            continue
        default = None if f.default is MISSING else f.default
        kind = type(default) if default is not None else str
        if kind is bool:
            kind = yes_no
        group.add_argument(f"--{f.name.replace('_', '-')}", dest=f.name, type=kind, default=None,
                           required=f.default is MISSING,
                           help=f"{docs.get(f.name, '')} ({'required' if f.default is MISSING else f'default: {default}'})")


def add_photo_options(parser: argparse.ArgumentParser) -> None:
    from ..photos import DETECTORS, FILLS, MATTES, SEGMENTERS, PhotoConfig

    g = parser.add_argument_group("real-photo stages (artlib.photos)")
    g.add_argument("--detector", default=PhotoConfig.detector, choices=sorted(DETECTORS),
                   help=f"person detector (default {PhotoConfig.detector}: the bundled SSDLite model; hog and cascade "
                        "are OpenCV's classical ones)")
    g.add_argument("--segmenter", default=PhotoConfig.segmenter, choices=sorted(SEGMENTERS),
                   help=f"which pixels are the person (default {PhotoConfig.segmenter}: the bundled pose model on a "
                        "crop around the box, with fallbacks; grabcut: classical)")
    g.add_argument("--matte", default=PhotoConfig.matte, choices=sorted(MATTES),
                   help=f"matting of the mask's edge (default {PhotoConfig.matte}; closed-form needs "
                        "pip install -e .[photos])")
    g.add_argument("--fill", default="telea", choices=sorted(FILLS), help="hole filling (default telea; patchmatch "
                   "needs pip install -e .[photos])")
    g.add_argument("--max-side", type=int_in(64, 4096), default=512,
                   help="photos are reduced to this many pixels on the longer side (default 512)")


def photo_config(args: argparse.Namespace):
    """The :class:`artlib.photos.PhotoConfig` the real-photo options name."""
    from ..photos import PhotoConfig

    return PhotoConfig(detector=args.detector, segmenter=args.segmenter, matte=args.matte, fill=args.fill,
                       max_side=args.max_side)
