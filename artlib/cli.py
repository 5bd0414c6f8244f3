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
import time
from pathlib import Path


from .chapters import CHAPTERS, PROFILES, project_root, run_chapter
from .files import shown

__all__ = ["build_parser", "DEFAULT_CHOICE", "error_line", "main"]


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line ``artlib: error: ...`` (exit status 2), like every other."""

    def error(self, message: str):  # type: ignore[override]
        self.exit(2, f"artlib: error: {self.prog}: {' '.join(message.split())} (see {self.prog} --help)\n")


def _int_in(lo: int, hi: int | None = None):
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


def _float_in(lo: float, hi: float, high_open: bool = False):
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


def _yes_no(text: str) -> bool:
    """An argparse type for a yes/no option: true/false, yes/no, on/off or 1/0; anything else is refused."""
    t = text.strip().lower()
    if t in _TRUE or t in _FALSE:
        return t in _TRUE
    raise argparse.ArgumentTypeError(f"expected true or false (also yes/no, on/off, 1/0), got {text!r}")


_yes_no.__name__ = "yes/no"


def _cmd_build_dataset(args: argparse.Namespace) -> int:
    from .data import BuildConfig, build_dataset, table1
    from .data.manifest import WORKER_BYTES, worker_count

    if args.photos:
        from .data import build_photo_sources

        if not args.out:
            raise ValueError("--photos needs --out, the dataset folder to write")
        report = build_photo_sources(args.photos, _out_dir(args.out), size=args.size, cfg=_photo_config(args),
                                     progress=not args.quiet)
        for f in report["failed"] + report["skipped"]:
            print(f"  {f['photo']}: {f['reason']}")
        print(f"{report['sources']} of {report['photos']} photos became sources in {shown(args.out)}; manifest: "
              f"{report['manifest']}")
        return 0
    from .chapters import profile_params
    from .config import config_from_params

    root = project_root()
    params = profile_params(root, args.profile, "01_dataset")
    cfg = config_from_params(BuildConfig, params, "dataset parameters")
    out = Path(args.out or params["data_dir"])
    workers = args.workers or int(params.get("workers", 1))
    if (usable := worker_count(workers)) < workers:
        print(f"note: {usable} rendering processes instead of {workers} (one per core, about "
              f"{WORKER_BYTES / 2**30:.1f} GB of free memory each)", file=sys.stderr)
    t0 = time.perf_counter()
    manifest = build_dataset(out, cfg, workers=workers, verify=not args.no_verify, progress=not args.quiet)
    done = f"re-rendered {len(manifest.repaired)} sources whose files were missing or changed; " if manifest.repaired else ""
    print(f"{done}{cfg.n_sources} sources at {cfg.size} px ready in {time.perf_counter() - t0:.1f} s -> {out}")
    print(table1(manifest).to_string())
    return 0


def _cmd_chapter(args: argparse.Namespace) -> int:
    out = run_chapter(args.name, args.profile, args.out, force=args.force)
    print(f"executed {args.name} -> {shown(out)}")
    return 0


def _cmd_book(args: argparse.Namespace) -> int:
    root = project_root()
    for name in CHAPTERS:
        t0 = time.perf_counter()
        run_chapter(name, args.profile, root / "book" / "executed", force=args.force)
        print(f"{name}: {time.perf_counter() - t0:.0f} s")
    if args.no_html:
        return 0
    from .chapters import build_html

    return build_html(root)


def _cmd_train(args: argparse.Namespace) -> int:
    from .config import config_from_params
    from .model import VerifierConfig
    from .files import check_outputs
    from .train import TrainConfig, train

    given = {k: v for k, v in vars(args).items() if v is not None}  # options left out keep the paper's defaults
    vcfg = config_from_params(VerifierConfig, given, "verifier options")
    tcfg = config_from_params(TrainConfig, given, "training options")
    check_outputs({"--out": args.out}, {"--data-dir": tcfg.data_dir, "--pretrained-path": vcfg.pretrained_path})
    res = train(vcfg, tcfg, args.out, resume=not args.restart, progress=not args.quiet)
    if res:
        for split in ("val", "test"):
            m = res[split]
            print(f"{split} (epoch {res['best_epoch']}): accuracy {m['accuracy']:.4f}  AUC {m['auc']:.4f}  "
                  f"RMSE {m['rmse']:.4f} (mean baseline {m['rmse_mean_baseline']:.4f})  "
                  f"Spearman {m['spearman_spatial_neg']:.3f}")
    return 0


#: The verifier ``artlib retouch`` uses without ``--checkpoint``: the one chapter 3 chose (book profile).
DEFAULT_CHOICE = "runs/book/choice.json"
#: Where chapter 4 (book profile) trains and chooses each verifier's placement map, for ``--method map``.
DEFAULT_MAPS = "runs/book/placement_map"


def _parse_start(text: str | None):
    from .adjust import AdjustConfig
    from .compose import Placement

    if text is None:
        return None
    try:
        x, y, scale = (float(v) for v in text.split(","))
        p = Placement(x, y, scale)
    except ValueError as exc:
        raise ValueError(f"--start must be three numbers x,y,scale (for example 0.5,0.9,0.5), got {text!r}") from exc
    lo, hi = AdjustConfig.scale_min, AdjustConfig.scale_max
    if not (0 <= p.x <= 1 and 0 <= p.y <= 1 and lo <= p.scale <= hi):  # also false for NaN
        raise ValueError(f"--start {text}: x and y must lie in [0, 1] and scale in [{lo:g}, {hi:g}] (the search's range)")
    return p


def _checkpoint(arg: str | None) -> Path:
    """The verifier's checkpoint: ``--checkpoint``, or the book profile's chosen run."""
    if arg:
        return Path(arg)
    from .choice import read_choice

    choice = project_root() / DEFAULT_CHOICE
    if not choice.is_file():
        raise FileNotFoundError(f"{choice}: no default verifier yet; build the book (make book), whose chapter 3 "
                                "chooses one, or pass --checkpoint PATH")
    return project_root() / read_choice(choice)["run"] / "best.pt"


def _out_dir(path: str) -> Path:
    out = Path(path)
    if out.exists() and not out.is_dir():
        raise ValueError(f"--out {out}: exists and is not a folder")
    return out


def _adopt_retouch(out: Path) -> list[str] | None:
    """The files of a retouch an artlib older than the folder rule wrote (those its ``report.json``
    lists), else ``None`` (:mod:`artlib.outputs`)."""
    from .files import read_json

    try:
        own = {str(f) for f in read_json(out / "report.json")["files"]} | {"report.json"}
    except (FileNotFoundError, ValueError, KeyError, TypeError):
        return None
    names = {p.name for p in out.iterdir()} - {".artlib.lock"}
    return sorted(names) if names <= own else None


def _placement_map(args: argparse.Namespace, verifier):
    """The placement map of ``--method map``: ``--placement-map``, or the one chapter 4 chose for this verifier."""
    from .train import load_placement_map

    if args.placement_map:
        return load_placement_map(args.placement_map, verifier)
    from .evaluate.maps import read_map_choice

    try:
        return read_map_choice(project_root() / DEFAULT_MAPS, verifier)[1]
    except FileNotFoundError:
        raise ValueError(f"--method map needs --placement-map PATH: no map of this verifier is chosen under "
                         f"{DEFAULT_MAPS} (chapter 4 of make book trains and chooses one for the book's verifier)") from None


def _cmd_retouch(args: argparse.Namespace) -> int:
    from .adjust import AdjustConfig
    from .data import read_gallery
    from .files import check_outputs, read_image
    from .outputs import output_folder
    from .plots import contact_sheet, figure_png
    from .retouch import foreground_from_cutout, report_record, retouch
    from .select import cached_index
    from .train import load_verifier

    out = _out_dir(args.out)
    start = _parse_start(args.start)
    ckpt = _checkpoint(args.checkpoint)
    if args.placement_map and args.method != "map":
        raise ValueError(f"--placement-map is read by --method map only, not by --method {args.method}")
    inputs = {"--foreground": args.foreground, "--gallery": args.gallery, "--checkpoint": ckpt,
              "--placement-map": args.placement_map}
    check_outputs({"--out": out}, inputs)
    fg = foreground_from_cutout(read_image(args.foreground, "RGBA"), start)
    verifier = load_verifier(ckpt)
    pmap = _placement_map(args, verifier) if args.method == "map" else None
    gallery = read_gallery(args.gallery, verifier.labels, progress=not args.quiet)
    cfg = AdjustConfig(method=args.method, restarts=args.restarts)
    diversity = args.diversity if args.diverse else 0.0
    with output_folder(out, "retouch", None, inputs=inputs, overwrite=args.overwrite, replace=True,
                       adopt=_adopt_retouch) as claim:
        index = cached_index(verifier, gallery, progress=not args.quiet, note=lambda t: print(f"note: {t}", file=sys.stderr))
        if args.top_k > len(gallery):
            print(f"note: the gallery holds {len(gallery)} backgrounds, fewer than --top-k {args.top_k}; all are kept",
                  file=sys.stderr)
        results = retouch(verifier, fg, gallery, index, top_k=args.top_k, adjust_config=cfg, colour=args.colour,
                          blend=args.blend, seed=args.seed, progress=not args.quiet, diversity=diversity,
                          placement_map=pmap)
        names = [f"{r.rank:02d}_{r.name}.png" for r in results]
        sheet = figure_png(contact_sheet(fg.sprite, results, title=shown(Path(args.foreground).name)))
        for r, name in zip(results, names):
            claim.write_png(name, r.image)
        claim.write_bytes("contact_sheet.png", sheet)
        claim.write_json("report.json", report_record(
            fg, results, foreground_path=shown(args.foreground), gallery=gallery, verifier=verifier, adjust_config=cfg,
            colour=args.colour, blend=args.blend, seed=args.seed, files=names + ["contact_sheet.png", "report.json"],
            top_k=args.top_k, diversity=diversity))
    for r in results:
        print(f"#{r.rank} {shown(r.name)}: content {r.content:.3f}, spatial {r.spatial:.3f} at "
              f"x {r.placement.x:.3f} y {r.placement.y:.3f} scale {r.placement.scale:.3f}")
    print(f"wrote {len(results)} composites, contact_sheet.png and report.json to {shown(out)}")
    return 0


def _photo_config(args: argparse.Namespace):
    from .photos import PhotoConfig

    return PhotoConfig(detector=args.detector, segmenter=args.segmenter, matte=args.matte, fill=args.fill,
                       max_side=args.max_side)


def _cmd_cutout(args: argparse.Namespace) -> int:
    from .files import atomic_write_bytes, check_outputs, read_photo, write_png
    from .compose import cut_at_bottom
    from .photos import NoPersonError, cutout, full_frame_rgba
    from .plots._common import figure_png
    from .plots.photos import photo_stages

    out = Path(args.out)
    if out.is_dir():
        raise ValueError(f"--out {out}: is a folder; give the cut-out's file name (for example person.png)")
    preview = Path(args.preview) if args.preview else out.with_name(out.stem + ".preview.png")
    if preview.is_dir():
        raise ValueError(f"--preview {preview}: is a folder; give the preview's file name")
    check_outputs({"--out": out, "--preview": preview}, {"photo": args.photo})
    cfg = _photo_config(args)
    photo, mode = read_photo(args.photo)
    try:
        c = cutout(photo, cfg, mode=mode, person=args.person, background=False)
    except NoPersonError as exc:
        more = "; choose a smaller --person (the preview of --person 1 numbers them)" if args.person > 1 else ""
        raise ValueError(f"{shown(args.photo)}: {exc}{more}") from exc
    except ValueError as exc:
        raise ValueError(f"{shown(args.photo)}: {exc}") from exc
    preview_png = figure_png(photo_stages(c, shown(Path(args.photo).name)))  # drawn before anything is written
    write_png(out, full_frame_rgba(c))
    atomic_write_bytes(preview, preview_png)
    p = c.placement
    note = f" (converted from {mode})" if mode != "RGB" else ""
    cut = "; cut by the photo's bottom edge" if cut_at_bottom(c.alpha) else ""
    print(f"person {args.person} of {len(c.people)} at x {p.x:.3f} y {p.y:.3f} scale {p.scale:.3f} ({c.route}){cut}"
          f"{note}; wrote {shown(out)} and {shown(preview)}")
    return 0


def _cmd_export_gallery(args: argparse.Namespace) -> int:
    out = _out_dir(args.out)
    if args.photos:
        from .data import photo_gallery

        report = photo_gallery(args.photos, out, size=args.size, progress=not args.quiet)
        for f in report["skipped"]:
            print(f"  {f['photo']}: {f['reason']}")
        print(f"wrote {report['backgrounds']} parsed backgrounds to {shown(out)}; {len(report['failed'])} photos failed, "
              f"{len(report['skipped'])} files skipped (see {shown(out / 'report.json')})")
        return 0
    from .data.gallery import GALLERY_ALSO, adopt_gallery, write_world_gallery
    from .outputs import output_folder

    settings = {"n": args.n, "seed": args.seed, "size": args.size, "cutouts": args.cutouts}
    with output_folder(out, "export-gallery", settings, adopt=adopt_gallery, also=GALLERY_ALSO) as claim:
        resumed = sum(1 for n in claim.owned if n.endswith(".labels.png") and claim.owned[n])
        # people of other scenes (seed + 1) as cut-outs, where they stood
        write_world_gallery(claim, args.n, args.seed, args.size, args.cutouts, progress=not args.quiet)
    kept = f" ({resumed} kept from an earlier run)" if resumed else ""
    print(f"wrote {args.n} backgrounds{kept} (NAME.png, NAME.labels.png, labels.json) and {args.cutouts} cut-outs "
          f"(cutouts/) to {shown(out)}")
    return 0


def _add_dataclass_options(parser: argparse.ArgumentParser, cls: type, skip: tuple[str, ...] = ()) -> None:
    """One ``--option`` per field of a config dataclass, typed by its default, described by the
    field's ``#:`` comment (:func:`artlib.config.field_docs`)."""
    from dataclasses import MISSING, fields

    from .config import field_docs

    docs = field_docs(cls)
    group = parser.add_argument_group(cls.__name__, " ".join((cls.__doc__ or "").strip().split("\n\n")[0].split()))
    for f in fields(cls):
        if f.name in skip:
            continue
        default = None if f.default is MISSING else f.default
        kind = type(default) if default is not None else str
        if kind is bool:
            kind = _yes_no
        group.add_argument(f"--{f.name.replace('_', '-')}", dest=f.name, type=kind, default=None,
                           required=f.default is MISSING,
                           help=f"{docs.get(f.name, '')} ({'required' if f.default is MISSING else f'default: {default}'})")


