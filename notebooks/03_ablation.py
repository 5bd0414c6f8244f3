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
# # Ablations, and a verifier that knows where a person can stand
#
# *Built with the {glue:md}`profile` profile in {glue:text}`run_minutes:.1f` minutes; the
# parameters are in the first code cell.*
#
# Two studies. The first repeats the paper's Table 2, which compares the verifier with and
# without the bi-attention (87.5% / 0.354 against 86.6% / 0.359) from one run each, over
# several seeds, beside the authors' released code and the $\lambda$ grid the paper says it
# searched. The second takes up what chapter 2 found: the paper's spatial head does not know
# where a person can stand. It measures the likely causes, the paper's *sampling* and its
# *late fusion*, and chooses the verifier of chapters 4 and 5 on the validation split. The test
# split and the fresh test scenes are read once, for the rows reported at the end.

# %% tags=["parameters"]
profile = "book"  # the profile that built this page (set by artlib chapter / artlib book)
data_dir = "data/book"  # chapter 1's dataset, the paper's recipe
balanced_dir = (
    "data/book-balanced"  # chapter 1's dataset, the balanced recipe
)
grounded_dir = (
    "data/book-grounded"  # chapter 1's dataset, the grounded recipe
)
run_dir = "runs/book/ablation"  # Table 2 over seeds
encoder = "test_resnet"
pretrained_path = (
    ""  # local weights file for the encoders (the paper profile needs one)
)
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
study_variants = [
    "paper (faithful)",
    "balanced",
    "balanced + map fusion",
    "balanced + map fusion + camera cue",
    "grounded + map fusion + camera cue",
    "grounded + map fusion + camera cue + person crop",
]
paper_run = "runs/book/verifier"  # chapter 2's run: the faithful row if its settings match
n_scenes = (
    48  # fresh validation scenes (study) and fresh test scenes (report)
)
choice = "runs/book/choice.json"  # where the choice is written for chapters 4 and 5
seed = 0

# %% tags=["hide-input"]
import textwrap
import time

import numpy as np
import pandas as pd

from artlib import paper, plots
from artlib.ablation import (
    GOALS,
    STUDY,
    VARIANTS,
    choose,
    findings,
    goal_table,
    lambda_table,
    noise_summary,
    run_grid,
    run_study,
    signal_to_noise,
    study_config,
    summarize,
    test_report,
)
from artlib.choice import write_choice
from artlib.chapters import chapter_footer, glue_values
from artlib.config import config_from_params
from artlib.data import load_manifest
from artlib.evaluate import (
    fresh_queries,
    height_band,
    kind_means,
    labelled,
)
from artlib.model import VerifierConfig
from artlib.train import TrainConfig, load_verifier
from artlib.world import best_fixed, is_plausible

chapter_start = time.perf_counter()
pd.set_option("display.precision", 3)
# the parameters above that are fields of each config;
# its other fields keep the paper's values
base = config_from_params(VerifierConfig, globals())
tcfg = config_from_params(TrainConfig, globals())
pd.DataFrame(
    {
        "changes from the paper's model": {
            k: (v or "none") for k, v in VARIANTS.items() if k in variants
        }
    }
)

# %% [markdown]
# (sec-table2-seeds)=
# ## Part 1. Table 2, over seeds
#
# Each seed changes the initialisation and the order of the training samples; the data and
# split stay the same. Every run keeps its epoch with the lowest validation loss, and the table
# reports its test metrics: mean ± standard deviation over the seeds.

# %%
runs = run_grid(
    base, tcfg, run_dir, variants, seeds, lambdas, progress=False
)
print(
    f"{len(runs)} runs, "
    f"{runs['train_seconds'].sum() / 60:.1f} min of training"
)
grid = runs[runs["variant"] != "lambda grid"]
summary = summarize(grid)
glue_values(n_seeds=len(seeds), n_runs=len(runs))
summary

# %%
rows = ("base model", "-Attention")
paper_rows = pd.DataFrame(
    {
        "seeds": [1, 1],
        "accuracy": [f"{paper.TABLE2[k]['accuracy']:.3f}" for k in rows],
        "rmse": [f"{paper.TABLE2[k]['rmse']:.3f}" for k in rows],
    },
    index=["paper: base model", "paper: -Attention"],
)
pd.concat([paper_rows, summary[["seeds", "accuracy", "rmse"]]])

