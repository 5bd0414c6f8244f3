"""The subcommands of ``artlib`` and their options (:mod:`artlib.cli`); each calls :mod:`artlib.cli.commands`.

Used by every chapter's command.
"""
from __future__ import annotations

import argparse

from ..chapters import CHAPTERS, PROFILES
from ..choice import DEFAULT_CHOICE, DEFAULT_MAPS
from . import commands
from .options import add_dataclass_options, add_photo_options, float_in, int_in

__all__ = ["add_commands"]


def _add_build_dataset(sub) -> None:
    """The ``build-dataset`` command."""
    d = sub.add_parser("build-dataset", help="build or resume the ART dataset of a profile")
    d.add_argument("--profile", choices=PROFILES, default="book", help="parameter profile (default: book)")
    d.add_argument("--out", help="output folder (default: the profile's data_dir)")
    d.add_argument("--workers", type=int_in(0, 64), default=0, help="rendering processes (default: the profile's)")
    d.add_argument("--no-verify", action="store_true", help="on a re-run, check the files' sizes only, not their hashes")
    d.add_argument("--photos", help="a folder of your own photos: detect, cut out, fill and parse each (real-photo sources)")
    d.add_argument("--size", type=int_in(16, 1024), default=256,
                   help="with --photos: the sources' square size in pixels (default 256)")
    d.add_argument("--quiet", action="store_true", help="no progress bar")
    add_photo_options(d)
    d.set_defaults(func=commands.build_dataset)


def _add_chapter(sub) -> None:
    """The ``chapter`` command."""
    c = sub.add_parser("chapter", help="execute one chapter with papermill")
    c.add_argument("name", choices=CHAPTERS, help="chapter to execute")
    c.add_argument("--profile", choices=PROFILES, default="book", help="parameter profile (default: book)")
    c.add_argument("--out", default="book/executed", help="folder for the executed notebook (default: book/executed)")
    c.add_argument("--force", action="store_true", help="re-execute even if up to date")
    c.set_defaults(func=commands.chapter)


def _add_train(sub) -> None:
    """The ``train`` command."""
    t = sub.add_parser("train", help="train a verifier on a built dataset (works under torchrun)",
                       description="Train the multi-task verifier. Under torchrun --nproc_per_node N it uses "
                                   "DistributedDataParallel (gloo on CPU, NCCL on GPU).")
    t.add_argument("--out", required=True, help="run folder (checkpoint.pt, metrics.json, predictions.npz)")
    t.add_argument("--restart", action="store_true", help="start again: delete the earlier run's own files in --out "
                   "(those its journal lists) instead of resuming it")
    t.add_argument("--quiet", action="store_true", help="no progress bar")
    from ..model import VerifierConfig
    from ..train import TrainConfig

    add_dataclass_options(t, TrainConfig)
    add_dataclass_options(t, VerifierConfig)
    t.set_defaults(func=commands.train)


def _add_retouch(sub) -> None:
    """The ``retouch`` command."""
    from ..adjust.config import DEFAULT_START, METHODS, AdjustConfig
    from ..variety import DIVERSITY
    from ..harmonize import BLENDS, COLOURS

    start = ",".join(f"{v:g}" for v in DEFAULT_START.as_tuple())
    r = sub.add_parser(
        "retouch", help="replace the background of a person and adjust them (the whole Auto-Retoucher)",
        description="Rank a gallery of backgrounds for a foreground cut-out with the verifier's content head, keep "
                    "the top k, move and scale the person on each to the placement the spatial head scores "
                    "highest, and write the composites, a contact sheet and a JSON report.",
        epilog="A gallery folder holds NAME.png (RGB) and NAME.labels.png (8-bit label ids) per background and "
               "labels.json (and full/NAME.png at full resolution, where the composite is then rendered); `artlib "
               "export-gallery --photos DIR` makes one from your own photos, and without --photos from the synthetic "
               "world, with cut-outs to try. A person whom the photo cuts at its bottom edge (a half-length portrait) "
               "is placed with the cut on the composite's bottom edge.")
    r.add_argument("--foreground", required=True, help="RGBA cut-out (PNG): full-frame (the person where they stood, "
                   "transparent elsewhere) or tightly cropped")
    r.add_argument("--gallery", required=True, help="gallery folder (see below)")
    r.add_argument("--out", required=True, help="a new or empty output folder: NN_NAME.png per result, "
                   "contact_sheet.png, report.json")
    r.add_argument("--overwrite", action="store_true", help="replace the results of an earlier artlib retouch in --out "
                   "(only its own files; a folder holding anything else is refused)")
    r.add_argument("--top-k", type=int_in(1, 1000), default=5, help="backgrounds to keep (default 5; a smaller "
                   "gallery keeps all)")
    r.add_argument("--diverse", action=argparse.BooleanOptionalAction, default=True,
                   help="keep different kinds of place: after the best background, trade content score against "
                        "likeness to those kept (maximal marginal relevance; default); --no-diverse keeps the plain "
                        "top k, as the paper")
    r.add_argument("--diversity", type=float_in(0.0, 1.0, high_open=True), default=DIVERSITY,
                   help=f"the weight of variety with --diverse, in [0, 1) (default {DIVERSITY}; 0 is the plain top k)")
    r.add_argument("--checkpoint", help="verifier checkpoint or run folder (default: the verifier the book chose, "
                   f"{DEFAULT_CHOICE})")
    r.add_argument("--start", help=f"x,y,scale: where a cropped foreground is scored and starts (default {start}); "
                   "for a full-frame cut-out, overrides the placement read from its alpha")
    r.add_argument("--method", default=AdjustConfig.method, choices=METHODS,
                   help=f"placement search (default {AdjustConfig.method}: a coarse grid refined by ascent, chosen on "
                        "validation scenes; numerical: the paper's; greedy: the authors' code; map: the one-pass "
                        "placement map, with --placement-map)")
    r.add_argument("--placement-map", help="with --method map: the placement map trained for the verifier (a "
                   f"placement_map.pt or its folder; default: the one chapter 4 chose for it under {DEFAULT_MAPS})")
    r.add_argument("--restarts", type=int_in(1, 256), default=AdjustConfig.restarts,
                   help=f"random restarts of the ascent methods (default {AdjustConfig.restarts})")
    r.add_argument("--colour", default=COLOURS[0], choices=COLOURS,
                   help=f"colour transfer of the person to the background (default {COLOURS[0]})")
    r.add_argument("--blend", default=BLENDS[0], choices=BLENDS,
                   help=f"how the person is blended into the background (default {BLENDS[0]})")
    r.add_argument("--seed", type=int_in(0, 2**31 - 1), default=0, help="seed of the search's random starts (default 0)")
    r.add_argument("--quiet", action="store_true", help="no progress bars")
    r.set_defaults(func=commands.retouch)