def _add_photo_options(parser: argparse.ArgumentParser) -> None:
    from .photos import DETECTORS, FILLS, MATTES, SEGMENTERS, PhotoConfig

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
    g.add_argument("--max-side", type=_int_in(64, 4096), default=512,
                   help="photos are reduced to this many pixels on the longer side (default 512)")


def _add_build_dataset(sub) -> None:
    """The ``build-dataset`` command."""
    d = sub.add_parser("build-dataset", help="build or resume the ART dataset of a profile")
    d.add_argument("--profile", choices=PROFILES, default="book", help="parameter profile (default: book)")
    d.add_argument("--out", help="output folder (default: the profile's data_dir)")
    d.add_argument("--workers", type=_int_in(0, 64), default=0, help="rendering processes (default: the profile's)")
    d.add_argument("--no-verify", action="store_true", help="on a re-run, check the files' sizes only, not their hashes")
    d.add_argument("--photos", help="a folder of your own photos: detect, cut out, fill and parse each (real-photo sources)")
    d.add_argument("--size", type=_int_in(16, 1024), default=256,
                   help="with --photos: the sources' square size in pixels (default 256)")
    d.add_argument("--quiet", action="store_true", help="no progress bar")
    _add_photo_options(d)
    d.set_defaults(func=_cmd_build_dataset)


