"""Benchmark: per-query adjustment time, ours against the authors' procedure, in one run.

Ours: the default method of :func:`artlib.adjust.adjust` (numerical ascent, B and S encoded
once per query, restarts and finite-difference probes batched). The authors' procedure,
reproduced faithfully: greedy search (12 candidates a round, 10 rounds, one start), all three
encoders recomputed for every candidate, one candidate at a time. Both use the same verifier
on the same fresh test scenes, and the oracle judges both results. Also times the widget's
slider move (composite and both scores, design goal: about 100 ms).

Goal (issue: foreground adjustment): ours at least 10x faster per query at equal or better
plausibility. The last line is one JSON object.

    python benchmarks/bench_adjust.py                      # the verifier chosen by chapter 3 (book profile)
    python benchmarks/bench_adjust.py --run runs/book/verifier --queries 12
"""
from __future__ import annotations

import json
import time

import numpy as np

from artlib.adjust import AdjustConfig, adjust
from artlib.compose import Placement
from artlib.evaluate import fresh_queries, plausible_cells
from artlib.widgets import AdjustSession

from _common import load_model, verifier_parser


def main() -> None:
    ap = verifier_parser(__doc__)
    ap.add_argument("--queries", type=int, default=16, help="fresh test scenes (default 16)")
    args = ap.parse_args()
    chosen, model = load_model(args)
    queries = fresh_queries("test", args.queries, args.size)
    ours_cfg = AdjustConfig()
    authors_cfg = AdjustConfig(method="greedy", reuse_context=False, batch_size=1)
    ours_t, authors_t, ours_ok, authors_ok, ours_n, authors_n = [], [], [], [], [], []
    for k, q in enumerate(queries):
        start = Placement(0.0, 0.0, 1.0)  # the authors' start: the box at the top-left, projected
        t0 = time.perf_counter()
        a = adjust(model, q.sprite, q.background, q.parse, start=start, config=authors_cfg)
        authors_t.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        o = adjust(model, q.sprite, q.background, q.parse, seed=k, config=ours_cfg)
        ours_t.append(time.perf_counter() - t0)
        for res, ok, n in ((o, ours_ok, ours_n), (a, authors_ok, authors_n)):
            ok.append(bool(plausible_cells(q, np.array([res.placement.as_tuple()]))[0]))
            n.append(res.evaluations)
    session = AdjustSession(model, queries[0].sprite, queries[0].background, queries[0].parse, scene=queries[0].scene)
    moves = []
    for x in np.linspace(0.2, 0.8, 20):
        t0 = time.perf_counter()
        session.set_placement(float(x), 0.85, 0.4)
        moves.append(time.perf_counter() - t0)
    ours_s, authors_s = float(np.median(ours_t)), float(np.median(authors_t))
    print(f"verifier {chosen['run']}; {len(queries)} fresh test scenes at {args.size} px")
    print(f"ours    ({ours_cfg.method}, grid {ours_cfg.grid}, {ours_cfg.refine} cell refined by {ours_cfg.n_steps} steps, "
          f"B/S encoded once, batched): "
          f"{ours_s:.3f} s/query median, {np.mean(ours_n):.0f} evaluations, plausible {np.mean(ours_ok):.0%}")
    print(f"authors (greedy, 10 rounds, every encoder per candidate, one at a time):    "
          f"{authors_s:.3f} s/query median, {np.mean(authors_n):.0f} evaluations, plausible {np.mean(authors_ok):.0%}")
    print(f"widget slider move (composite + both scores): {1000 * float(np.median(moves)):.1f} ms median")
    print(json.dumps({"ours_s_per_query": round(ours_s, 4), "authors_s_per_query": round(authors_s, 4),
                      "speedup": round(authors_s / ours_s, 2), "ours_plausible": round(float(np.mean(ours_ok)), 3),
                      "authors_plausible": round(float(np.mean(authors_ok)), 3),
                      "slider_ms": round(1000 * float(np.median(moves)), 1)}))


if __name__ == "__main__":
    main()