# %% mystnb={"figure": {"caption": "Table 2's accuracy per variant: mean and standard deviation over the seeds, each seed a dot.", "name": "fig-table2-accuracy"}}
plots.ablation_bars(grid, "accuracy");
# %% mystnb={"figure": {"caption": "Table 2's spatial RMSE per variant over the seeds.", "name": "fig-table2-rmse"}}
plots.ablation_bars(grid, "rmse");
# %% [markdown]
# How big is a difference compared with the spread between seeds? For each variant, the
# difference of its mean from the base model's, in units of the larger seed standard
# deviation of the two (a rough signal-to-noise ratio; the findings below count a difference
# only when this is above 2 in size).

# %%
signal_to_noise(grid).round(2)

# %% [markdown]
# ### The $\lambda$ grid
#
# $\mathcal{L} = \lambda\,\mathcal{L}_C + (1 - \lambda)\,\mathcal{L}_S$, one seed per value (the
# base model's run of the same seed gives $\lambda = 0.5$).

# %% mystnb={"figure": {"caption": "Content AUC and spatial RMSE across the lambda grid (one seed per value).", "name": "fig-lambda"}}
lam_table = lambda_table(runs)
plots.lambda_grid(lam_table);
# %%
lam_table

# %% [markdown]
# ### Findings of part 1
#
# Each line below is computed from this run's numbers: a difference counts only when it is
# larger than twice the larger seed standard deviation of the two variants.

# %%
for line in findings(grid):
    print(textwrap.fill(line, 76))
noise = noise_summary(
    grid,
    lam_table,
    paper_gap=paper.TABLE2["base model"]["accuracy"]
    - paper.TABLE2["-Attention"]["accuracy"],
)
glue_values(**noise)
pd.Series(
    {
        "paper's accuracy gap from attention": noise["paper_gap"],
        "seed std of our base model's accuracy": noise["seed_std"],
        "content AUC spread over the lambda grid": noise["lam_spread"],
        "seed std of our base model's AUC": noise["auc_std"],
    },
    name="value",
).to_frame()

# %% [markdown]
# **Attention.** The paper reads an accuracy gain of {glue:text}`paper_gap:.3f` from the
# bi-attention out of single runs. The seed-to-seed standard deviation of our base model is
# {glue:text}`seed_std:.3f` over {glue:text}`n_seeds` seeds, {glue:md}`spread_vs_gap` than the
# paper's gap: where it is larger, a single run per variant, as in Table 2, cannot tell the two
# models apart. Our encoders, data and budget differ from the paper's, so the spread is
# evidence about the method, not about their runs. **The authors' code** also changes the
# loss (sigmoid heads, $\mathrm{MSE} + 1.5\,\mathrm{MSE}$), so its accuracy is not from the
# same objective. **$\lambda$:** the content AUC spreads by {glue:text}`lam_spread:.3f` across
# the grid, {glue:md}`lam_vs_seed` than the seed spread of {glue:text}`auc_std:.3f`; where it
# is no larger, the grid cannot single out a best $\lambda$, and "selected by grid search"
# would be selecting noise.
#
# ## Part 2. Why the spatial head fails, and what mends it
#
# Chapter 2's oracle found a spatial head that does not know where a person can stand. Four
# causes are plausible, and each is measured here rather than assumed:
#
# * **the paper's sampling.** A content negative keeps the other person at *their own,
#   plausible* place with spatial target 0, while every moved person is labelled content-
#   consistent. Plausibility is then tied to the wrong label. The **balanced recipe** of
#   chapter 1 places content negatives the way positives and spatial negatives are placed and
#   gives them the eq. (1) target (no oracle is used to make labels: real photos have none);
# * **late fusion.** $F$, $B$ and $S$ meet only as $2\times2$ pooled vectors. The **map fusion**
#   encodes $B$, $S$ and two coordinate channels into a stride-4 feature map once per
#   background; $F$'s RGBA joins that map through a small strided stem and a few convolutions
#   judge the pair (`artlib.model.MapFusion`);
# * **the scene's geometry.** Whether a person is the right size depends on the horizon and
#   the camera's height, which the world varies from scene to scene. The **camera cue** adds one
#   channel to the map: the height of a standing person at each row, by the camera rule that
#   `artlib.cues` reads from $S$'s posts and horizon (chapter 1 measures its error; nothing is
#   read from the scene's parameters);
# * **the paper's target.** Chapter 1 found that eq. (1)'s targets rank plausibility poorly:
#   a short move onto water keeps a high target. The **grounded recipe** scores moves by
#   evidence from the data instead (the label under the feet, the height against the camera
#   rule, the canvas).
#
# One more cause concerns the content head, which chapter 5 needs to put the person in the
# right kind of place:
#
# * **the person's size in $F$.** The content head sees $F$ on the whole canvas, pooled to
#   $2\times2$: a person 0.3 of a 64-pixel canvas tall is 19 pixels, their outfit a few, and
#   where they stand changes what the encoder sees. The **person crop** cuts the person out of
#   $F$ around their alpha, at a fixed size (half the canvas side, twice as tall as wide), and
#   a fourth encoder reads it; the content head sees that code beside $h_B$ and $h_S$, through
#   one hidden layer (an outfit that fits a place is an interaction of the two, which one linear
#   layer cannot express), and never where the person stands (`Verifier.person_code`).
#
# Every variant trains with the same budget at the same size, and is measured on the
# validation split and on fresh validation scenes with the oracle: the grid measures of
# chapter 2, the paper's numerical ascent from random starts, and the content head against the
# oracle's outfit rule. Split metrics (AUC, RMSE, Spearman) are each recipe's own labels, so
# they compare within a recipe only; the oracle's measures compare across recipes.