def _add_chapter(sub) -> None:
    """The ``chapter`` command."""
    c = sub.add_parser("chapter", help="execute one chapter with papermill")
    c.add_argument("name", choices=CHAPTERS, help="chapter to execute")
    c.add_argument("--profile", choices=PROFILES, default="book", help="parameter profile (default: book)")
    c.add_argument("--out", default="book/executed", help="folder for the executed notebook (default: book/executed)")
    c.add_argument("--force", action="store_true", help="re-execute even if up to date")
    c.set_defaults(func=_cmd_chapter)


def _add_train(sub) -> None:
    """The ``train`` command."""
    t = sub.add_parser("train", help="train a verifier on a built dataset (works under torchrun)",
                       description="Train the multi-task verifier. Under torchrun --nproc_per_node N it uses "
                                   "DistributedDataParallel (gloo on CPU, NCCL on GPU).")
    t.add_argument("--out", required=True, help="run folder (checkpoint.pt, metrics.json, predictions.npz)")
    t.add_argument("--restart", action="store_true", help="ignore an existing checkpoint in --out")
    t.add_argument("--quiet", action="store_true", help="no progress bar")
    from .model import VerifierConfig
    from .train import TrainConfig

    _add_dataclass_options(t, TrainConfig)
    _add_dataclass_options(t, VerifierConfig)
    t.set_defaults(func=_cmd_train)


