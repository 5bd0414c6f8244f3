"""Foreground adjustment (Section 4.3): search over the placement ``(x, y, scale)``.

Given a trained verifier, a foreground sprite F, a background B and its parsing map S,
:func:`adjust` looks for the placement whose predicted spatial score ``y^s`` is highest. The
paper ascends "the numerical partial gradient of location and scale" from random initial
points and keeps the best (Section 4.1 and 4.3); the authors' code does a greedy search
instead. Five methods share one interface:

=============  ===============================================================  =======================
method         what it does                                                     verifier evaluations
=============  ===============================================================  =======================
``numerical``  the paper: central finite differences in ``x``, ``y``, ``log s``;   ``7 R (T + 1)``
               normalised gradient ascent with backtracking; ``R`` restarts
``greedy``     the authors' code: 12 moves per round (one step left/right/up/    ``1 + 12 T``
               down x scale 0.95/1/1.05, step 1/20 of the canvas), ``T`` = 10
               rounds, one start, always to the best candidate
``autograd``   ours: the exact gradient of ``y^s`` through the differentiable    ``R (T + 1)`` forward
               paste (:func:`artlib.compose.paste_torch`), same step rule          and backward passes
``grid``       FOPA-like: score a grid of ``(x, y, s)`` in batches, then refine  ``G + 7 K (T + 1)``
               the ``K`` best cells by numerical ascent
``map``        ours: the best cell of a dense map of ``(x, y, s)`` scored in one  one map pass, then
               pass by a :class:`~artlib.model.PlacementMap` distilled from the   ``7 K (T + 1)``
               verifier; optionally its ``K`` best cells refined by numerical
               ascent on the verifier (``map_refine``, default 0)
=============  ===============================================================  =======================

``R`` restarts, ``T`` steps, ``G`` feasible grid cells, ``K`` refined cells; each method
scores one more placement for the result's content score (``map`` without refinement: for its
content and spatial scores, in one pass).

**The default** is ``grid`` with an ``8 x 8 x 9`` grid whose best cell is refined by five
numerical steps. Its ``x`` and ``y`` steps were chosen on 48 fresh *validation* scenes of the
narrow world of version 1 of the world with that book's chosen verifier, by the rule "the
fastest configuration whose results are plausible (oracle) within one scene of the best"
(table below). In the varied world (version 2) the scales went from 5 to 9: five scales from
0.1 to 0.9 are a factor of 1.73 apart, wider than the oracle's height band (a factor of 1.67),
so a scene's band could fall between two of them; nine are a factor of 1.32 apart.

=========================  ==========  ===========  ===========
configuration (world v1)   plausible   s / query    evaluations
=========================  ==========  ===========  ===========
numerical, R 8, T 20       0.938       0.418        1177
numerical, R 8, T 5        0.958       0.158        337
numerical, R 4, T 10       0.833       0.085        309
grid 6 x 6 x 4, K 1, T 5   0.896       0.049        119
grid 8 x 8 x 5, K 1, T 5   0.958       0.078        219
grid 12 x 12 x 7, K 1, T 5 0.875       0.193        593
=========================  ==========  ===========  ===========

Chapter 4 and ``benchmarks/bench_adjust.py`` measure all four methods on test data.

**Step rule** (numerical and autograd): in the coordinates ``u = (x, y, log s)`` each
restart ``r`` moves by ``eta_r * g / |g|`` (a normalised gradient step, so the step length is
``eta_r`` whatever the scale of the score). A proposal is accepted only if its score is not
lower; then ``eta_r`` grows by 1.25 (up to ``4 * step_size``), otherwise it is halved and
the restart stays. The result is the best placement visited over all restarts.

**Feasible set**: ``scale`` in ``[scale_min, scale_max]``, the person's box inside the
canvas (``y - scale >= 0``, ``y <= 1``, ``x`` at least half the box width from either side).
Every proposal is projected onto it (clamped), so no method can produce an invalid placement.

**Encode once** (Section 4.1): B and S are encoded once per query
(:meth:`artlib.model.Verifier.encode_context`); only F changes as the person moves, and all
restarts and finite-difference probes of a step run as one batch. ``reuse_context=False``
with ``batch_size=1`` reproduces the authors' cost: all three encoders for every candidate,
one at a time.

Shown in chapter 4.

* :mod:`artlib.adjust.config`: the settings of the search and their defaults
* :mod:`artlib.adjust.space`: the feasible set, projection onto it, random starts and grids
* :mod:`artlib.adjust.scorer`: scoring placements in batches with B and S encoded once
* :mod:`artlib.adjust.map`: the dense score map of a placement map over ``map_grid``
* :mod:`artlib.adjust.methods`: the numerical, autograd, greedy, grid and map searches
* :mod:`artlib.adjust.search`: :func:`adjust`, the one entry point, and its result
"""
import lazy_loader

# Submodules load on first use (SPEC 1, scientific-python's lazy_loader): importing a config
# does not import torch, so ``artlib --help`` answers at once.
__getattr__, __dir__, __all__ = lazy_loader.attach(
    __name__,
    submod_attrs={
        'config': ['AdjustConfig', 'DEFAULT_START', 'DEFAULT_STEPS', 'GREEDY_SCALES', 'METHODS'],
        'map': ['MapScorer', 'MapSurface', 'map_surface'],
        'methods': ['Ascent', 'Trajectory'],
        'scorer': ['PlacementScorer'],
        'search': ['AdjustResult', 'adjust'],
        'space': ['full_grid', 'grid_placements', 'project', 'project_torch', 'random_placements', 'random_starts'],
    },
)
