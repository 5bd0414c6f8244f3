"""Peak memory of the commands that write many files (goal: bounded, not growing with the output).

* ``artlib export-gallery --n N --size S``: the gallery is streamed to disk one background at a
  time, so its peak should not grow with ``N`` (it held every background until the end before:
  about 13 MB per background at 1024 px);
* ``artlib build-dataset --workers W``: rendering workers import no torch (they took 0.86 GB
  each before), and their number is capped by cores and free memory.

Each command runs in a fresh process; its process tree's resident memory is sampled every 50 ms
(psutil) and the peak of the whole tree and of the largest worker are printed, with the wall time.
Run: ``python benchmarks/bench_memory.py [--n 1000] [--size 1024] [--sources 400] [--workers 2]``.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil


def peak_memory(cmd: list[str]) -> dict[str, float]:
    """Run ``cmd``; the peak resident memory of its process tree and of its largest child (MB), and seconds."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    root = psutil.Process(proc.pid)
    tree = child = 0.0
    while proc.poll() is None:
        try:
            procs = [root, *root.children(recursive=True)]
            rss = [p.memory_info().rss for p in procs]
        except psutil.Error:
            continue
        tree = max(tree, sum(rss))
        child = max([child, *rss[1:]])
        time.sleep(0.05)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed: {proc.stderr.read().decode()}")
    return {"peak_mb": round(tree / 2**20, 1), "largest_worker_mb": round(child / 2**20, 1),
            "seconds": round(time.perf_counter() - t0, 1)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1000, help="backgrounds of the gallery (default 1000)")
    ap.add_argument("--size", type=int, default=1024, help="their size in pixels (default 1024)")
    ap.add_argument("--sources", type=int, default=400, help="sources of the dataset build (default 400)")
    ap.add_argument("--workers", type=int, default=2, help="rendering processes asked for (default 2)")
    args = ap.parse_args()
    artlib = [sys.executable, "-m", "artlib"]
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        for n in (max(args.n // 10, 1), args.n):
            out[f"export-gallery --n {n} --size {args.size}"] = peak_memory(
                [*artlib, "export-gallery", "--out", str(Path(tmp) / f"g{n}"), "--n", str(n), "--size", str(args.size),
                 "--cutouts", "0", "--quiet"])
        for w in (1, args.workers):
            build = (f"from artlib.data import BuildConfig, build_dataset; build_dataset({str(Path(tmp) / f'ds{w}')!r}, "
                     f"BuildConfig(n_sources={args.sources}, size=64), workers={w}, progress=False)")
            out[f"build-dataset {args.sources} sources at 64 px, workers {w}"] = peak_memory([sys.executable, "-c", build])
    for name, rec in out.items():
        print(f"{name:48s} peak {rec['peak_mb']:8.1f} MB  largest worker {rec['largest_worker_mb']:7.1f} MB  "
              f"{rec['seconds']:7.1f} s")
    print(json.dumps(out))


if __name__ == "__main__":
    main()