def _add_retouch(sub) -> None:
    """The ``retouch`` command."""
    from .adjust.config import DEFAULT_START, METHODS, AdjustConfig
    from .variety import DIVERSITY
    from .harmonize import BLENDS, COLOURS

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
    r.add_argument("--top-k", type=_int_in(1, 1000), default=5, help="backgrounds to keep (default 5; a smaller "
                   "gallery keeps all)")
    r.add_argument("--diverse", action=argparse.BooleanOptionalAction, default=True,
                   help="keep different kinds of place: after the best background, trade content score against "
                        "likeness to those kept (maximal marginal relevance; default); --no-diverse keeps the plain "
                        "top k, as the paper")
    r.add_argument("--diversity", type=_float_in(0.0, 1.0, high_open=True), default=DIVERSITY,
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
    r.add_argument("--restarts", type=_int_in(1, 256), default=AdjustConfig.restarts,
                   help=f"random restarts of the ascent methods (default {AdjustConfig.restarts})")
    r.add_argument("--colour", default=COLOURS[0], choices=COLOURS,
                   help=f"colour transfer of the person to the background (default {COLOURS[0]})")
    r.add_argument("--blend", default=BLENDS[0], choices=BLENDS,
                   help=f"how the person is blended into the background (default {BLENDS[0]})")
    r.add_argument("--seed", type=_int_in(0, 2**31 - 1), default=0, help="seed of the search's random starts (default 0)")
    r.add_argument("--quiet", action="store_true", help="no progress bars")
    r.set_defaults(func=_cmd_retouch)


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
    g.add_argument("--n", type=_int_in(1, 100_000), default=200, help="backgrounds to render (default 200)")
    g.add_argument("--seed", type=_int_in(0, 2**31 - 1), default=2026, help="world seed (default 2026; datasets use 0)")
    g.add_argument("--size", type=_int_in(16, 1024), default=64, help="canvas side in pixels (default 64, the book "
                   "profile's)")
    g.add_argument("--cutouts", type=_int_in(0, 1000), default=4, help="cut-outs to write (default 4)")
    g.add_argument("--photos", help="instead of the world: a folder of your background photos (JPEG, PNG, ...), each "
                   "centre-cropped, parsed, and kept at --size and at full resolution")
    g.add_argument("--quiet", action="store_true", help="no progress bar")
    g.set_defaults(func=_cmd_export_gallery)


def _add_cutout(sub) -> None:
    """The ``cutout`` command."""
    k = sub.add_parser("cutout", help="cut the main person out of a photo (detect, matte) for artlib retouch",
                       description="Detect the main person in a photo, matte them, and write a full-frame RGBA cut-out "
                                   "(the person where they stood, transparent elsewhere) and a preview of every stage.")
    k.add_argument("photo", help="the photo (JPEG, PNG, ...; grayscale and CMYK are converted)")
    k.add_argument("--out", required=True, help="the cut-out PNG to write")
    k.add_argument("--preview", help="the preview PNG (default: OUT with .preview.png)")
    k.add_argument("--person", type=_int_in(1, 1000), default=1,
                   help="which person when there are several: 1 is the largest (nearest), 2 the next (default 1; the "
                        "preview numbers them)")
    _add_photo_options(k)
    k.set_defaults(func=_cmd_cutout)


def _add_book(sub) -> None:
    """The ``book`` command."""
    b = sub.add_parser("book", help="execute all chapters, then build the HTML book")
    b.add_argument("--profile", choices=PROFILES, default="book", help="parameter profile (default: book)")
    b.add_argument("--force", action="store_true", help="re-execute chapters even if up to date")
    b.add_argument("--no-html", action="store_true", help="only execute the chapters")
    b.set_defaults(func=_cmd_book)


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
    sub = p.add_subparsers(dest="command", required=True)
    _add_build_dataset(sub)
    _add_chapter(sub)
    _add_train(sub)
    _add_retouch(sub)
    _add_export_gallery(sub)
    _add_cutout(sub)
    _add_book(sub)
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
