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
# # The Auto-Retouching dataset
#
# *Built with the {glue:md}`profile` profile in {glue:text}`run_minutes:.1f` minutes; the
# parameters are in the first code cell.*
#
# Section 3 of the paper builds its training data from *Celebrity in Places* photos: the
# person is cut out, the hole in the background is filled, a scene parser labels the
# background, and three kinds of samples are made:
#
# * **positives** $D^+ = \{(F_i, B_i, S_i)\}$: a foreground on its own background;
# * **spatial negatives** $D_s^-$: the same foreground moved and scaled, scored by eq. (1),
#   {eq}`eq-spatial-score` here;
# * **content negatives** $D_c^-$: another photo's foreground on this background.
#
# Those photos cannot be downloaded here, and this book never downloads anything. Instead it
# builds the same dataset from a **synthetic world** whose rules are known (`artlib.world`):
# every claim below can be checked against ground truth, which the paper's data never allowed.
# This chapter shows the world, eq. (1), the dataset and its Table 1, and then measures two
# weaknesses of the paper's recipe: label noise in its assumption, and the leak left by
# inpainting.

# %% tags=["parameters"]
profile = "book"  # the profile that built this page (set by artlib chapter / artlib book)
data_dir = (
    "data/book"  # the dataset, with the paper's sampling recipe (resumable)
)
balanced_dir = (
    "data/book-balanced"  # the same sources, balanced recipe (chapter 3)
)
grounded_dir = (
    "data/book-grounded"  # the same sources, grounded recipe (chapter 3)
)
n_sources = 2000  # number of photos; one positive each
size = 64  # canvas side in pixels
seed = 0
background_mode = (
    "clean"  # "clean" (the world without the person) or "inpaint"
)
shadow = True  # soft contact shadow under the person in the photo
workers = 2  # rendering processes
leak_samples = 200  # photos of the inpainting-leak study
difficulty_scenes = 300  # fresh test scenes of the difficulty table

# %% tags=["hide-input"]
import time
from dataclasses import asdict, replace

import numpy as np
import pandas as pd

from artlib import paper, plots, world
from artlib.chapters import chapter_footer, glue_values
from artlib.config import config_from_params
from artlib.data import (
    ARTDataset,
    BuildConfig,
    build_dataset,
    camera_cue_errors,
    difficulty_table,
    label_noise,
    leak_study,
    placement_by_content,
    table1,
    target_agreement,
)
from artlib.score import spatial_score

chapter_start = time.perf_counter()
pd.set_option("display.precision", 3)
# the parameters above that are fields of BuildConfig;
# its other fields keep the paper's values
config = config_from_params(BuildConfig, globals())
pd.Series(asdict(config), name="dataset parameters").to_frame()

# %% [markdown]
# ## The world
#
# Sixteen place categories, like the paper's sixteen places: ten outdoor, six indoor. Each has
# a ground material, far objects and obstacles; every scene also draws its own camera (where
# the horizon is, how high the camera stands) and the layout of its ground (below). Its
# parsing map $S$ is exact because the renderer emits it. People wear one of six outfits, and an outfit fits some
# places only (swimwear at the beach, a suit in the office). The scene's light tints the
# person, and a soft contact shadow sits under the feet.

# %% mystnb={"figure": {"caption": "One photo of each of the sixteen places, with its parsing map S.", "name": "fig-world"}}
world_samples = [
    world.make_world_sample(seed, i, max(size, 96), shadow=shadow)
    for i in range(len(world.PLACES))
]
plots.world_grid(world_samples);
# %% mystnb={"figure": {"caption": "The label set of the parsing maps; a star marks the labels a person can stand on.", "name": "fig-labels"}}
plots.label_legend();
# %% mystnb={"figure": {"caption": "The six outfits, and the places each fits (the world's content rule).", "name": "fig-outfits"}}
plots.outfits();
# %% [markdown]
# Which outfit fits which place (the content rule of the world; the oracle's `compatible`):

# %%
pd.DataFrame(
    [
        [("yes" if world.compatible(o, p) else "") for p in world.PLACES]
        for o in world.OUTFITS
    ],
    index=list(world.OUTFITS),
    columns=list(world.PLACES),
)

# %% [markdown]
# ### The placement oracle
#
# A standing person's height follows a camera-height rule: with the horizon at $y_h$, feet at
# $y$ give a height of $k\,(y - y_h)$ canvas heights, where the scene's factor $k$ is a
# person's height over the camera's height above the ground. The oracle `is_plausible(scene, placement)` accepts a placement when the feet are below the
# horizon on a walkable label, the height is within 25% of the rule, and the person's box
# stays on the canvas (2% margin). Green: where this person could stand at the right size.

