"""Real photos with real people: the front end and the verifier measured on them (chapter 6).

The photos (:data:`REAL_PEOPLE`, ``real_people.json`` beside this module) come from installed
packages (scikit-image's astronaut and cameraman, Matplotlib's Grace Hopper) and from Debian's
``opencv-doc`` examples (messi5, basketball1, and frames 100 and 600 of the pedestrian video
vtest.avi), which ``make real-photos`` fetches with apt and :func:`extract_debian_photos`
unpacks; nothing is fetched at run time. Every person whole enough to judge is boxed by eye.

* :func:`detection_table`: is the right person found? The main person (the detector's choice by
  :func:`artlib.photos.detect.rank_people`) against the largest boxed person, the recall of all
  boxed people, false detections, seconds per photo; for any :class:`~artlib.photos.PhotoConfig`.
* :func:`own_placement_percentiles`: the verifier on real photos without an oracle, by the
  paper's own self-supervision (where a person stood is plausible): each person cut out, the
  hole filled, the background parsed, and their own placement ranked among a grid of
  placements by the spatial head (a percentile; chance is 50).
* :func:`camera_rule_check`: on photos of several people on one ground, do the verifier's
  preferred heights grow with the feet's distance below the horizon, as the true heights do?
* :func:`cut_boxed_people`: every boxed person cut out once, for the two measures above.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..compose import box_iou
from ..files import ImageFileError, atomic_write_bytes, read_json, read_photo, write_png

__all__ = ["REAL_PEOPLE", "RealPhoto", "camera_rule_check", "cut_boxed_people", "detection_table",
           "extract_debian_photos", "own_placement_percentiles", "read_real_photos"]

#: The photos, their sources and the people boxed by eye.
REAL_PEOPLE = read_json(Path(__file__).with_name("real_people.json"))["photos"]
#: The Debian examples that ``make real-photos`` unpacks (``opencv-doc``'s ``examples/data``).
DEBIAN_FILES = ("messi5.jpg", "basketball1.png", "vtest.avi")
#: The pedestrian video, kept whole for the camera rule's benchmark.
VIDEO = "vtest.avi"


@dataclass
class RealPhoto:
    """One real photo: ``rgb`` ``(H, W, 3)`` uint8, the boxes ``(P, 4)`` pixels, which are cut, its split."""

    name: str
    rgb: np.ndarray
    boxes: np.ndarray
    cut: list[bool]
    split: str
    ground: bool


def _package_file(module: str, rel: str) -> Path:
    import importlib.util

    spec = importlib.util.find_spec(module)
    return Path(next(iter(spec.submodule_search_locations))) / rel


def extract_debian_photos(examples: str | Path, out: str | Path) -> list[Path]:
    """Copy the Debian example photos from ``examples`` (opencv-doc's ``examples/data``) to ``out``
    as PNG, the video's frames as ``vtest_N.png`` (read in order from the first, so the same
    frame every time) and the video itself. Returns the files written."""
    import cv2

    examples, out = Path(examples), Path(out)
    missing = [f for f in DEBIAN_FILES if not (examples / f).is_file()]
    if missing:
        raise FileNotFoundError(f"{examples}: missing {', '.join(missing)} (opencv-doc's examples/data)")
    written = []
    for name, spec in REAL_PEOPLE.items():
        pkg, rel = spec["from"]
        if pkg != "opencv-doc":
            continue
        if "#" in rel:
            video, frame = rel.split("#")
            cap = cv2.VideoCapture(str(examples / video))
            for _ in range(int(frame) + 1):
                ok, bgr = cap.read()
                if not ok:
                    raise ValueError(f"{examples / video}: has fewer than {int(frame) + 1} frames")
            cap.release()
            rgb = np.ascontiguousarray(bgr[..., ::-1])
        else:
            rgb, _ = read_photo(examples / rel)
        if rgb.shape[:2] != tuple(spec["size"]):
            raise ValueError(f"{examples / rel}: {rgb.shape[1]} x {rgb.shape[0]} pixels, expected "
                             f"{spec['size'][1]} x {spec['size'][0]} (another version of opencv-doc?)")
        write_png(out / f"{name}.png", rgb)
        written.append(out / f"{name}.png")
    atomic_write_bytes(out / VIDEO, (examples / VIDEO).read_bytes())  # the camera rule's benchmark (evaluate.camera)
    return written + [out / VIDEO]


def read_real_photos(debian: str | Path | None, names: tuple[str, ...] | None = None) -> dict[str, RealPhoto]:
    """The real photos with their boxes; those from Debian are read from ``debian`` (the folder
    ``make real-photos`` fills) and left out, with the others, when it is None or lacks them."""
    out = {}
    for name in names or tuple(REAL_PEOPLE):
        spec = REAL_PEOPLE[name]
        pkg, rel = spec["from"]
        path = (Path(debian) / f"{name}.png" if debian else None) if pkg == "opencv-doc" else _package_file(pkg, rel)
        if path is None or not path.is_file():
            continue
        rgb, _ = read_photo(path)
        if rgb.shape[:2] != tuple(spec["size"]):
            raise ImageFileError(f"{path}: {rgb.shape[1]} x {rgb.shape[0]} pixels, expected {spec['size'][1]} x "
                                 f"{spec['size'][0]}")
        people = spec["people"]
        out[name] = RealPhoto(name, rgb, np.array([p["box"] for p in people], float), [p["cut"] for p in people],
                              spec["split"], bool(spec.get("ground", False)))
    return out


def _rank_corr(a, b) -> float:
    """Spearman's rank correlation, NaN where either side is constant (it is undefined there)."""
    from scipy.stats import spearmanr

    if np.ptp(a) == 0 or np.ptp(b) == 0:
        return float("nan")
    return float(spearmanr(a, b)[0])


