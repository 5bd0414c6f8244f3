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
# # 6. Real photographs
#
# *Built with the {glue:md}`profile` profile in {glue:text}`run_minutes:.1f` minutes; the
# parameters are in the first code cell.*
#
# Section 3 builds the paper's dataset from real photos: "the foreground persons are first
# detected and cut out. Then the blank on the remained backgrounds are filled out by a
# content-aware filling algorithm. The filled backgrounds are later fed into a
# Cascade-DilatedNet to generate scene parsing maps." The earlier chapters did all of this
# inside the synthetic world, where every stage is exact. This chapter runs the same four
# stages on real photographs, with classical methods that need nothing from the network
# (`artlib.photos`), measures each stage where the truth can be known, and shows what the
# book's verifier, trained on the world, makes of real photos.
#
# The photos are the ones that ship inside installed packages (scikit-image, scikit-learn,
# Matplotlib); your own go through the same code with `artlib cutout photo.jpg --out
# person.png`, `artlib build-dataset --photos DIR --out DATA` and `artlib export-gallery --photos
# DIR --out GALLERY`.

# %% tags=["parameters"]
profile = "book"  # the profile that built this page (set by artlib chapter / artlib book)
choice = "runs/book/choice.json"  # the verifier chosen in chapter 3
work_dir = (
    "runs/book/photos"  # photo datasets and galleries built by this chapter
)
trials_per_background = (
    6  # world people pasted onto each real background (known truth)
)
parser_scenes = (
    48  # world scenes for the parser's agreement with exact labels
)
seed = 0

# %% tags=["hide-input"]
import textwrap
import time
from pathlib import Path

import pandas as pd

from artlib import plots
from artlib.choice import read_choice
from artlib.chapters import chapter_footer, glue_values
from artlib.data import build_photo_sources, photo_gallery
from artlib.files import write_png
from artlib.photos import (
    MATTES,
    NoPersonError,
    PhotoConfig,
    cutout,
)
from artlib.evaluate.photos import (
    detection_recall,
    leak_on_photos,
    matte_quality,
    parser_agreement,
    paste_trials,
    sample_photos,
    verifier_on_trials,
)
from artlib.train import load_verifier

chapter_start = time.perf_counter()
pd.set_option("display.precision", 3)
photos = sample_photos()
pd.DataFrame(
    {
        name: {
            "size": f"{rgb.shape[1]} x {rgb.shape[0]}",
            "mode": mode,
            "from": path.parent.name,
        }
        for name, (rgb, mode, path) in photos.items()
    }
).T

# %% [markdown]
# ## The four stages on real photos
#
# **Detect** with OpenCV's HOG people detector; **cut out** with GrabCut from the detected box,
# a trimap around its boundary, and a guided filter for the alpha in that band; **fill** the hole
# (the alpha dilated, so no halo is left) with Telea inpainting; **parse** the filled background
# into the book's labels with a classical superpixel parser. Every backend's docstring lists its
# failure modes. Each row below is one photo; where a stage fails, the reason is printed.

# %%
cfg = PhotoConfig()
outcomes, shown = {}, []
for name, (rgb, mode, _) in photos.items():
    try:
        c = cutout(rgb, cfg, mode=mode)
        outcomes[name] = (
            f"person found (score {c.detection.score:.2f}) "
            f"in {sum(c.seconds.values()):.2f} s"
        )
        shown.append((name, c))
    except (NoPersonError, ValueError) as exc:
        outcomes[name] = f"failed: {exc}"
pd.Series(outcomes, name="outcome").to_frame()

# %% [markdown]
# Every photo where the detector reported a person: the box, the matte, the cut-out, the filled
# background and the parsing map.

# %%
for name, c in shown:
    plots.photo_stages(c, f"{name} ({c.mode} photo)")

# %% [markdown]
# None of these photos shows a whole standing person, which is what the detector was trained
# for: the astronaut and Grace Hopper are portraits, the cameraman holds a tripod. Where it
# reports a person, look at the box before trusting the cut-out: a detector that finds a person
# in a photo without one is the most common failure of this stage. The paper's own pipeline had
# a learned detector and matting model; the point here is the data flow, and where it breaks.
#
# ## Each stage measured where the truth is known
#
# Real photos have no ground truth, so the truth is manufactured: people of the synthetic
# world, drawn at the photo's resolution, are pasted onto real background photos at known
# places, so their box and alpha are exact.

# %%
backgrounds = {
    k: photos[k][0]
    for k in ("china", "rocket", "coffee", "chelsea", "motorcycle")
}
trials = paste_trials(backgrounds, trials_per_background, seed=seed)
detection = pd.DataFrame(
    [detection_recall(trials, b) for b in ("hog", "cascade")]
)
detection

# %% [markdown]
# Detection recall is the share of pasted people whose best box overlaps the true box by at
# least half (IoU 0.5). Matting is measured *given the true box*, so that it is judged on its
# own: the goal is an alpha IoU of at least 0.85.

