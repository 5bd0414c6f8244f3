"""The camera rule read from real photos, judged against the rule that hundreds of people fit.

OpenCV's pedestrian video (``vtest.avi``, Debian's ``opencv-doc``, which ``make real-photos``
unpacks) is a static camera over a plaza: every frame shows a few walking people, and all frames
together show hundreds, so the rule through all of them (:func:`artlib.cues.fit_camera_rule`)
is the truth each single frame's estimate is judged against, as Workman et al. ("Horizon Lines
in the Wild", 2016) judge horizons against the image height. The error is a height error, the
quantity a placement gets wrong: the largest factor between a frame's rule and the truth over the
rows where people stand (:func:`height_error`).

* :func:`video_people`: the whole standing people of every ``step``-th frame;
* :func:`camera_summary`: per split, how close each rule comes;
* :func:`camera_check`: the truth, and per frame the people-based rule and the parse-based rule
  that real photos used before (the classical parser's sky line and the world's posts), each
  with its error.

Shown in chapter 6.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..cues import CameraRule, camera_rule, fit_camera_rule

__all__ = ["CLOSE_FACTOR", "camera_check", "camera_summary", "height_error", "parse_rule", "video_people"]


def video_people(path: str | Path, step: int = 10, backend: str = "ssd") -> tuple[pd.DataFrame, dict[int, np.ndarray]]:
    """The whole standing people of every ``step``-th frame of a video, and those frames.

    Returns a table (``frame``; ``feet``, ``height``: fractions of the frame height; ``x``, the box's
    centre, a fraction of its width) and the
    frames ``{index: (H, W, 3) uint8 RGB}``.
    """
    import cv2

    from ..photos import detect, standing_people

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such video (make real-photos unpacks vtest.avi)")
    cap = cv2.VideoCapture(str(path))
    rows, frames, i = [], {}, 0
    while True:
        ok, bgr = cap.read()
        if not ok:
            break
        if i % step == 0:
            rgb = np.ascontiguousarray(bgr[..., ::-1])
            found = standing_people(detect(rgb, backend), rgb.shape)
            rows += [{"frame": i, "feet": b, "height": h, "x": x} for b, h, x in found]
            frames[i] = rgb
        i += 1
    cap.release()
    if not frames:
        raise ValueError(f"{path}: OpenCV read no frames from it")
    return pd.DataFrame(rows, columns=["frame", "feet", "height", "x"]), frames


def parse_rule(image: np.ndarray) -> CameraRule:
    """The rule real photos had before people were read: :func:`artlib.cues.camera_rule` on the
    classical parse (its sky line and posts, else the world's median ``k``)."""
    import torch

    from ..photos.parse import parse_classical
    from ..world import WORLD_LABELS

    hz, k = camera_rule(torch.from_numpy(parse_classical(image).astype(np.int64))[None], WORLD_LABELS)
    return CameraRule(float(hz[0]), float(k[0]), "parse")


def height_error(rule: CameraRule, truth: CameraRule, rows: np.ndarray) -> float:
    """The largest factor (as ``|log|``) between two rules' standing heights over ``rows``; a rule that
    puts any of them at or above its horizon (height 0) errs by ``inf``."""
    est, true = rule.height(rows), truth.height(rows)
    with np.errstate(divide="ignore"):
        return float(np.max(np.abs(np.log(est / true)))) if (est > 0).all() else float("inf")


def camera_check(people: pd.DataFrame, frames: dict[int, np.ndarray] | None = None,
                 test_from: int = 400) -> tuple[CameraRule, pd.DataFrame]:
    """The truth (the rule through every frame's people) and per frame the estimates and their errors.

    The error is :func:`height_error` over the rows between the 5th and 95th percentile of all the
    people's feet. With ``frames``, each frame's parse-based rule (:func:`parse_rule`) is judged
    too. Frames from ``test_from`` on are the test split.
    """
    if people.empty:
        raise ValueError("no standing people to fit the truth through")
    truth = fit_camera_rule(people["feet"], people["height"])
    rows = np.linspace(*np.percentile(people["feet"], [5, 95]), 20)
    out = []
    for frame in sorted(set(people["frame"]) | set(frames or ())):
        p = people[people["frame"] == frame]
        rule = fit_camera_rule(p["feet"], p["height"])
        rec = {"frame": frame, "split": "test" if frame >= test_from else "validation", "people": len(p),
               "source": rule.source, "horizon": rule.horizon, "k": rule.k, "error": height_error(rule, truth, rows)}
        if frames is not None and frame in frames:
            old = parse_rule(frames[frame])
            rec |= {"parse_horizon": old.horizon, "parse_k": old.k, "parse_error": height_error(old, truth, rows)}
        out.append(rec)
    return truth, pd.DataFrame(out).set_index("frame")


#: A frame's rule is close when its heights are within this factor of the truth's everywhere.
CLOSE_FACTOR = 1.3


def camera_summary(per_frame: pd.DataFrame) -> pd.DataFrame:
    """Per split and rule (from people; from the parse, where :func:`camera_check` judged it): the
    frames, the median height factor against the truth and the share within :data:`CLOSE_FACTOR`."""
    rules = {"from people": "error", "from the parse": "parse_error"}
    out = {(split, rule): {"frames": len(g), "median height factor": float(np.exp(np.median(g[col]))),
                           "frames within 1.3": float((g[col] < np.log(CLOSE_FACTOR)).mean())}
           for split, g in per_frame.groupby("split") for rule, col in rules.items() if col in g}
    return pd.DataFrame(out).T
