# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 4. Foreground adjustment
#
# Section 4.3 of the paper moves the foreground "in 3-dimensional space $(x, y, scale)$ guided
# by numerical gradient" of the verifier's spatial score, from several random initial points,
# and keeps the best result (Section 4.1). The authors' released code does something else: a
# greedy search of twelve moves per round (one step of 1/20 of the image left, right, up or down,
# times a scale factor 0.95, 1 or 1.05), ten rounds, from one fixed start, re-encoding all three
# inputs for every candidate. This chapter implements both, adds the exact gradient through a
# differentiable paste and a FOPA-like grid search, and judges every result with the world's
# oracle, not with the verifier that produced it.
#
# All four methods are one call, `artlib.adjust.adjust(verifier, sprite, background, parse,
# method=...)`. The background side, $B$ and $S$, is encoded once per query; only $F$ changes
# as the person moves, and all restarts and finite-difference probes of a step run as one batch.

# %% tags=["parameters"]
data_dir = "data/book"  # the dataset of chapter 1: held-out people and backgrounds
choice = "runs/book/choice.json"  # the verifier chosen in chapter 3 (on validation)
paper_run = "runs/book/verifier"  # the paper's verifier of chapter 2, for contrast
n_queries = 40  # held-out test photos for the method comparison
n_scenes = 48  # fresh test scenes for the grid measures
restarts = 8  # R, random restarts of the ascent methods (each method keeps its default steps)
seed = 0

# %%
import pandas as pd

from artlib import plots
from artlib.adjust import METHODS, AdjustConfig
from artlib.ablation import read_choice
from artlib.dataset import load_manifest
from artlib.compose import Placement
from artlib.evaluate import (
    ascent_paths, compare_methods, dataset_queries, fresh_queries, grid_report, restarts_curve, score_surface, summarize_grid,
    summarize_methods,
)
from artlib.train import load_verifier, read_metrics
from artlib.widgets import AdjustSession, adjust_app

pd.set_option("display.precision", 3)
manifest = load_manifest(data_dir)
chosen_run = read_choice(choice)["run"]
verifier, paper_verifier = load_verifier(chosen_run), load_verifier(paper_run)
cfg = AdjustConfig(restarts=restarts)
print(f"chosen verifier: {chosen_run} ({read_metrics(chosen_run)['verifier_config']['spatial_fusion']} spatial fusion)")
print(f"search settings: {cfg}")

# %% [markdown]
# ## The four methods
#
# | method | the paper's words or code | verifier evaluations per query |
# |---|---|---|
# | `numerical` | Section 4.3: central finite differences in $x$, $y$, $\log s$, gradient ascent from $R$ random starts | $7R(T+1)$ |
# | `greedy` | the authors' code: 12 moves a round, 10 rounds, one start, always to the best candidate | $1 + 12T$ |
# | `autograd` | ours: the exact gradient of $y^s$ through `grid_sample` | $R(T+1)$ forward and backward passes |
# | `grid` | FOPA-like: score a grid of $(x, y, s)$, refine the best cells by ascent | $G + 7K(T+1)$ |
#
# The ascent methods take normalised gradient steps (a step of length $\eta$ in the direction of
# the gradient) and keep a step only if the score does not fall; $\eta$ grows by 1.25 after a
# kept step and halves after a refused one. Every placement is projected onto the canvas: the
# person's box stays inside it and the scale between 0.1 and 0.9 of the canvas height.
#
# ## The surface the search climbs
#
# The spatial score over feet positions $(x, y)$ at three heights, for one held-out photo, beside
# the anchors where the oracle accepts a person of that height. The chosen verifier first, then
# the paper's.

# %%
queries = dataset_queries(manifest, "test", n=n_queries)
q = queries[0]
scales = (round(q.placement.scale * 0.7, 2), round(q.placement.scale, 2), round(q.placement.scale * 1.4, 2))
for name, model in (("chosen verifier", verifier), ("paper's verifier", paper_verifier)):
    s, ok = score_surface(model, q, scales)
    plots.score_surface(q.background, s, ok, scales, title=f"{name}: {q.name}, a {q.outfit} person in a {q.scene.place}");

