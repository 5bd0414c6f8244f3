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
# # 3. Ablations, and a verifier that knows where a person can stand
#
# Two studies. The first repeats the paper's Table 2, which compares the verifier with and
# without the bi-attention (87.5% / 0.354 against 86.6% / 0.359) from one run each, over
# several seeds, beside the authors' released code and the $\lambda$ grid the paper says it
# searched. The second takes up what chapter 2 found: the paper's spatial head does not know
# where a person can stand. It measures the likely causes, the paper's *sampling* and its
# *late fusion*, and chooses the verifier of chapters 4 and 5 on the validation split. The test
# split and the fresh test scenes are read once, for the rows reported at the end.

# %% tags=["parameters"]
data_dir = "data/book"  # chapter 1's dataset, the paper's recipe
balanced_dir = "data/book-balanced"  # chapter 1's dataset, the balanced recipe
run_dir = "runs/book/ablation"  # Table 2 over seeds
encoder = "test_resnet"
pretrained_path = ""  # local weights file for the encoders (the paper profile needs one)
image_size = 32  # smaller than chapter 2: many runs
epochs = 2
batch_size = 20
lr = 1e-3
from_scratch = False
train_limit = 0
val_limit = 0
test_limit = 0
device = "auto"
seeds = [0, 1, 2]
variants = ["base (paper)", "-attention", "authors' code"]
lambdas = [0.25, 0.5, 0.75]
study_dir = "runs/book/study"  # the spatial head's study
study_image_size = 64
study_epochs = 4
study_train_limit = 0  # training samples per epoch in the study; 0 for all
study_variants = ["paper (faithful)", "paper, D_c- out of L_S", "balanced", "balanced + map fusion",
                  "balanced + map fusion + hidden head"]
paper_run = "runs/book/verifier"  # chapter 2's run: the faithful row when its settings match
n_scenes = 48  # fresh validation scenes (study) and fresh test scenes (report)
choice = "runs/book/choice.json"  # where the choice is written for chapters 4 and 5
seed = 0

# %%
import time

import numpy as np
import pandas as pd

from artlib import paper, plots
from artlib.ablation import (
    GOALS, STUDY, VARIANTS, choose, findings, goal_table, lambda_table, run_grid, run_study, signal_to_noise, summarize,
    test_report, write_choice,
)
from artlib.dataset import load_manifest
from artlib.evaluate import fresh_queries, height_band, kind_means
from artlib.model import VerifierConfig
from artlib.train import TrainConfig, load_verifier

chapter_start = time.perf_counter()
pd.set_option("display.precision", 3)
base = VerifierConfig(encoder=encoder, image_size=image_size, pretrained_path=pretrained_path or None)
tcfg = TrainConfig(data_dir=data_dir, epochs=epochs, batch_size=batch_size, lr=lr, train_limit=train_limit,
                   val_limit=val_limit, test_limit=test_limit, device=device, from_scratch=from_scratch)
pd.DataFrame({"changes from the paper's model": {k: (v or "none") for k, v in VARIANTS.items() if k in variants}})

# %% [markdown]
# ## Part 1. Table 2, over seeds
#
# Each seed changes the initialisation and the order of the training samples; the data and
# split stay the same. Every run keeps its epoch with the lowest validation loss, and the table
# reports its test metrics: mean ± standard deviation over the seeds.

# %%
runs = run_grid(base, tcfg, run_dir, variants, seeds, lambdas, progress=False)
print(f"{len(runs)} runs, {runs['train_seconds'].sum() / 60:.1f} min of training")
grid = runs[runs["variant"] != "lambda grid"]
summary = summarize(grid)
summary

# %%
paper_rows = pd.DataFrame(
    {"seeds": [1, 1],
     "accuracy": [f"{paper.TABLE2[k]['accuracy']:.3f}" for k in ("base model", "-Attention")],
     "rmse": [f"{paper.TABLE2[k]['rmse']:.3f}" for k in ("base model", "-Attention")]},
    index=["paper: base model", "paper: -Attention"],
)
pd.concat([paper_rows, summary[["seeds", "accuracy", "rmse"]]])

