"""Benchmark: per-query adjustment time, ours against the authors' procedure, in one run.

Ours: the default method of :func:`artlib.adjust.adjust` (the grid search, B and S encoded
once per query, cells and finite-difference probes batched), and the one-pass ``map`` method
(the best cell of chapter 4's chosen placement map, as it is and refined). The authors' procedure,
reproduced faithfully: greedy search (12 candidates a round, 10 rounds, one start), all three
encoders recomputed for every candidate, one candidate at a time. Both use the same verifier
on the same fresh test scenes, and the oracle judges both results. Also times the widget's
slider move (composite and both scores, design goal: about 100 ms) and the map's whole
``(x, y)`` surface at 5 scales (goal: under 20 ms at 64 px).

Goals: the default at least 10x faster per query than the authors' at equal or better
plausibility (issue: foreground adjustment); the map at least 50x faster than the authors' and
5x faster than the default (issue: placement in one pass). The last line is one JSON object.

    python benchmarks/bench_adjust.py                      # chapter 3's verifier, chapter 4's map (book profile)
    python benchmarks/bench_adjust.py --queries 12 --maps runs/book/placement_map
"""
from __future__ import annotations

import json
import time

import numpy as np

from artlib.adjust import AdjustConfig, adjust
from artlib.compose import Placement
from artlib.adjust import MapScorer
from artlib.evaluate import fresh_queries, plausible_cells, read_map_choice
from artlib.widgets import AdjustSession

from _common import load_model, verifier_parser


def main() -> None:
    ap = verifier_parser(__doc__)
    ap.add_argument("--queries", type=int, default=16, help="fresh test scenes (default 16)")
    ap.add_argument("--maps", default="runs/book/placement_map", help="chapter 4's placement maps (its choice.json)")
    args = ap.parse_args()
    chosen, model = load_model(args)
    map_name, pm = read_map_choice(args.maps, model)
    queries = fresh_queries("test", args.queries, args.size)
    ours_cfg = AdjustConfig()
    authors_cfg = AdjustConfig(method="greedy", reuse_context=False, batch_size=1)
    map_cfgs = {"map": AdjustConfig(method="map"), "map, refined": AdjustConfig(method="map", map_refine=1)}
    ours_t, authors_t, ours_ok, authors_ok, ours_n, authors_n = [], [], [], [], [], []
    map_t = {k: [] for k in map_cfgs}
    map_ok = {k: [] for k in map_cfgs}
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
        for name, mcfg in map_cfgs.items():
            t0 = time.perf_counter()
            m = adjust(model, q.sprite, q.background, q.parse, config=mcfg, placement_map=pm)
            map_t[name].append(time.perf_counter() - t0)
            map_ok[name].append(bool(plausible_cells(q, np.array([m.placement.as_tuple()]))[0]))
    surf_cfg = AdjustConfig(map_grid=(32, 32, 5))
    surf_t = []
    for q in queries:
        t0 = time.perf_counter()
        MapScorer(pm, q.sprite, q.background, q.parse).surface(surf_cfg)
        surf_t.append(time.perf_counter() - t0)
    session = AdjustSession(model, queries[0].sprite, queries[0].background, queries[0].parse, scene=queries[0].scene)
    moves = []
    for x in np.linspace(0.2, 0.8, 20):
        t0 = time.perf_counter()
        session.set_placement(float(x), 0.85, 0.4)
        moves.append(time.perf_counter() - t0)
    ours_s, authors_s = float(np.median(ours_t)), float(np.median(authors_t))
    map_s = {k: float(np.median(v)) for k, v in map_t.items()}
    print(f"verifier {chosen['run']}; {len(queries)} fresh test scenes at {args.size} px")
    print(f"ours    ({ours_cfg.method}, grid {ours_cfg.grid}, {ours_cfg.refine} cell refined by {ours_cfg.n_steps} steps, "
          f"B/S encoded once, batched): "
          f"{ours_s:.3f} s/query median, {np.mean(ours_n):.0f} evaluations, plausible {np.mean(ours_ok):.0%}")
    print(f"authors (greedy, 10 rounds, every encoder per candidate, one at a time):    "
          f"{authors_s:.3f} s/query median, {np.mean(authors_n):.0f} evaluations, plausible {np.mean(authors_ok):.0%}")
    for name, secs in map_s.items():
        print(f"{name:<13} (placement map {map_name!r}, grid {AdjustConfig().map_grid}, refine {map_cfgs[name].map_refine}): "
              f"{secs:.4f} s/query median, {authors_s / secs:.0f}x the authors', {ours_s / secs:.1f}x the default, "
              f"plausible {np.mean(map_ok[name]):.0%}")
    print(f"the map's whole surface, 32 x 32 feet positions at 5 scales, both encoders included: "
          f"{1000 * float(np.median(surf_t)):.1f} ms median")
    print(f"widget slider move (composite + both scores): {1000 * float(np.median(moves)):.1f} ms median")
    print(json.dumps({"ours_s_per_query": round(ours_s, 4), "authors_s_per_query": round(authors_s, 4),
                      "speedup": round(authors_s / ours_s, 2), "ours_plausible": round(float(np.mean(ours_ok)), 3),
                      "authors_plausible": round(float(np.mean(authors_ok)), 3),
                      "slider_ms": round(1000 * float(np.median(moves)), 1),
                      "map_s_per_query": round(map_s["map"], 5), "map_speedup": round(authors_s / map_s["map"], 1),
                      "map_speedup_vs_default": round(ours_s / map_s["map"], 2),
                      "map_plausible": round(float(np.mean(map_ok["map"])), 3),
                      "map_refined_s_per_query": round(map_s["map, refined"], 5),
                      "map_refined_plausible": round(float(np.mean(map_ok["map, refined"])), 3),
                      "surface_ms": round(1000 * float(np.median(surf_t)), 2)}))


if __name__ == "__main__":
    main()
