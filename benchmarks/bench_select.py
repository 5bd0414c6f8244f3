"""Benchmark: ranking a gallery of 10,000 backgrounds, with a ready index against re-encoding.

With the index (:class:`artlib.select.GalleryIndex`) every background was encoded once
beforehand; scoring a foreground is one F encoding plus the fusion layer and the content
head per background. The authors' way re-encodes F, B and S for every pair; here it runs in
batches of 256 (kinder to it than their one pair at a time). Both are timed in one run on the
same gallery and the same foreground, at the book profile's verifier, and must rank the same.
The varied top 5 (:func:`artlib.variety.diverse_ranking`) is timed on top of the scores.

Goal (issue: background selection): at least 100x faster with the index, and a 10,000 gallery
scored in well under a second on 2 CPU cores. The last line is one JSON object.

    python benchmarks/bench_select.py                   # the verifier chosen by chapter 3 (book profile)
    python benchmarks/bench_select.py --run runs/book/verifier --n 2000
"""
from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import torch

from artlib import world
from artlib.compose import render_foreground
from artlib.data import Gallery
from artlib.select import GalleryIndex
from artlib.variety import DIVERSITY

from _common import load_model, verifier_parser


def main() -> None:
    ap = verifier_parser(__doc__)
    ap.add_argument("--n", type=int, default=10_000, help="gallery size (default 10,000)")
    ap.add_argument("--repeats", type=int, default=5, help="timed repeats of the index scoring; median (default 5)")
    args = ap.parse_args()
    _, model = load_model(args)
    t0 = time.perf_counter()
    scenes = [world.render_scene(world.PLACES[i % 16], args.size, np.random.default_rng([99, i])) for i in range(args.n)]
    gallery = Gallery(Path("."), [f"{i:05d}" for i in range(args.n)], np.stack([(s.background * 255).round().astype(np.uint8) for s in scenes]),
                      np.stack([s.labels for s in scenes]), [""] * args.n)
    render_s = time.perf_counter() - t0
    ws = world.make_world_sample(98, 0, args.size)
    fg = torch.from_numpy(render_foreground(ws.sprite, ws.placement, (args.size, args.size))).permute(2, 0, 1)[None]

    t0 = time.perf_counter()
    index = GalleryIndex.build(model, gallery)
    build_s = time.perf_counter() - t0
    times = []
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        fast = index.scores(model, fg)
        times.append(time.perf_counter() - t0)
    index_s = float(np.median(times))
    times = []
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        index.ranking(model, fg, 5, DIVERSITY)  # scores plus the varied top 5
        times.append(time.perf_counter() - t0)
    ranking_s = float(np.median(times))

    t0 = time.perf_counter()
    slow = []
    with torch.no_grad():
        for i in range(0, args.n, 256):
            bg = torch.from_numpy(gallery.backgrounds[i : i + 256]).permute(0, 3, 1, 2).float() / 255
            lab = torch.from_numpy(gallery.labels[i : i + 256].astype(np.int64))
            slow.append(model.score(fg.expand(len(bg), -1, -1, -1), model.encode_context(bg, lab), ("content",))["content"])
    reencode_s = time.perf_counter() - t0
    slow = torch.cat(slow).double().numpy()
    same = bool(np.array_equal(np.argsort(-fast, kind="stable")[:100], np.argsort(-slow, kind="stable")[:100]))
    print(f"{args.n} backgrounds at {args.size} px rendered in {render_s:.1f} s; index built in {build_s:.1f} s "
          f"(once per gallery and verifier)")
    print(f"scoring one foreground against the gallery: index {index_s * 1000:.1f} ms (median of {args.repeats}), "
          f"re-encoding B and S for every pair {reencode_s:.1f} s; same top 100: {same}; "
          f"max |difference| {np.abs(fast - slow).max():.1e}")
    print(f"the varied top 5 (diversity {DIVERSITY:g}), scores included: {ranking_s * 1000:.1f} ms")
    print(json.dumps({"index_s": round(index_s, 4), "reencode_s": round(reencode_s, 3),
                      "speedup": round(reencode_s / index_s, 1), "ranking_s": round(ranking_s, 4),
                      "gallery_size": args.n}))


if __name__ == "__main__":
    main()