# %%
plots.ablation_bars(grid, "accuracy");
plots.ablation_bars(grid, "rmse");

# %% [markdown]
# How big is a difference compared with the spread between seeds? For each variant, the
# difference of its mean from the base model's, in units of the base model's seed standard
# deviation (a rough signal-to-noise ratio; with three seeds, values below about 2 are noise).

# %%
signal_to_noise(grid).round(2)

# %% [markdown]
# ### The $\lambda$ grid
#
# $\mathcal{L} = \lambda\,\mathcal{L}_C + (1 - \lambda)\,\mathcal{L}_S$, one seed per value (the
# base model's run of the same seed gives $\lambda = 0.5$).

# %%
lam_table = lambda_table(runs)
plots.lambda_grid(lam_table);
lam_table

# %% [markdown]
# ### Findings of part 1
#
# Each line below is computed from this run's numbers: a difference counts only when it is
# larger than twice the larger seed standard deviation of the two variants.

# %%
for line in findings(grid):
    print(line)
ref = grid[grid["variant"] == "base (paper)"]
paper_gap = paper.TABLE2["base model"]["accuracy"] - paper.TABLE2["-Attention"]["accuracy"]
seed_std = float(ref["accuracy"].std(ddof=1))
print(f"paper's accuracy gap from attention: {paper_gap:.3f}; seed-to-seed std of our base model "
      f"({len(ref)} seeds): {seed_std:.3f} ({'larger' if seed_std > paper_gap else 'smaller'} than the paper's gap)")
lam_spread = float(lam_table["auc"].max() - lam_table["auc"].min()) if len(lam_table) else float("nan")
print(f"spread of content AUC across the lambda grid: {lam_spread:.3f}; seed-to-seed std of the base "
      f"model's AUC: {float(ref['auc'].std(ddof=1)):.3f}")

# %% [markdown]
# **Attention.** The paper reads a 0.9-point accuracy gain and a 0.005 RMSE gain from the
# bi-attention out of single runs. Where the seed-to-seed spread printed above is larger than the
# paper's gap, a single run per variant, as in Table 2, cannot tell the two models apart. Our
# encoders, data and budget differ from the paper's, so the spread is evidence about the
# method, not about their runs. **The authors' code** also changes the loss (sigmoid heads,
# $\mathrm{MSE} + 1.5\,\mathrm{MSE}$), so its accuracy is not from the same objective.
# **$\lambda$:** where the grid's spread is no larger than the seed spread, the grid cannot
# single out a best $\lambda$: "selected by grid search" would then be selecting noise.
#
# ## Part 2. Why the spatial head fails, and what mends it
#
# Chapter 2's oracle found a spatial head that ranks placements no better than a coin. Three
# causes are plausible, and each is measured here rather than assumed:
#
# * **the paper's sampling.** A content negative keeps the other person at *their own,
#   plausible* place with spatial target 0, while every moved person is labelled content-
#   consistent. Plausibility is then tied to the wrong label. Two fixes: leave the content
#   negatives out of the spatial loss (the simplest), or the **balanced recipe** of chapter 1,
#   which places content negatives the way positives and spatial negatives are placed and gives
#   them the eq. (1) target (no oracle is used to make labels: real photos have none);
# * **late fusion.** $F$, $B$ and $S$ meet only as $2\times2$ pooled vectors. The **map fusion**
#   encodes $B$, $S$ and two coordinate channels into a stride-4 feature map once per
#   background; $F$'s RGBA joins that map through a small strided stem and a few convolutions
#   judge the pair (`artlib.model.MapFusion`);
# * **a linear content head.** The paper's equations give each head one linear layer on the
#   concatenated features, which can only add up evidence from $F$ and from $B$; "this outfit
#   fits this place" is an interaction. Its text says "fully connect layers": the **hidden
#   head** variant reads it that way (one hidden layer of 256).
#
# Every variant trains with the same budget at the same size, and is measured on the
# validation split and on fresh validation scenes with the oracle: the grid measures of
# chapter 2, the paper's numerical ascent from random starts, and the content head against the
# oracle's outfit rule. Split metrics (AUC, RMSE, Spearman) are each recipe's own labels, so
# they compare within a recipe only; the oracle's measures compare across recipes.