# %% mystnb={"figure": {"caption": "A beach: the photo, its parsing map with the horizon, and the feet positions the oracle accepts at the camera rule's height.", "name": "fig-oracle-beach"}}
plots.plausibility_map(world_samples[0]);
# %% mystnb={"figure": {"caption": "A lakeside: water is not walkable, so the plausible region stops at the shore.", "name": "fig-oracle-lake"}}
plots.plausibility_map(world_samples[7]);
# %% [markdown]
# (sec-geometry)=
# ### Where a person can stand: every scene its own geometry
#
# Real photographs share no geometry: the horizon sits anywhere, the camera is high or low,
# and the ground in front is often water, furniture or a wall. So each scene of the world
# draws (`artlib.world.Geometry`, defaults below):
#
# * the **horizon** $y_h$ uniformly in {glue:text}`hz_lo:.2f` to {glue:text}`hz_hi:.2f` of
#   the canvas;
# * the **camera's height**, as the height $k\,(1 - y_h)$ of a person with feet at the bottom
#   edge, log-uniformly from {glue:text}`bh_lo:.2f` to {glue:text}`bh_hi:.1f` canvases (a high
#   camera to a low one);
# * a **layout** of its ground, one of {glue:md}`layouts`: water, rock or furniture in front,
#   walkable ground on one side only, a narrow path, patches, or a far shore;
# * two to four **posts** of a standard height ({glue:text}`post_height:.1f` people: lamp
#   posts outdoors, pillars indoors) standing by the same camera rule.
#
# A reader, or a model, can read each quantity from the picture: the horizon from the line
# where sky or wall meets the ground, and from where the posts' heights shrink to nothing;
# the camera's height from the posts' heights against their feet. The oracle's rules are
# unchanged: a post is not walkable, so feet on a post are refused, while a person standing in
# front of one is judged by the ground under the feet like anywhere else. Green below: where a
# person of standard height can stand, scene by scene.

# %%
geometry = world.WORLD_GEOMETRY
glue_values(
    hz_lo=geometry.horizon[0],
    hz_hi=geometry.horizon[1],
    bh_lo=geometry.bottom_height[0],
    bh_hi=geometry.bottom_height[1],
    layouts=", ".join(f"`{v}`" for v in geometry.layouts),
    post_height=world.POST_HEIGHT,
)
fresh = [
    world.world_scene(world.FRESH_SEEDS["test"], i, size)
    for i in range(difficulty_scenes)
]
cues = camera_cue_errors(fresh)
one_per_layout = cues.drop_duplicates("layout").index[:6]

# %% mystnb={"figure": {"caption": "One fresh scene per layout: the true horizon (dashed) and the one read from S (red), and the feet positions the oracle accepts for a person of standard height (green).", "name": "fig-geometry"}}
plots.geometry_examples(
    [world.world_scene(world.FRESH_SEEDS["test"], int(i), max(size, 96))
     for i in one_per_layout],
    cues.loc[one_per_layout],
);
# %% [markdown]
# **Do the cues suffice?** `artlib.cues.camera_rule` reads the horizon and $k$ from the
# parsing map alone: a line through the posts' (feet, height) pairs gives $k$ (its slope) and
# the horizon (where it reaches zero height); without two posts at different depths, the
# horizon is the lowest row of sky or wall. On {glue:text}`cue_n` fresh scenes the horizon
# is off by a median of {glue:text}`cue_hz:.3f` canvas heights and $k$ by
# {glue:text}`cue_k:.1f`% (90th percentiles {glue:text}`cue_hz90:.3f` and
# {glue:text}`cue_k90:.0f`%): what a verifier may be given is in the scene, not in its
# parameters. Chapter 3 gives this estimate to the spatial head as a channel.

# %% mystnb={"figure": {"caption": "The camera rule read from S against the truth on fresh scenes: horizon (left) and camera factor (right).", "name": "fig-cues"}}
plots.camera_cues(cues);
# %%
glue_values(
    cue_n=len(cues),
    cue_hz=cues["horizon_error"].median(),
    cue_k=100 * cues["camera_k_error"].median(),
    cue_hz90=cues["horizon_error"].quantile(0.9),
    cue_k90=100 * cues["camera_k_error"].quantile(0.9),
)
cues[["horizon_error", "camera_k_error"]].describe().T

