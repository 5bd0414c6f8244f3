"""How long ``artlib --help`` and every ``artlib CMD --help`` take (goal: under a second each).

Building the parser imports no torch: the config dataclasses and the option lists load without
it (lazy submodules, :mod:`lazy_loader`). Each command runs in a fresh process, five times; the
median is printed. Run: ``python benchmarks/bench_cli.py``.
"""
import json
import statistics
import subprocess
import sys
import time

COMMANDS = ("", "build-dataset", "chapter", "train", "retouch", "export-gallery", "cutout", "book")


def seconds(cmd: str, repeats: int = 5) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "artlib", *cmd.split(), "--help"], check=True, capture_output=True)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    out = {f"artlib {cmd} --help".replace("  ", " "): round(seconds(cmd), 3) for cmd in COMMANDS}
    for name, s in out.items():
        print(f"{name:32s} {s:.3f} s")
    out["slowest_s"] = max(out.values())
    print(json.dumps(out))


if __name__ == "__main__":
    main()
