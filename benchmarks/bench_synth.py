"""Benchmark: synthetic-world scenes per second on one core, and the dataset's on-the-fly items.

Goal (issue: the foundation): at least 300 scenes/s at 64 px on one core, so that data never
limits training. Run: ``python benchmarks/bench_synth.py [--seconds 5]``.
"""
from __future__ import annotations

import argparse
import os
import tempfile
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")

import cv2  # noqa: E402

from artlib import world  # noqa: E402
from artlib.data import ARTDataset, BuildConfig, build_dataset  # noqa: E402


def rate(fn, seconds: float) -> float:
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        fn(n)
        n += 1
    return n / (time.perf_counter() - t0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=5.0, help="time per measurement (default 5)")
    args = ap.parse_args()
    cv2.setNumThreads(1)
    for size in (64, 256):
        r = rate(lambda i: world.make_world_sample(0, i, size), args.seconds)
        print(f"world photos (scene + person + paste), {size:3d} px, 1 core: {r:7.1f} /s")
    for size in (64, 256):
        with tempfile.TemporaryDirectory() as d:
            t0 = time.perf_counter()
            m = build_dataset(d, BuildConfig(n_sources=200, size=size, background_mode="clean"), progress=False)
            build = time.perf_counter() - t0
            ds = ARTDataset(m, "all")
            items = rate(lambda i: ds[i % len(ds)], args.seconds)
        print(f"dataset build, {size:3d} px, 1 process: {200 / build:7.1f} sources/s; "
              f"ARTDataset items (on-the-fly render): {items:7.1f} /s")


if __name__ == "__main__":
    main()