def _largest(boxes: np.ndarray) -> int:
    return int(np.argmax((boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])))


def detection_table(photos: dict[str, RealPhoto], cfg, iou: float = 0.5) -> pd.DataFrame:
    """Per photo: whether the person the pipeline would cut out is the largest boxed person
    (``main person right``, IoU at least ``iou``), how many boxed people any detection finds,
    the detections that match nobody, and seconds (detection, and cut-out of the main person)."""
    from ..photos import NoPersonError, cutout, detect, rank_people
    from ..photos.pipeline import reduce_photo

    rows = []
    for name, ph in photos.items():
        img = reduce_photo(ph.rgb, cfg.max_side)
        f = img.shape[1] / ph.rgb.shape[1]
        truth = ph.boxes * f
        t0 = time.perf_counter()
        found = rank_people(detect(img, cfg.detector))
        t_detect = time.perf_counter() - t0
        ious = np.array([[float(box_iou(np.array(d.box), b)) for b in truth] for d in found]).reshape(len(found), len(truth))
        t0 = time.perf_counter()
        try:
            cutout(img, cfg, background=False)
        except (NoPersonError, ValueError):
            pass
        rows.append({"photo": name, "people": len(truth), "found": int((ious.max(0, initial=0) >= iou).sum()),
                     "false detections": int((ious.max(1, initial=0) < iou).sum()),
                     "main person right": bool(len(found) and ious[0, _largest(truth)] >= iou),
                     "detect s": t_detect, "cut-out s": time.perf_counter() - t0})
    return pd.DataFrame(rows).set_index("photo")


def _person(ph: RealPhoto, k: int, cfg, parser="classical"):
    """Person ``k`` of a photo cut out from their box (segmenter, matte), the hole filled, the
    background parsed: ``(sprite, placement, background, labels)``."""
    from ..photos import fill, parse, refine, segment
    from ..photos.pipeline import sprite_of

    box = ph.boxes[k]
    mask, _ = segment(ph.rgb, box, cfg.segmenter)
    alpha = refine(ph.rgb, mask, box, cfg.matte)
    sprite, placement = sprite_of(ph.rgb, alpha)
    bg = fill(ph.rgb, alpha, cfg.fill, cfg.dilate)
    labels = parse(np.clip(np.round(bg * 255), 0, 255).astype(np.uint8), parser)
    return sprite, placement, bg, labels


def _scorer(verifier, sprite, bg, labels):
    import cv2

    from ..adjust import PlacementScorer

    s = verifier.config.image_size
    small = cv2.resize(bg, (s, s), interpolation=cv2.INTER_AREA)
    lab = cv2.resize(labels, (s, s), interpolation=cv2.INTER_NEAREST).astype(np.int64)
    return PlacementScorer(verifier, sprite, small, lab), (s, s)


def cut_boxed_people(photos: dict[str, RealPhoto], cfg, only_ground: bool = False) -> dict[str, list[tuple]]:
    """Every boxed person of every photo cut out once (:func:`_person`), by photo: the input that
    :func:`own_placement_percentiles` and :func:`camera_rule_check` share (each cut-out costs a
    segmentation, a fill and a parse of the whole photo). ``only_ground``: photos of people on one
    ground only."""
    return {name: [_person(ph, k, cfg) for k in range(len(ph.boxes))]
            for name, ph in photos.items() if ph.ground or not only_ground}


