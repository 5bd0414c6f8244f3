"""Audits of a built dataset, judged by the world's oracle: label noise, how well eq. (1)'s
targets agree with plausibility, the placement shortcut, how hard the world makes placement,
and whether inpainted backgrounds betray where the person stood (chapter 1).

Section 3 labels every pairing of F_j with B_i (j != i) as inconsistent and every random move
as implausible; the world knows better, so these functions measure how often that is wrong.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

import torch
from sklearn.metrics import roc_auc_score

from ..cues import camera_rule

from ..compose import Placement, as_float_image, box_iou, render_foreground
from ..inpaint import inpaint_background, locate_hole
from ..world import (
    FRESH_SEEDS,
    GEOMETRIES,
    PLACE_SPECS,
    WORLD_LABELS,
    Scene,
    compatible,
    difficulty,
    fixed_baselines,
    make_world_sample,
    plausible_mask,
    world_scene,
)
from .manifest import Manifest
from .sampling import Kind
from .sources import read_source

__all__ = ["camera_cue_errors", "difficulty_table", "label_noise", "leak_study", "placement_by_content", "sample_plausible", "scene_of",
           "target_agreement"]


def scene_of(manifest: Manifest, index: int) -> Scene:
    """The oracle's view of source ``index``: its place, horizon, camera rule and labels."""
    meta = manifest.sources[index]
    src = read_source(manifest.root, index, manifest.config.size, meta.get("sha256"))
    light = np.asarray(PLACE_SPECS[meta["place"]].light, np.float32)
    return Scene(meta["place"], meta["horizon"], meta["camera_k"], src.labels, as_float_image(src.background, 3, "background"), light)


def sample_plausible(manifest: Manifest) -> np.ndarray:
    """``(len(manifest),)`` bool: is each sample's foreground placement plausible on its background (oracle)?"""
    s = manifest.samples
    plaus = np.zeros(len(manifest), bool)
    for b in np.unique(s["bg_source"]):
        rows = np.flatnonzero(s["bg_source"] == b)
        plaus[rows] = plausible_mask(scene_of(manifest, int(b)), s["x"][rows], s["y"][rows], s["scale"][rows])
    return plaus


def label_noise(manifest: Manifest) -> pd.DataFrame:
    """How often the paper's labelling assumption is wrong, judged by the world's oracle.

    Section 3 assumes every other foreground/background pairing is inconsistent and every
    random move implausible. The table gives, per kind, the share of samples whose outfit
    fits the background's place (``compatible``) and whose placement is physically
    plausible (``plausible``). For ``D_c-``, ``compatible`` is the content-label noise.
    """
    s = manifest.samples
    outfit = np.array([m["outfit"] for m in manifest.sources])
    place = np.array([m["place"] for m in manifest.sources])
    comp = np.array([compatible(o, p) for o, p in zip(outfit[s["fg_source"]], place[s["bg_source"]])])
    plaus = sample_plausible(manifest)
    out = []
    for k in Kind:
        m = s["kind"] == k
        out.append({"kind": k.label, "samples": int(m.sum()), "compatible": comp[m].mean(), "plausible": plaus[m].mean(),
                    "compatible and plausible": (comp & plaus)[m].mean()})
    return pd.DataFrame(out).set_index("kind")


def target_agreement(manifest: Manifest) -> pd.Series:
    """How well eq. (1)'s spatial targets rank the oracle's plausibility.

    Over the content-consistent samples (``D+`` and ``D_s-``) and over the moved ones alone,
    the ROC AUC of the target for "the placement is plausible"; among moved samples, the share
    of those with a target of at least 0.5 that the oracle accepts (precision: a small move
    onto water, or to the wrong size, keeps a high eq. (1) target) and the share of plausible
    ones with such a target (recall).
    """
    s, plaus = manifest.samples, sample_plausible(manifest)
    spatial = s["kind"] != Kind.CONTENT_NEGATIVE
    moved = s["kind"] == Kind.SPATIAL_NEGATIVE
    auc = lambda m: float(roc_auc_score(plaus[m], s["spatial"][m])) if 0 < plaus[m].sum() < m.sum() else np.nan  # noqa: E731
    share = lambda a, b: float(a[b].mean()) if b.any() else np.nan  # noqa: E731
    high = s["spatial"] >= 0.5
    return pd.Series({"AUC of the target, D+ and D_s-": auc(spatial), "AUC of the target, D_s- only": auc(moved),
                      "precision: plausible among D_s- with target >= 0.5": share(plaus, moved & high),
                      "recall: target >= 0.5 among plausible D_s-": share(high, moved & plaus),
                      "D_s- that are plausible": share(plaus, moved)})