# %%
study_base = VerifierConfig(encoder=encoder, image_size=study_image_size, pretrained_path=pretrained_path or None)
study_tcfg = TrainConfig(data_dir=data_dir, epochs=study_epochs, batch_size=batch_size, lr=lr, train_limit=study_train_limit,
                         val_limit=val_limit, test_limit=test_limit, device=device, from_scratch=from_scratch, seed=seed)
val_scenes = fresh_queries("val", n_scenes, load_manifest(data_dir).config.size)
study = run_study(study_base, study_tcfg, {"paper": data_dir, "balanced": balanced_dir}, study_dir, study_variants,
                  val_scenes, reuse={"paper (faithful)": paper_run}, progress=False)
study.drop(columns=["run"]).T

# %% [markdown]
# ### The choice, on validation
#
# The rule, fixed before looking: among the variants whose content AUC against the oracle is
# at least the faithful verifier's (less 0.01), the one whose best grid cell is plausible in
# the most scenes; ties go to the spatial AUC, then to the ascent.

# %%
chosen = choose(study)
write_choice(choice, chosen, study)
print(f"chosen: {chosen!r} ({STUDY[chosen][0]} recipe, {STUDY[chosen][1] or 'the paper model'})")

# %% [markdown]
# ### Reported once: the test split and fresh test scenes
#
# The faithful verifier and the chosen one on the test split (each recipe's own labels) and on
# freshly rendered test scenes judged by the oracle.

# %%
test_scenes = fresh_queries("test", n_scenes, load_manifest(data_dir).config.size)
report = test_report({"paper (faithful)": study.loc["paper (faithful)", "run"], f"chosen: {chosen}": study.loc[chosen, "run"]},
                     test_scenes, seed=seed)
report.T

# %%
goals = pd.DataFrame({"goal": GOALS, "reached (test scenes)": report.iloc[-1][list(GOALS)]})
goals["met"] = goals["reached (test scenes)"] >= goals["goal"]
goals

# %% [markdown]
# ### The shortcut, with and without the fix
#
# Mean content probability per sample type on each run's test split, with 95% bootstrap
# intervals. Under the paper's sampling, moved foregrounds ($D_s^-$) get a higher content
# probability than positives; under the balanced recipe placement says nothing about content.

# %%
pd.concat({name: kind_means(dict(np.load(f"{study.loc[name, 'run']}/predictions.npz")), seed=seed)
           for name in ("paper (faithful)", chosen)})

# %% [markdown]
# ### Where the head thinks a person can stand
#
# The mean spatial score over (feet below the horizon, height), averaged over the fresh test
# scenes, beside the oracle's share of plausible placements. The camera-height rule makes the
# plausible band a diagonal: a standing person is taller the lower the feet are.

# %%
below, scales = np.linspace(-0.1, 0.6, 15), np.geomspace(0.1, 0.9, 15)
bands = {name: height_band(load_verifier(study.loc[name, "run"]), test_scenes, below, scales)
         for name in ("paper (faithful)", chosen)}
plots.height_bands(bands, below, scales);

# %% [markdown]
# ### What more training buys
#
# The chosen variant's oracle measures after each epoch (on part of the validation scenes), against
# the minutes of training so far. The goals are the test-scene goals above; this table shows
# how far the budget of this profile gets, and whether more epochs would help.

# %%
goal_table(study.loc[chosen, "run"])

# %%
print(f"chapter run time: {(time.perf_counter() - chapter_start) / 60:.1f} min")
