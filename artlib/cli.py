"""Command line of the ART book: ``python -m artlib --help``.

Commands:

* ``build-dataset``: build (or resume) an ART dataset from a profile's parameters;
* ``chapter``: execute one chapter with papermill under a profile;
* ``book``: execute every chapter, then build the HTML book with Jupyter Book.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

from .chapters import CHAPTERS, PROFILES, load_params, project_root, run_chapter


def _cmd_build_dataset(args: argparse.Namespace) -> int:
    from .dataset import BuildConfig, build_dataset, table1

    root = project_root()
    params = load_params(root, args.profile, "01_dataset")
    keys = set(BuildConfig.__dataclass_fields__)
    cfg = BuildConfig.from_dict({k: v for k, v in params.items() if k in keys})
    out = Path(args.out or params["data_dir"])
    t0 = time.perf_counter()
    manifest = build_dataset(out, cfg, workers=args.workers or int(params.get("workers", 1)))
    print(f"built {cfg.n_sources} sources at {cfg.size} px in {time.perf_counter() - t0:.1f} s -> {out}")
    print(table1(manifest).to_string())
    return 0


def _cmd_chapter(args: argparse.Namespace) -> int:
    out = run_chapter(args.name, args.profile, args.out, force=args.force)
    print(f"executed {args.name} -> {out}")
    return 0


def _cmd_book(args: argparse.Namespace) -> int:
    root = project_root()
    for name in CHAPTERS:
        t0 = time.perf_counter()
        run_chapter(name, args.profile, root / "book" / "executed", force=args.force)
        print(f"{name}: {time.perf_counter() - t0:.0f} s")
    if args.no_html:
        return 0
    _copy_mathjax(root / "build" / "_static")
    cmd = [
        str(Path(sys.executable).parent / "jupyter-book"), "build", str(root), "--toc", str(root / "book" / "_toc.yml"),
        "--config", str(root / "_config.yml"), "--builder", "html", "-W", "-n", "--keep-going",
    ]
    print("jupyter-book " + " ".join(cmd[1:]))
    return subprocess.call(cmd, cwd=root)


def _cmd_train(args: argparse.Namespace) -> int:
    from dataclasses import fields

    from .model import VerifierConfig
    from .train import TrainConfig, train

    vals = vars(args)
    vcfg = VerifierConfig(**{f.name: vals[f.name] for f in fields(VerifierConfig) if vals.get(f.name) is not None})
    tcfg = TrainConfig(**{f.name: vals[f.name] for f in fields(TrainConfig) if vals.get(f.name) is not None})
    res = train(vcfg, tcfg, args.out, resume=not args.restart, progress=not args.quiet)
    if res:
        for split in ("val", "test"):
            m = res[split]
            print(f"{split} (epoch {res['best_epoch']}): accuracy {m['accuracy']:.4f}  AUC {m['auc']:.4f}  "
                  f"RMSE {m['rmse']:.4f} (mean baseline {m['rmse_mean_baseline']:.4f})  "
                  f"Spearman {m['spearman_spatial_neg']:.3f}")
    return 0


def _add_dataclass_options(parser: argparse.ArgumentParser, cls: type, skip: tuple[str, ...] = ()) -> None:
    """One ``--option`` per field of a config dataclass, typed by its default."""
    from dataclasses import MISSING, fields

    group = parser.add_argument_group(cls.__name__)
    for f in fields(cls):
        if f.name in skip:
            continue
        default = None if f.default is MISSING else f.default
        kind = type(default) if default is not None else str
        if kind is bool:
            kind = lambda v: v.lower() in ("1", "true", "yes")  # noqa: E731
        group.add_argument(f"--{f.name.replace('_', '-')}", dest=f.name, type=kind, default=None,
                           required=f.default is MISSING, help=f"(default: {default})")


def _copy_mathjax(static: Path) -> None:
    """Put MathJax 3 (from the installed static package) where the book's HTML loads it."""
    import shutil

    import mathjax

    src = Path(mathjax.__file__).parent / "static" / "mathjax" / "es5" / "tex-svg.js"
    static.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src, static / "tex-svg.js")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="artlib",
        description="The ART book: build the synthetic ART dataset, execute chapters, build the book.",
    )
    sub = p.add_subparsers(dest="command", required=True)

    d = sub.add_parser("build-dataset", help="build or resume the ART dataset of a profile")
    d.add_argument("--profile", choices=PROFILES, default="book", help="parameter profile (default: book)")
    d.add_argument("--out", help="output folder (default: the profile's data_dir)")
    d.add_argument("--workers", type=int, default=0, help="rendering processes (default: the profile's)")
    d.set_defaults(func=_cmd_build_dataset)

    c = sub.add_parser("chapter", help="execute one chapter with papermill")
    c.add_argument("name", choices=CHAPTERS, help="chapter to execute")
    c.add_argument("--profile", choices=PROFILES, default="book", help="parameter profile (default: book)")
    c.add_argument("--out", default="book/executed", help="folder for the executed notebook (default: book/executed)")
    c.add_argument("--force", action="store_true", help="re-execute even if up to date")
    c.set_defaults(func=_cmd_chapter)

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

    b = sub.add_parser("book", help="execute all chapters, then build the HTML book")
    b.add_argument("--profile", choices=PROFILES, default="book", help="parameter profile (default: book)")
    b.add_argument("--force", action="store_true", help="re-execute chapters even if up to date")
    b.add_argument("--no-html", action="store_true", help="only execute the chapters")
    b.set_defaults(func=_cmd_book)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except (FileNotFoundError, ValueError) as exc:
        print(f"artlib: error: {exc}", file=sys.stderr)
        return 2