def camera_cue_errors(scenes: list[Scene]) -> pd.DataFrame:
    """The camera rule read from each scene's parsing map (:func:`artlib.cues.camera_rule`) beside the truth.

    One row per scene: ``layout``, ``posts``, the true and estimated ``horizon`` and ``camera_k``,
    and the errors ``horizon_error`` (absolute, canvas heights) and ``camera_k_error`` (relative).
    """
    parse = torch.as_tensor(np.stack([s.labels for s in scenes]).astype(np.int64))
    hz, k = (t.numpy().astype(np.float64) for t in camera_rule(parse, WORLD_LABELS))
    df = pd.DataFrame({"layout": [s.layout for s in scenes], "posts": [len(s.posts) for s in scenes],
                       "horizon": [s.horizon for s in scenes], "horizon_est": hz,
                       "camera_k": [s.camera_k for s in scenes], "camera_k_est": k})
    df["horizon_error"] = (df["horizon_est"] - df["horizon"]).abs()
    df["camera_k_error"] = (df["camera_k_est"] / df["camera_k"] - 1).abs()
    return df


def difficulty_table(seed: int, n_people: int, n_scenes: int, size: int) -> pd.DataFrame:
    """How often fixed placements are plausible on fresh test scenes, in each named geometry.

    The training mean and the median height are those of the people of the first
    ``n_people`` world photos of ``seed`` (a dataset of that seed's sources); the scenes are
    ``n_scenes`` fresh ones of :data:`~artlib.world.FRESH_SEEDS` ``["test"]``. One column per
    geometry of :data:`~artlib.world.GEOMETRIES`, rows of :func:`~artlib.world.difficulty`.
    """
    cols = {}
    for name, geometry in GEOMETRIES.items():
        people = np.array([make_world_sample(seed, i, size, geometry=geometry).placement.as_tuple()
                           for i in range(n_people)])
        named = fixed_baselines(Placement.of(people.mean(0)), float(np.median(people[:, 2])))
        scenes = [world_scene(FRESH_SEEDS["test"], i, size, geometry=geometry) for i in range(n_scenes)]
        cols[f"{name} world"] = difficulty(scenes, named)["plausible"]
    return pd.DataFrame(cols)


def placement_by_content(manifest: Manifest) -> pd.Series:
    """The shortcut in a recipe: share of plausibly placed foregrounds among content-consistent
    samples (``D+`` and ``D_s-``) and among content negatives. Equal shares: placement says
    nothing about the content label."""
    plaus, content = sample_plausible(manifest), manifest.samples["content"] >= 0.5
    return pd.Series({"plausible among content-consistent": plaus[content].mean(),
                      "plausible among content negatives": plaus[~content].mean()})


def leak_study(seed: int, n: int, size: int, shadow: bool = True, hit_iou: float = 0.3) -> tuple[pd.DataFrame, list]:
    """Does an inpainted background betray where the person stood?

    For ``n`` world photos the person is cut out and the hole inpainted (as in the
    ``inpaint`` background mode); :func:`artlib.inpaint.locate_hole` then guesses the
    person's box from the background alone, on the inpainted and on the clean background.

    Returns:
        A DataFrame with one row per photo (``iou_inpainted``, ``iou_clean``,
        ``hole_error``: mean absolute colour error inside the person's box), and rows for
        :func:`artlib.plots.leak_examples`.
    """
    recs, examples = [], []
    for i in range(n):
        ws = make_world_sample(seed, 10_000_000 + i, size, shadow=shadow)
        fg = render_foreground(ws.sprite, ws.placement, ws.scene.labels.shape)
        filled = inpaint_background(ws.image, fg[..., 3])
        g_inp, g_clean = locate_hole(filled), locate_hole(ws.scene.background)
        x0, y0, x1, y1 = np.clip(np.round(ws.box * size).astype(int), 0, size)
        err = float(np.abs(filled - ws.scene.background)[y0:y1, x0:x1].mean()) if (x1 > x0 and y1 > y0) else 0.0
        recs.append({
            "place": ws.scene.place,
            "iou_inpainted": 0.0 if g_inp is None else float(box_iou(g_inp, ws.box)),
            "iou_clean": 0.0 if g_clean is None else float(box_iou(g_clean, ws.box)),
            "hole_error": err,
        })
        if len(examples) < 4:
            examples.append((ws.image, ws.scene.background, filled, ws.box, g_inp))
    df = pd.DataFrame(recs)
    df["found_inpainted"] = df["iou_inpainted"] >= hit_iou
    df["found_clean"] = df["iou_clean"] >= hit_iou
    return df, examples