# %%
study_base = config_from_params(
    VerifierConfig, globals(), image_size=study_image_size
)
study_tcfg = config_from_params(
    TrainConfig,
    globals(),
    epochs=study_epochs,
    train_limit=study_train_limit,
)
val_scenes = fresh_queries(
    "val", n_scenes, load_manifest(data_dir).config.size
)
study = run_study(
    study_base,
    study_tcfg,
    {
        "paper": data_dir,
        "balanced": balanced_dir,
        "grounded": grounded_dir,
    },
    study_dir,
    study_variants,
    val_scenes,
    reuse={"paper (faithful)": paper_run},
    progress=False,
)
labelled(study.drop(columns=["run"])).T

# %% [markdown]
# ### The choice, on validation
#
# The rule: the retoucher uses one verifier for both stages, so among the variants whose
# content AUC against the oracle is within a margin of the best variant's, the one whose best
# grid cell is plausible in the most scenes; ties go to the spatial AUC, then to the ascent.
# The margin is twice the seed spread of the content AUC measured in part 1
# ({glue:text}`content_margin:.3f`). This rule has changed twice after seeing results, and we
# say so. The first version kept variants within 0.01 of the *faithful* verifier's content
# AUC: in the first run in this world every content AUC lay within seed noise of chance, so
# that margin let the noise decide. The second version took the margin from measured noise but
# still measured from the faithful verifier, whose content head is at chance here: it admitted
# every head at chance, and chapter 5 then put a third of the people in the wrong kind of
# place. Measuring from the best content head keeps what chapter 5 needs. The grid behind
# "best cell" has 12 scales, a factor of 1.22 apart: well inside the oracle's height band (a
# factor of 1.67), so every scene's band holds cells.

# %%
content_margin = 2 * noise["auc_std"]
glue_values(content_margin=content_margin)
chosen = choose(study, content_tolerance=content_margin)
write_choice(
    choice, chosen, study.loc[chosen, "run"], study.loc[chosen, "recipe"]
)
glue_values(chosen=f"*{chosen}*")
changes = dict(
    sorted(
        study_config(study_base, chosen).to_dict().items()
        - study_base.to_dict().items()
    )
)
print(f"chosen: {chosen!r}\nrecipe: {STUDY[chosen][0]}")
print("changes from the paper model:")
print("\n".join(f"  {k} = {v!r}" for k, v in changes.items()) or "  none")

# %% [markdown]
# ### Reported once: the test split and fresh test scenes
#
# The faithful verifier and the chosen one on the test split (each recipe's own labels) and on
# freshly rendered test scenes judged by the oracle.

# %%
test_scenes = fresh_queries(
    "test", n_scenes, load_manifest(data_dir).config.size
)
report = test_report(
    {
        "paper (faithful)": study.loc["paper (faithful)", "run"],
        f"chosen: {chosen}": study.loc[chosen, "run"],
    },
    test_scenes,
    seed=seed,
)
labelled(report).T

# %%
fixed, fixed_val = best_fixed([q.scene for q in val_scenes])
fixed_test = float(
    np.mean([is_plausible(q.scene, fixed) for q in test_scenes])
)
faithful, ours = report.iloc[0], report.iloc[-1]
goals = pd.DataFrame(
    {
        "goal": {**GOALS, "points above the best fixed placement": 0.60},
        "reached (test scenes)": {
            **ours[list(GOALS)].to_dict(),
            "points above the best fixed placement": ours["best_plausible"]
            - fixed_test,
        },
    }
)
goals["met"] = goals["reached (test scenes)"] >= goals["goal"]
glue_values(
    fixed_test=100 * fixed_test,
    goals_met=int(goals["met"].sum()),
    goals_n=len(goals),
    ours_best=100 * ours["best_plausible"],
    faithful_best=100 * faithful["best_plausible"],
    ours_auc=ours["spatial_auc"],
    faithful_auc=faithful["spatial_auc"],
    ours_content=ours["content_auc"],
    faithful_content=faithful["content_auc"],
)
labelled(goals)