# %%
optional = [m for m in MATTES if m != "guided"]
mattes = [matte_quality(trials, "guided")]
for m in optional:
    try:
        mattes.append(matte_quality(trials, m))
    except ValueError:  # an optional backend that is not installed
        print(f"{m}: not installed (pip install -e .[photos])")
mattes = pd.DataFrame(mattes)
mattes

# %%
iou = mattes.loc["guided", "alpha IoU"]
glue_values(
    matte_iou=iou,
    matte_worst=mattes.loc["guided", "alpha IoU (worst)"],
    matte_goal="meets" if iou >= 0.85 else "misses",
    hog_recall=100 * detection.loc["hog", "recall"],
    n_trials=len(trials),
)

# %% [markdown]
# The HOG detector finds {glue:text}`hog_recall:.0f`% of the {glue:text}`n_trials` pasted
# people. Given the true box, the default matte reaches a mean alpha IoU of
# {glue:text}`matte_iou:.3f`, which {glue:md}`matte_goal` the goal of 0.85; its worst case is
# {glue:text}`matte_worst:.3f`. The worst cases are people whose clothes share colours with the
# background behind them: GrabCut models the two with colour mixtures, and a brown coat in front
# of a brown temple is one mixture.
#
# **The inpainting leak.** Chapter 1 found that a filled hole betrays where the person stood in
# the world's backgrounds, whose texture is uniform grain. On real photos, with their varied
# texture, the same simple detector:

# %%
leak_on_photos(trials).to_frame()

# %% [markdown]
# A detector that finds nothing does not prove that nothing leaks: real textures hide a smooth
# patch from this simple texture measure, while a verifier with millions of parameters may still
# learn to find it. The world's `clean` backgrounds avoid the question; real photos cannot.
#
# **The parser** against the world's exact labels, pixel by pixel, on world scenes: the same
# label, the same coarse group (sky, water, vegetation, ground, structures), and the same answer
# to the question the placement oracle asks: can a person stand here?

# %%
parser_agreement(parser_scenes).to_frame()

# %% [markdown]
# ## The verifier on real photos
#
# The book's verifier was trained on the synthetic world. On real photos it meets another
# domain: real textures, real light, and parsing maps from a classical parser instead of exact
# ones. Here the pasted people of the trials are scored twice by the spatial head: where they
# were pasted (feet near the bottom, at a height that looks right), and the same person moved
# up into the top third of the photo, where nobody stands.

# %%
verifier = load_verifier(read_choice(choice)["run"])
real = verifier_on_trials(verifier, trials)
prefers = float((real["as pasted"] > real["moved up"]).mean())
glue_values(
    transfer=(
        "It holds in most trials: the head transfers its coarsest lesson"
        if prefers >= 0.75
        else "Here it does not hold in most trials: even the coarsest lesson"
        " does not transfer reliably"
    ),
    prefers=100 * prefers,
    pasted_mean=real["as pasted"].mean(),
    raised_mean=real["moved up"].mean(),
)
real.describe().loc[["mean", "50%"]]

# %% [markdown]
# The spatial head prefers the pasted placement to the raised one in
# {glue:text}`prefers:.0f`% of the real-photo trials (mean scores {glue:text}`pasted_mean:.2f`
# and {glue:text}`raised_mean:.2f`). This is the easiest contrast there is: feet near the bottom
# against a person floating in the top third. {glue:md}`transfer` to real photos; even then
# it would not say that the head ranks subtler placements on them, which would need real
# photos with known plausible placements, and it says nothing of the content head, whose outfit
# rule belongs to the world. A verifier for real photos must be trained on real photos, which is
# what `artlib build-dataset --photos` prepares.
#
# ## Real photos as data: sources and a gallery
#
# `build_photo_sources` turns a folder of photos into ART sources in the world's on-disk format,
# resumably, listing every photo that failed with the reason; `photo_gallery` parses a folder of
# background photos into a gallery for `artlib retouch`.

# %%
folder = Path(work_dir) / "photos"
for name, (rgb, _, _) in photos.items():
    write_png(folder / f"{name}.png", rgb)
report = build_photo_sources(
    folder, Path(work_dir) / "dataset", size=128, progress=False
)
pd.DataFrame(report["failed"]).set_index("photo") if report[
    "failed"
] else "no failures"

# %%
print(f"{report['sources']} of {report['photos']} photos became sources")
print(textwrap.fill(f"manifest: {report['manifest']}", 76))
gallery = photo_gallery(
    folder, Path(work_dir) / "gallery", size=64, progress=False
)
print(f"gallery: {gallery['backgrounds']} parsed backgrounds")

# %% [markdown]
# ## Exercises
#
# 1. Run `artlib cutout` on a photo of your own of a person standing, whole, in the frame, then
#    on one of a seated person. Which stage fails first on the second?
# 2. Install the optional backends (`pip install -e .[photos]`) and rerun the matte table: does
#    closed-form matting beat the guided filter here, and at what cost per photo?
# 3. Parse a photo of your own street and compare the walkable labels with where you would
#    stand. Which rule of `artlib.photos.parse.classify_segment` would you change, and what
#    would it break?

# %%
print(chapter_footer(profile, chapter_start))
