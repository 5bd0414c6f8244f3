"""Benchmark: verifier training throughput against the bare encoders' forward+backward.

Goal (issue: the verifier): a whole training step (data rendering, three encoders, fusion,
heads, loss, Adam) within 15% of the bare encoders' forward+backward at the same batch.
Run after building a dataset (``make book`` or ``python -m artlib build-dataset``); by default
it uses the ``book`` profile's chapter-2 settings (dataset, encoder, image size):

    python benchmarks/bench_train.py
    python benchmarks/bench_train.py --encoder resnet18 --image-size 64
"""
from __future__ import annotations

import argparse
import time

import numpy as np
import torch
import yaml

from artlib.data import ARTDataset
from artlib.model import Verifier, VerifierConfig
from artlib.world import WORLD_LABELS
from artlib.data import collate


def timed(fn, steps: int, warmup: int = 2) -> float:
    for _ in range(warmup):
        fn(0)
    t0 = time.perf_counter()
    for i in range(steps):
        fn(i)
    return (time.perf_counter() - t0) / steps


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--profile", default="book", help="take defaults from params/PROFILE/02_verifier.yaml")
    ap.add_argument("--data", help="a built dataset folder (default: the profile's)")
    ap.add_argument("--encoder", help="timm model name (default: the profile's)")
    ap.add_argument("--image-size", type=int, help="encoder input size (default: the profile's)")
    ap.add_argument("--batch-size", type=int, default=20)
    ap.add_argument("--steps", type=int, default=10, help="steps per measurement (default 10)")
    ap.add_argument("--rounds", type=int, default=5, help="interleaved rounds; medians are reported (default 5)")
    args = ap.parse_args()
    with open(f"params/{args.profile}/02_verifier.yaml") as fh:
        prof = yaml.safe_load(fh)
    args.data = args.data or prof["data_dir"]
    args.encoder = args.encoder or prof["encoder"]
    args.image_size = args.image_size or prof["image_size"]
    torch.manual_seed(0)
    ds = ARTDataset(args.data, "train")
    model = Verifier(VerifierConfig(encoder=args.encoder, image_size=args.image_size), WORLD_LABELS)
    opt = torch.optim.Adam(model.parameters(), lr=1e-4)
    B, S = args.batch_size, args.image_size
    x3 = torch.rand(B, 3, S, S)
    encoders = [model.enc_f, model.enc_b, model.enc_s]

    def bare(_):
        loss = sum(enc.forward_features(x3).mean() for enc in encoders)
        loss.backward()

    rng = np.random.default_rng(0)

    def full(_):
        b = collate([ds[int(r)] for r in rng.integers(0, len(ds), B)])
        out = model(b["fg"], b["bg"], b["parse"])
        loss = model.loss(out, b["content"], b["spatial"])["loss"]
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    def data_only(_):
        collate([ds[int(r)] for r in rng.integers(0, len(ds), B)])

    # steady state: every source decoded once, as after the first epoch of training
    for i in range(len(ds)):
        ds[i]
    model.train()
    # interleaved rounds, medians: the machine's speed drifts more than the difference measured
    rounds = [(timed(bare, args.steps), timed(full, args.steps), timed(data_only, args.steps)) for _ in range(args.rounds)]
    t_bare, t_full, t_data = (float(np.median(col)) for col in zip(*rounds))
    print(f"encoder {args.encoder}, {S} px, batch {B}, torch threads {torch.get_num_threads()}, "
          f"median of {args.rounds} rounds of {args.steps} steps")
    print(f"bare encoders forward+backward: {t_bare:.3f} s/step ({B / t_bare:.1f} samples/s)")
    print(f"full training step:             {t_full:.3f} s/step ({B / t_full:.1f} samples/s)")
    print(f"  of which data rendering:      {t_data:.3f} s/step (sources cached)")
    print(f"overhead over bare encoders:    {100 * (t_full / t_bare - 1):+.1f}% (goal: within +15%)")


if __name__ == "__main__":
    main()