# %% [markdown]
# (sec-difficulty)=
# ### No fixed placement works
#
# A placement search is worth something only where no fixed placement is plausible in most
# scenes. On {glue:text}`difficulty_n` fresh test scenes, the share of scenes in which each
# fixed placement is plausible: chance (the plausible share of a uniform grid of placements),
# the best single placement of a fine grid (chosen on these very scenes: an upper bound), the
# mean placement of the dataset's people, the canvas centre and the bottom centre at their
# median height. Beside it, the narrow world of earlier versions of this book (each place's
# horizon in a narrow band near the middle, $k$ near 1, open ground, no posts).

# %%
difficulty = difficulty_table(
    seed, min(n_sources, 1000), difficulty_scenes, size
)
glue_values(
    difficulty_n=difficulty_scenes,
    best_fixed=100 * difficulty.loc["best fixed placement", "varied world"],
    best_fixed_narrow=100
    * difficulty.loc["best fixed placement", "narrow world"],
    chance=100 * difficulty.loc["chance (uniform grid)", "varied world"],
)
difficulty

# %% mystnb={"figure": {"caption": "How often fixed placements are plausible on fresh test scenes, in the book's world and in the narrow world of earlier versions.", "name": "fig-difficulty"}}
plots.difficulty_bars(difficulty);
# %% [markdown]
# In the narrow world one placement was plausible in {glue:text}`best_fixed_narrow:.0f`% of
# the scenes, so a verifier that ignored the scene could look perfect. In this world the best
# one is plausible in {glue:text}`best_fixed:.0f`%, and a random placement in
# {glue:text}`chance:.0f`%: to place a person well a verifier has to read the scene.

# %% [markdown]
# (sec-eq1)=
# ## The spatial score, eq. (1)
#
# $$\text{spatial score} = \frac{\sigma(a - b\,x/x_{max})}{\max(r, 1/r)},\quad a = 10,\ b = 20.$$ (eq-spatial-score)
#
# $x$ is the anchor's displacement (the feet, in canvas units), $r$ the scaling ratio and
# $x_{max}$, which the paper leaves undefined, the largest displacement the canvas allows from
# the original anchor: the distance to the farthest canvas corner. The score is a step at
# $x = x_{max}/2$: below $0.3\,x_{max}$ it is almost flat, so it says little about *how close*
# a placement is to the original. That matters for the gradient ascent of Section 4.3.

# %% mystnb={"figure": {"caption": "Eq. (1) against the relative distance, one curve per scaling ratio: a step at half of x_max.", "name": "fig-eq1"}}
plots.eq1_curves();
# %%
# NBVAL_CHECK_OUTPUT
rel = np.array([0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8])
eq1 = pd.DataFrame(
    {f"r = {r:g}": spatial_score(rel, 1.0, r) for r in (1.0, 1.25, 2.0)},
    index=pd.Index(rel, name="x / x_max"),
)
print(eq1.round(3).to_string())

# %% [markdown]
# ## Building the dataset
#
# One photo per source; the build stores each source once (photo, person sprite, $F_i$, $B_i$,
# $S_i$ and a `meta.json` with content hashes) and a manifest of all samples. Moved foregrounds
# are rendered on the fly from the sprite. The build is resumable: stop it and run the chapter
# again. The split is **by source**: 20% of the photos, with their foregrounds *and*
# backgrounds, form the test split and 10% the validation split, and negatives pair sources
# only within a split.

# %%
t0 = time.perf_counter()
manifest = build_dataset(data_dir, config, workers=workers, progress=False)
build_seconds = time.perf_counter() - t0
print(
    f"dataset ready in {build_seconds:.1f} s: {len(manifest)} samples "
    f"from {config.n_sources} sources"
)

# %% [markdown]
# (sec-table1)=
# ### Table 1
#
# Our counts beside the paper's. Two corrections to the printed table: its spatial-score column
# is swapped between the two negative rows (spatial negatives carry eq. (1), content negatives
# a fixed 0, as in the authors' code), and its rows add up to 186,975, not the "300K images" of
# the text. Per positive we make two spatial and two content negatives, the paper's ratio.

# %%
# NBVAL_CHECK_OUTPUT
ours = table1(manifest)
print(ours.to_string())

# %%
side = pd.DataFrame(
    {
        "paper": paper.table1()["number of cases"],
        "this book": ours["number of cases"],
    }
)
side["ratio to D+ (paper)"] = side["paper"] / side.loc["D+", "paper"]
side["ratio to D+ (book)"] = side["this book"] / side.loc["D+", "this book"]
side

# %% [markdown]
# (sec-figure1)=
# ### Samples (the paper's Figure 1)
#
# Each row: the foreground $F$ (on a checkerboard, transparent elsewhere), the background $B$,
# its parsing map $S$ and the composite the verifier judges.