# %% [markdown]
# The verifier chosen on validation, {glue:md}`chosen`, places the best grid cell where a
# person can stand in {glue:text}`ours_best:.0f`% of the fresh test scenes, against
# {glue:text}`faithful_best:.0f`% for the faithful verifier; its spatial AUC for plausibility is
# {glue:text}`ours_auc:.2f` against {glue:text}`faithful_auc:.2f`, and its content AUC against
# the oracle's outfit rule {glue:text}`ours_content:.2f` against
# {glue:text}`faithful_content:.2f`. The best fixed placement (chosen on the validation
# scenes) is plausible in {glue:text}`fixed_test:.0f`% of the test scenes. It meets
# {glue:text}`goals_met` of the {glue:text}`goals_n` goals set for it (the content goal, a
# content AUC of 0.95, is what chapter 5's ranking needs); the table above says which, and
# the table at the end of the chapter how far more training would go.

# %% [markdown]
# ### The shortcut, with and without the fix
#
# Mean content probability per sample type on each run's test split, with 95% bootstrap
# intervals. Under the paper's sampling, moved foregrounds ($D_s^-$) get a higher content
# probability than positives; under the balanced recipe placement says nothing about content.

# %%
pd.concat(
    {
        name: kind_means(
            dict(np.load(f"{study.loc[name, 'run']}/predictions.npz")),
            seed=seed,
        )
        for name in ("paper (faithful)", chosen)
    }
)

# %% [markdown]
# ### Where the head thinks a person can stand
#
# The mean spatial score over (feet below the horizon, height), averaged over the fresh test
# scenes, beside the oracle's share of plausible placements. In each scene the camera rule makes
# the plausible band a line through the horizon, steeper the lower the camera; over scenes whose
# camera factors differ twentyfold the lines make a fan: a standing person is taller the lower
# the feet are, by how much depends on the scene.

# %% mystnb={"figure": {"caption": "Mean spatial score over (feet below the horizon, height) for the faithful and the chosen verifier, beside the oracle's share of plausible placements: the camera rule's fan over scenes.", "name": "fig-height-bands"}}
below, scales = np.linspace(-0.1, 0.6, 15), np.geomspace(0.1, 0.9, 15)
bands = {
    name: height_band(
        load_verifier(study.loc[name, "run"]), test_scenes, below, scales
    )
    for name in ("paper (faithful)", chosen)
}
plots.height_bands(bands, below, scales);
# %% [markdown]
# ### What more training buys
#
# The chosen variant's oracle measures after each epoch (on part of the validation scenes), against
# the minutes of training so far. The goals are the test-scene goals above; this table shows
# how far the budget of this profile gets, and whether more epochs would help. (Chapter 2's
# faithful run records only its validation loss: where the study keeps it, the oracle's
# columns are empty.)

# %%
labelled(goal_table(study.loc[chosen, "run"]))

# %% [markdown]
# ## Exercises
#
# 1. Run the study with `-p study_epochs 8`. Does the goal table keep rising, or does the
#    validation loss pick an epoch with a worse spatial AUC? What does that say about choosing
#    the epoch by the training objective?
# 2. Add `"grounded + early fusion + camera cue"` to `study_variants`. Is early fusion better
#    or worse than the map fusion here, and at what cost per placement (chapter 4's benchmark)?
# 3. Choose with `choose(study, content_tolerance=1.0)`, which ignores the content head. Which
#    variant wins, and what would chapter 5's first background be for its users?
# 4. Add `"paper, D_c- out of L_S"` and `"balanced + map fusion + hidden head"`, the two other
#    mends of earlier versions of this book. Do they matter in this world? Does the hidden
#    layer alone mend the content head, or is it the person crop? Add `"balanced + map fusion
#    + camera cue + person crop"` too: does the crop need the grounded recipe?


# %% tags=["remove-input"]
from IPython.display import Markdown

from artlib import exercises

Markdown(exercises.cards("03_ablation"))

# %%
print(chapter_footer(profile, chapter_start))
