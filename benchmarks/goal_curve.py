"""Benchmark: the spatial head's goal measures against training minutes and data size.

Trains one variant of chapter 3's study (default: the grounded recipe with map fusion and the
camera cue) with the book profile's settings but more epochs, on all of its recipe's training
data or on part of it (``--train-limit``: samples per epoch), and prints after every epoch the
oracle's grid measures on fresh *validation* scenes against the cumulative training minutes,
then the goals of :data:`artlib.ablation.GOALS` on those scenes. Needs chapter 1's datasets
(``make book`` or ``artlib chapter 01_dataset``). The last line is one JSON object.

    python benchmarks/goal_curve.py --epochs 12
    python benchmarks/goal_curve.py --epochs 12 --train-limit 3000 --out runs/goal-curve-3000
"""
from __future__ import annotations

import argparse
import json

import pandas as pd

from artlib.ablation import GOALS, STUDY, goal_table, run_study
from artlib.evaluate import fresh_queries
from artlib.model import VerifierConfig
from artlib.train import TrainConfig


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--variant", default="grounded + map fusion + camera cue", choices=list(STUDY),
                    help="study variant (default: grounded + map fusion + camera cue)")
    ap.add_argument("--epochs", type=int, default=12, help="epochs of training (default 12; the book: 4)")
    ap.add_argument("--train-limit", type=int, default=0, help="training samples per epoch, 0 for all (default)")
    ap.add_argument("--scenes", type=int, default=48, help="fresh validation scenes, measured every epoch (default 48)")
    ap.add_argument("--out", default="runs/goal-curve", help="folder of the run (resumable; default runs/goal-curve)")
    ap.add_argument("--data", default="data/book", help="chapter 1's dataset folder; recipes add -balanced, -grounded")
    args = ap.parse_args()
    dirs = {"paper": args.data, "balanced": f"{args.data}-balanced", "grounded": f"{args.data}-grounded"}
    base = VerifierConfig(encoder="test_resnet", image_size=64)
    tcfg = TrainConfig(data_dir=args.data, epochs=args.epochs, batch_size=20, lr=1e-3, train_limit=args.train_limit)
    scenes = fresh_queries("val", args.scenes, 64)
    row = run_study(base, tcfg, dirs, args.out, [args.variant], scenes, epoch_scenes=args.scenes, progress=True).iloc[0]
    curve = goal_table(row["run"])
    with pd.option_context("display.precision", 3, "display.width", 120):
        print(curve)
    reached = {k: round(float(row[k]), 3) for k in GOALS}
    print(f"epoch kept by the validation loss: {reached} against the goals {GOALS}")
    print(json.dumps({"variant": args.variant, "epochs": args.epochs, "train_limit": args.train_limit,
                      "minutes": round(float(row["minutes"]), 2), **reached,
                      "best_plausible_by_epoch": [round(float(v), 3) for v in curve["best_plausible"]],
                      "spatial_auc_by_epoch": [round(float(v), 3) for v in curve["spatial_auc"]]}))


if __name__ == "__main__":
    main()