# %% mystnb={"figure": {"caption": "The paper's Figure 1 redone: F, B, S and the composite for two samples of each kind, with their content label and spatial target.", "name": "fig-figure1"}}
train = ARTDataset(manifest, "train")
plots.sample_grid(train, per_kind=2, seed=seed);
# %% [markdown]
# ### How the spatial negatives are drawn
#
# The paper does not publish its shift and scale ranges. We move the anchor by $u\,x_{max}$,
# $u \sim U(0, 1)$, in a uniform direction, and scale by $r = e^{U(\log 0.5,\ \log 2)}$, redrawing
# when the anchor leaves the canvas or less than half of the person stays visible. The targets
# pile up in two places: near 0 for far moves, and below $1/r$ for near ones, because eq. (1)
# is a step in distance.

# %% mystnb={"figure": {"caption": "The spatial negatives: their eq. (1) targets, displacements and scaling ratios.", "name": "fig-targets"}}
plots.spatial_targets(manifest.samples);
# %%
targets = manifest.frame().query("kind == 'D_s-'")["spatial"]
targets.describe().to_frame("D_s- spatial target").T

# %% [markdown]
# ## Label noise: how wrong is the paper's assumption?
#
# Section 3 *hypothesises* that a foreground is consistent only with its own background and
# that randomly moved foregrounds are inconsistent. The world's oracle can check both. For the
# content negatives, `compatible` is the share whose outfit in fact fits the place: these are
# labelled 0 but are consistent. For the spatial negatives, `plausible` is the share of moved
# placements that are physically fine (feet on walkable ground at the right height).

# %%
noise = label_noise(manifest)
content_noise = float(noise.loc["D_c-", "compatible"])
spatial_noise = float(noise.loc["D_s-", "plausible"])
glue_values(
    content_noise=100 * content_noise, spatial_noise=100 * spatial_noise
)
print(f"content negatives that are in fact compatible: {content_noise:.1%}")
print(f"spatial negatives that are in fact plausible:  {spatial_noise:.1%}")
noise

# %% [markdown]
# In this run {glue:text}`content_noise:.1f`% of the content negatives are labelled
# inconsistent although their outfit fits the place, and {glue:text}`spatial_noise:.1f`% of the
# spatial negatives stand where a person can stand. A content classifier trained on these labels
# cannot reach 100% accuracy on them however good it is, and the paper's labels must be noisy
# the same way (two people in casual clothes in two streets are a "negative"). The spatial
# labels are softer: eq. (1) scores a move, not plausibility, so a plausible but distant
# placement gets a low target.
#
# The `plausible` column shows a second problem. Under the paper's recipe a content negative
# keeps the other person *at their own place*, which is usually plausible on the new background
# too, while a moved person (a spatial negative) rarely is: where a person stands then tells
# the content label apart. Chapter 2 shows the verifier learns exactly that. The **balanced
# recipe** places each content negative the way the positives and spatial negatives of its
# background are placed: at the removed person's placement, or moved from it by a draw of the
# $D_s^-$ distribution, with the eq. (1) target relative to that placement (no oracle is used).
# The same sources, sampled that way:

# %%
balanced = build_dataset(
    balanced_dir,
    replace(config, recipe="balanced"),
    workers=workers,
    progress=False,
)
shares = pd.DataFrame(
    {
        "paper recipe": placement_by_content(manifest),
        "balanced recipe": placement_by_content(balanced),
    }
)
gaps = shares.iloc[0] - shares.iloc[1]
glue_values(
    paper_gap=100 * abs(gaps["paper recipe"]),
    balanced_gap=100 * abs(gaps["balanced recipe"]),
)
shares

# %% [markdown]
# The share of plausibly placed foregrounds differs by {glue:text}`paper_gap:.1f` points
# between content-consistent samples and content negatives under the paper's recipe, and by
# {glue:text}`balanced_gap:.1f` points under the balanced recipe. Chapter 3 measures what
# this does to the verifier.
#
# (sec-grounded)=
# ### Do eq. (1)'s targets say where a person can stand?
#
# Eq. (1) scores a move by how far and how much it rescales, not by where the person lands. In
# a world of varied scenes a short move onto water, or to the wrong size for the new depth,
# keeps a target near 1, and a long move to another good spot gets 0. The **grounded recipe**
# (`artlib.data.grounded`, ours) keeps the balanced recipe's placements but scores every moved
# or foreign person by evidence the dataset itself holds, never by the oracle: the label under
# the feet must be one the training positives stand on, the height must match the camera rule
# that `artlib.cues` reads from the posts of that background (within the positives' own band),
# and the person must stay on the canvas. How well each recipe's targets rank the oracle's
# plausibility:

# %%
grounded = build_dataset(
    grounded_dir,
    replace(config, recipe="grounded"),
    workers=workers,
    progress=False,
)
agreement = pd.DataFrame(
    {
        "eq. (1) (paper, balanced)": target_agreement(manifest),
        "grounded": target_agreement(grounded),
    }
)
glue_values(
    eq1_precision=100 * agreement.iloc[2, 0],
    grounded_precision=100 * agreement.iloc[2, 1],
    grounded_recall=100 * agreement.iloc[3, 1],
    eq1_auc=agreement.iloc[1, 0],
)
agreement

# %% [markdown]
# Among the moved people whose eq. (1) target is at least 0.5, only
# {glue:text}`eq1_precision:.0f`% stand where a person can stand (the AUC of the target among
# moved people is {glue:text}`eq1_auc:.2f`): the paper's target is itself a limit on what a
# verifier can learn here. With the grounded targets {glue:text}`grounded_precision:.0f`% do,
# and {glue:text}`grounded_recall:.0f`% of the plausible moves keep a high target (the rest
# are taller or smaller than the positives' own band, which is narrower than the oracle's
# tolerance). Chapter 3 trains on both.
#
# ## The inpainting leak
#
# The paper cuts the person out and fills the hole. We do the same in `background_mode =
# "inpaint"` (OpenCV's Telea inpainting). The fill is smoother than the texture around it, and
# whatever the matte missed (here the contact shadow) stays behind, so the background itself
# says where the person stood. A positive is then "the person stands where the background has
# a hole", which a verifier can learn instead of scene geometry. A deliberately simple detector
# (lowest local texture, `artlib.inpaint.locate_hole`) guesses the person's box from the
# background alone; on clean renders it finds nothing.

# %% mystnb={"figure": {"caption": "The leak: photo, clean background, inpainted background with the person's box (yellow) and the detector's guess (red), and their difference.", "name": "fig-leak"}}
leak, examples = leak_study(seed, leak_samples, size, shadow=shadow)
plots.leak_examples(examples);
# %%
leak_summary = pd.DataFrame(
    {
        "mean IoU with the person's box": [
            leak["iou_inpainted"].mean(),
            leak["iou_clean"].mean(),
        ],
        "found (IoU >= 0.3)": [
            leak["found_inpainted"].mean(),
            leak["found_clean"].mean(),
        ],
    },
    index=["inpainted background", "clean background"],
)
glue_values(
    leak_found=100 * leak["found_inpainted"].mean(),
    leak_clean=100 * leak["found_clean"].mean(),
    leak_n=len(leak),
)
leak_summary.round(3)

# %% [markdown]
# The trivial detector finds the person's former place in {glue:text}`leak_found:.0f`% of
# {glue:text}`leak_n` inpainted backgrounds and in {glue:text}`leak_clean:.0f`% of the clean
# ones. This is why the book's default is `background_mode = "clean"`: the world can render
# the scene without the person, which real photos cannot. The `inpaint` mode stays available
# (the `paper` profile uses it), and chapter 6 runs the same detector on real photos.
#
# ## Summary
#
# The synthetic world reproduces the structure of the paper's dataset (Table 1's ratios of one
# positive to two spatial and two content negatives) with exact parsing maps, a disjoint split
# and an oracle, in scenes whose geometry differs so that no fixed placement works. It also
# shows that the paper's labels are noisy by construction, that eq. (1)'s targets rank
# plausibility poorly, that its sampling ties placement to the content label, and that its
# inpainting pipeline leaks the answer.
#
# ## Exercises
#
# 1. Rebuild the dataset with `-p background_mode inpaint` and compare the leak table. What
#    would a verifier trained on it learn about where people stand?
# 2. Halve the shift range of the spatial negatives (`BuildConfig(shift_max_fraction=0.5)`).
#    Predict, then check, the histogram of their targets. Why does eq. (1) pile them up?
# 3. Change the world's height tolerance (`artlib.world.HEIGHT_TOLERANCE`) to 0.1 and rerun the
#    label-noise table. Which column moves, and why?
# 4. Measure the difficulty of a world without layouts: `world.difficulty` over scenes of
#    `world.world_scene(..., geometry=world.Geometry(layouts=("open",)))`. Which fixed
#    placement wins, and how often?


# %% tags=["remove-input"]
from IPython.display import Markdown

from artlib import exercises

Markdown(exercises.cards("01_dataset"))

# %%
print(chapter_footer(profile, chapter_start))