def _add_export_gallery(sub) -> None:
    """The ``export-gallery`` command."""
    g = sub.add_parser("export-gallery", help="write a gallery folder: from your own background photos (--photos DIR) "
                       "or from the synthetic world",
                       description="With --photos DIR: each photo's centre square is parsed into the book's labels "
                                   "and kept at --size (the copy the verifier scores) and at its own resolution up to "
                                   "1024 px (full/NAME.png, where artlib retouch renders the composite). Without: "
                                   "render N empty world scenes as a gallery folder (NAME.png, NAME.labels.png, "
                                   "labels.json) and a few full-frame cut-outs of people from other scenes (cutouts/).")
    g.add_argument("--out", required=True, help="a new or empty folder, or one an interrupted export-gallery of the same "
                   "settings began (it resumes)")
    g.add_argument("--n", type=int_in(1, 100_000), default=200, help="backgrounds to render (default 200)")
    g.add_argument("--seed", type=int_in(0, 2**31 - 1), default=2026, help="world seed (default 2026; datasets use 0)")
    g.add_argument("--size", type=int_in(16, 1024), default=64, help="canvas side in pixels (default 64, the book "
                   "profile's)")
    g.add_argument("--cutouts", type=int_in(0, 1000), default=4, help="cut-outs to write (default 4)")
    g.add_argument("--photos", help="instead of the world: a folder of your background photos (JPEG, PNG, ...), each "
                   "centre-cropped, parsed, and kept at --size and at full resolution")
    g.add_argument("--quiet", action="store_true", help="no progress bar")
    g.set_defaults(func=commands.export_gallery)


def _add_cutout(sub) -> None:
    """The ``cutout`` command."""
    k = sub.add_parser("cutout", help="cut the main person out of a photo (detect, matte) for artlib retouch",
                       description="Detect the main person in a photo, matte them, and write a full-frame RGBA cut-out "
                                   "(the person where they stood, transparent elsewhere) and a preview of every stage.")
    k.add_argument("photo", help="the photo (JPEG, PNG, ...; grayscale and CMYK are converted)")
    k.add_argument("--out", required=True, help="the cut-out PNG to write")
    k.add_argument("--preview", help="the preview PNG (default: OUT with .preview.png)")
    k.add_argument("--person", type=int_in(1, 1000), default=1,
                   help="which person when there are several: 1 is the largest (nearest), 2 the next (default 1; the "
                        "preview numbers them)")
    add_photo_options(k)
    k.set_defaults(func=commands.cutout)


def _add_book(sub) -> None:
    """The ``book`` command."""
    b = sub.add_parser("book", help="execute all chapters, then build the HTML book")
    b.add_argument("--profile", choices=PROFILES, default="book", help="parameter profile (default: book)")
    b.add_argument("--force", action="store_true", help="re-execute chapters even if up to date")
    b.add_argument("--no-html", action="store_true", help="only execute the chapters")
    b.set_defaults(func=commands.book)


def add_commands(sub) -> None:
    """Every subcommand, in the order ``artlib --help`` lists them."""
    for add in (_add_build_dataset, _add_chapter, _add_train, _add_retouch, _add_export_gallery, _add_cutout, _add_book):
        add(sub)
