"""How long one ``artlib cutout`` takes as a whole process (goal: within 3 s per photo on 2 cores).

Each photo that installed packages ship (scikit-image's astronaut and cameraman, Matplotlib's
Grace Hopper) and, where ``make real-photos`` fetched them, Debian's example photos is cut out
by a fresh ``python -m artlib cutout`` process, imports, model loading and preview included,
three times; the median is printed per photo, for the default (bundled models) and the old
classical backends. Run: ``python benchmarks/bench_cutout.py [--real-photos data/real_photos]``.
"""
import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from artlib.evaluate.real import read_real_photos
from artlib.files import write_png

BACKENDS = {"ssd + pose": [], "hog + grabcut": ["--detector", "hog", "--segmenter", "grabcut"]}


def seconds(photo: Path, out: Path, extra: list[str], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "artlib", "cutout", str(photo), "--out", str(out), *extra],
                       capture_output=True, check=False)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--real-photos", default="data/real_photos", help="Debian's photos (make real-photos)")
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    photos = read_real_photos(args.real_photos)
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, ph in photos.items():
            path = Path(tmp) / f"{name}.png"
            write_png(path, ph.rgb)
            for backend, extra in BACKENDS.items():
                s = seconds(path, Path(tmp) / f"{name}.cut.png", extra, args.repeats)
                out[f"{name} ({backend})"] = round(s, 3)
                print(f"{name:14s} {backend:14s} {s:.2f} s")
    new = [v for k, v in out.items() if "ssd + pose" in k]
    out["slowest_default_s"] = max(new)
    out["median_default_s"] = statistics.median(new)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
