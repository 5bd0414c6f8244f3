"""What each ``artlib`` command does (:mod:`artlib.cli`): read the options, call the library, print.

One function per command, ``NAME(args) -> int``; library imports inside them, so ``artlib --help``
imports no torch. Used by every chapter's command.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from ..chapters import CHAPTERS, project_root, run_chapter
from ..choice import DEFAULT_MAPS, default_checkpoint
from ..files import shown
from .options import photo_config

__all__ = ["book", "build_dataset", "chapter", "cutout", "export_gallery", "retouch", "train"]


def build_dataset(args: argparse.Namespace) -> int:
    from ..data import BuildConfig, build_dataset, table1
    from ..data.build import WORKER_BYTES, worker_count

    if args.photos:
        from ..data import build_photo_sources

        if not args.out:
            raise ValueError("--photos needs --out, the dataset folder to write")
        report = build_photo_sources(args.photos, _out_dir(args.out), size=args.size, cfg=photo_config(args),
                                     progress=not args.quiet)
        for f in report["failed"] + report["skipped"]:
            print(f"  {f['photo']}: {f['reason']}")
        print(f"{report['sources']} of {report['photos']} photos became sources in {shown(args.out)}; manifest: "
              f"{report['manifest']}")
        return 0
    from ..chapters import profile_params
    from ..config import config_from_params

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


def chapter(args: argparse.Namespace) -> int:
    out = run_chapter(args.name, args.profile, args.out, force=args.force)
    print(f"executed {args.name} -> {shown(out)}")
    return 0


def book(args: argparse.Namespace) -> int:
    root = project_root()
    for name in CHAPTERS:
        t0 = time.perf_counter()
        run_chapter(name, args.profile, root / "book" / "executed", force=args.force)
        print(f"{name}: {time.perf_counter() - t0:.0f} s")
    if args.no_html:
        return 0
    from ..chapters import build_html

    return build_html(root)


def train(args: argparse.Namespace) -> int:
    from ..config import config_from_params
    from ..model import VerifierConfig
    from ..files import check_outputs
    from ..train import TrainConfig, train

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


def _parse_start(text: str | None):
    """``--start x,y,scale`` as a placement, under the search's one rule (:func:`artlib.feasible.check_on_canvas`)."""
    from ..compose import Placement
    from ..feasible import check_on_canvas

    if text is None:
        return None
    try:
        x, y, scale = (float(v) for v in text.split(","))
        p = Placement(x, y, scale)
    except ValueError as exc:
        raise ValueError(f"--start must be three numbers x,y,scale (for example 0.5,0.9,0.5), got {text!r}") from exc
    check_on_canvas(p, "--start")
    return p


def _out_dir(path: str) -> Path:
    out = Path(path)
    if out.exists() and not out.is_dir():
        raise ValueError(f"--out {out}: exists and is not a folder")
    return out


def _placement_map(args: argparse.Namespace, verifier):
    """The placement map of ``--method map``: ``--placement-map``, or the one chapter 4 chose for this verifier."""
    from ..train import load_placement_map

    if args.placement_map:
        return load_placement_map(args.placement_map, verifier)
    from ..evaluate.maps import read_map_choice

    try:
        return read_map_choice(project_root() / DEFAULT_MAPS, verifier)[1]
    except FileNotFoundError:  # no map chosen, or no project here at all
        raise ValueError(f"--method map needs --placement-map PATH: no map of this verifier is chosen under "
                         f"{DEFAULT_MAPS} (chapter 4 of make book trains and chooses one for the book's verifier)") from None


def retouch(args: argparse.Namespace) -> int:
    from ..adjust import AdjustConfig
    from ..data import read_gallery
    from ..files import check_outputs, read_image
    from ..outputs import output_folder
    from ..plots import contact_sheet, figure_png
    from ..retouch import adopt_retouch_folder, foreground_from_cutout, report_record, retouch
    from ..select import cached_index
    from ..train import load_verifier

    out = _out_dir(args.out)
    start = _parse_start(args.start)
    ckpt = Path(args.checkpoint) if args.checkpoint else default_checkpoint(project_root())  # the project only when needed
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
                       adopt=adopt_retouch_folder) as claim:
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
        if r.camera is not None:
            how = "bounded by the camera rule" if r.camera["bounded"] else "left to the verifier; camera rule"
            print(f"    height {how}: {r.camera['describe']}")
    print(f"wrote {len(results)} composites, contact_sheet.png and report.json to {shown(out)}")
    return 0


def cutout(args: argparse.Namespace) -> int:
    from ..files import atomic_write_bytes, check_outputs, read_photo, write_png
    from ..compose import cut_at_bottom
    from ..photos import NoPersonError, cutout, full_frame_rgba
    from ..plots._common import figure_png
    from ..plots.photos import photo_stages

    out = Path(args.out)
    if out.is_dir():
        raise ValueError(f"--out {out}: is a folder; give the cut-out's file name (for example person.png)")
    preview = Path(args.preview) if args.preview else out.with_name(out.stem + ".preview.png")
    if preview.is_dir():
        raise ValueError(f"--preview {preview}: is a folder; give the preview's file name")
    check_outputs({"--out": out, "--preview": preview}, {"photo": args.photo})
    cfg = photo_config(args)
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


def export_gallery(args: argparse.Namespace) -> int:
    out = _out_dir(args.out)
    if args.photos:
        from ..data import photo_gallery

        report = photo_gallery(args.photos, out, size=args.size, progress=not args.quiet)
        for f in report["skipped"]:
            print(f"  {f['photo']}: {f['reason']}")
        print(f"wrote {report['backgrounds']} parsed backgrounds to {shown(out)}; {len(report['failed'])} photos failed, "
              f"{len(report['skipped'])} files skipped (see {shown(out / 'report.json')})")
        return 0
    from ..data.gallery import GALLERY_ALSO, adopt_gallery, write_world_gallery
    from ..outputs import output_folder

    settings = {"n": args.n, "seed": args.seed, "size": args.size, "cutouts": args.cutouts}
    with output_folder(out, "export-gallery", settings, adopt=adopt_gallery, also=GALLERY_ALSO) as claim:
        resumed = sum(1 for n in claim.owned if n.endswith(".labels.png") and claim.owned[n])
        # people of other scenes (seed + 1) as cut-outs, where they stood
        write_world_gallery(claim, args.n, args.seed, args.size, args.cutouts, progress=not args.quiet)
    kept = f" ({resumed} kept from an earlier run)" if resumed else ""
    print(f"wrote {args.n} backgrounds{kept} (NAME.png, NAME.labels.png, labels.json) and {args.cutouts} cut-outs "
          f"(cutouts/) to {shown(out)}")
    return 0