def own_placement_percentiles(verifiers: dict, photos: dict[str, RealPhoto], cfg, grid=(8, 8, 9),
                              cuts: dict[str, list[tuple]] | None = None) -> pd.DataFrame:
    """For every boxed person and each verifier: the percentile of the person's own placement
    among the feasible cells of ``grid`` by the spatial head (100: above every cell; chance 50).

    The photo's hole is filled and parsed; background and parsing map are resized to the
    verifier's square input, and placements are fractions of the canvas, so they carry over. A
    person cut by the photo's bottom edge is ranked among placements with the cut on the bottom
    edge (:attr:`artlib.adjust.AdjustConfig.feet_at_bottom`). ``cuts``: the people already cut
    out (:func:`cut_boxed_people`), else they are cut out here.
    """
    from ..adjust import AdjustConfig, grid_placements

    cuts = cut_boxed_people(photos, cfg) if cuts is None else cuts
    rows = []
    for name, ph in photos.items():
        for k in range(len(ph.boxes)):
            sprite, own, bg, labels = cuts[name][k]
            row = {"photo": name, "person": k + 1, "split": ph.split, "cut": ph.cut[k]}
            for vname, verifier in verifiers.items():
                scorer, hw = _scorer(verifier, sprite, bg, labels)
                acfg = AdjustConfig(grid=grid, feet_at_bottom=ph.cut[k])
                cells = grid_placements(sprite.shape[:2], hw, acfg)
                own_xyz = np.array([[own.x, 1.0 if ph.cut[k] else own.y, own.scale]])
                scores = scorer.spatial(np.concatenate([own_xyz, cells]))
                mine, others = float(scores[0]), np.asarray(scores[1:])
                row[vname] = 100 * float(np.mean(others < mine) + 0.5 * np.mean(others == mine))
            rows.append(row)
    return pd.DataFrame(rows, columns=["photo", "person", "split", "cut", *verifiers]).set_index(["photo", "person"])


def camera_rule_check(verifiers: dict, photos: dict[str, RealPhoto], cfg, scales: int = 40,
                      cuts: dict[str, list[tuple]] | None = None) -> pd.DataFrame:
    """On each photo of people on one ground: per person, the true height and the height each
    verifier prefers (the best of ``scales`` heights, geometric from 0.02 to the highest feet, at the person's
    own feet, one range for all people of the photo), and per verifier the Spearman correlation of preferred height with feet row.

    In a photo of a flat ground the camera rule says a person's height grows linearly with the
    feet's distance below the horizon; the true heights' correlation shows how well it holds.
    Returns one row per photo: ``true`` and each verifier's correlation, how many of the people
    each verifier gives the range's largest height (a preference that saturates there carries no
    rule), the median ratio of preferred to true height, and the heights themselves. With no
    photo of people on one ground the frame is empty, with the same columns. ``cuts`` as in
    :func:`own_placement_percentiles`.
    """
    cuts = cut_boxed_people(photos, cfg, only_ground=True) if cuts is None else cuts
    rows = []
    for name, ph in photos.items():
        if not ph.ground:
            continue
        people = cuts[name]
        feet = [p[1].y for p in people]
        true = [p[1].scale for p in people]
        # one range of heights for everyone, feasible at every person's feet: a range cut at each
        # person's own feet would make the preferred heights follow the feet by construction
        ss = np.geomspace(0.02, min(feet), scales)
        row = {"photo": name, "people": len(feet), "split": ph.split, "true": _rank_corr(feet, true)}
        heights = {"feet": feet, "true": true}
        for vname, verifier in verifiers.items():
            pref = []
            for sprite, own, bg, labels in people:
                scorer, _ = _scorer(verifier, sprite, bg, labels)
                xyz = np.stack([np.full(scales, own.x), np.full(scales, own.y), ss], 1)
                pref.append(float(ss[int(np.argmax(scorer.spatial(xyz)))]))
            row[vname] = _rank_corr(feet, pref)
            row[f"{vname} at the top"] = int(np.sum(np.isclose(pref, ss[-1])))
            row[f"{vname} / true"] = float(np.median(np.asarray(pref) / np.asarray(true)))
            heights[vname] = pref
        row["heights"] = heights
        rows.append(row)
    per_verifier = [f"{v}{tail}" for v in verifiers for tail in ("", " at the top", " / true")]
    return pd.DataFrame(rows, columns=["photo", "people", "split", "true", *per_verifier, "heights"]).set_index("photo")