# %% [markdown]
# ## Figure 4, redone: people moving uphill
#
# The paper's Figure 4 shows two moving sequences. Here are several, from held-out photos, with
# the chosen verifier and the paper's numerical ascent (the best of the restarts). Each frame
# gives the spatial score and the oracle's verdict (✓ plausible, ✗ not).

# %%
plots.filmstrips(ascent_paths(verifier, queries[:5], cfg, seed=seed));

# %% [markdown]
# The same start, climbed on the paper's verifier, whose spatial head chapter 2 found cannot
# tell where a person may stand:

# %%
plots.filmstrips(ascent_paths(paper_verifier, queries[:3], cfg, seed=seed));

# %% [markdown]
# ## Which method, at what cost
#
# Every method and four baselines on the held-out photos, from the same random starts
# (`greedy` from the first of them, as the authors use one). The oracle judges the result;
# IoU is with the box of the person as photographed (one plausible answer among many, so a
# low IoU is not a failure); the gap is how far the result's score falls below the best cell
# of an exhaustive grid scored by the same verifier (negative: the search beat the grid).
# Baselines: a random placement (the first start), the canvas centre at the training mean's
# height, the mean placement of the training photos, and the oracle's own choice (the
# plausible grid cell nearest the start: an upper bound that needs the oracle).

# %%
mean = manifest.frame().query("kind == 'D+' and split == 'train'")[["x", "y", "scale"]].mean()
mean_placement = Placement(*mean.tolist())
runs, results = compare_methods(verifier, queries, mean_placement, cfg=cfg, seed=seed)
table = summarize_methods(runs)
table

# %% [markdown]
# The same comparison with the paper's verifier:

# %%
paper_runs, paper_results = compare_methods(paper_verifier, queries, mean_placement, cfg=cfg, seed=seed)
summarize_methods(paper_runs)

# %% [markdown]
# ### Restarts
#
# Section 4.1 runs the adjustment "multiple times with random initial points" and keeps the
# best. How often is the result plausible with $R$ restarts? The first $R$ restarts of the runs
# above are exactly runs with $R$ restarts.

# %%
counts = tuple(r for r in (1, 2, 4, 8, 16) if r <= restarts)
curves = {m: restarts_curve(results, queries, m, counts) for m in ("numerical", "autograd")}
plots.restarts_curve(curves);
pd.DataFrame(curves).T

# %% [markdown]
# ## Does the score rank placements? Grid measures on fresh scenes
#
# Freshly rendered scenes of world seeds that no dataset used: each person is scored at every
# feasible cell of the grid, and the oracle judges every cell. Chance is the plausible share;
# the AUC says whether the spatial score ranks plausible cells above the others within a scene.

# %%
scenes = fresh_queries("test", n_scenes, manifest.config.size, manifest.config.background_mode, manifest.config.shadow)
grid_measures = pd.DataFrame({name: summarize_grid(grid_report(model, scenes))
                              for name, model in (("chosen verifier", verifier), ("paper's verifier", paper_verifier))})
grid_measures

# %% [markdown]
# ## Try it: the widget
#
# In JupyterLab, pick a held-out photo, drag the sliders and watch the composite and both
# scores change; *Step* takes one ascent step, *Run ascent* the configured number, *Restart*
# draws a random start. The oracle's verdict is shown beside the scores. The widget needs a
# running kernel; the built book shows the same story as the static figure below it.

# %% tags=["remove-output"]
sessions = {q.name: q for q in queries[:10]}
app = adjust_app(lambda name: AdjustSession(verifier, sessions[name].sprite, sessions[name].background,
                                            sessions[name].parse, scene=sessions[name].scene, config=cfg, seed=seed),
                 list(sessions))
app

# %% [markdown]
# The static version: the session behind the widget, driven by code: a slider move to the
# canvas centre, three *Step* presses, then *Run ascent*.

# %%
plots.session_frames(AdjustSession(verifier, q.sprite, q.background, q.parse, scene=q.scene, config=cfg, seed=seed));
