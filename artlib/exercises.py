"""Graded exercises: a check per chapter that a student runs on their own answer.

Each check calls the student's function on fresh material (world scenes of seeds no dataset
uses, random inputs), compares it with the world's oracle or with a known result, and returns
a :class:`Grade`: passed or not, the measured number beside what passing needs, and a message
that says what is wrong. :data:`EXERCISES` lists them with the chapter, the minutes they take
on a laptop and what a correct answer prints. The reference solutions live in
``notebooks/solutions.py``, outside the book; the tests run them through these checks and a
wrong answer too.

Shown in every chapter's exercises and in the course plan.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from . import world
from .compose import box_iou
from .harmonize import reinhard
from .score import spatial_score

__all__ = ["EXERCISES", "Exercise", "Grade", "cards", "exercise_table", "check_auc", "check_background_rule", "check_box_iou",
           "check_camera_rule", "check_colour_transfer", "check_placement_rule", "check_spatial_score"]

_VAL, _TEST = world.FRESH_SEEDS["val"], world.FRESH_SEEDS["test"]


@dataclass(frozen=True)
class Grade:
    """The verdict of a check: ``passed``, the measured ``score`` and the ``target`` it had to meet."""

    exercise: str
    passed: bool
    score: float
    target: str
    message: str

    def __str__(self) -> str:
        return f"{self.exercise}: {'PASSED' if self.passed else 'NOT YET'} ({self.score:.3f}; {self.target}). {self.message}".rstrip()


def _call(fn: Callable, *args):
    """The student's function on one input; an exception becomes the grade's message."""
    try:
        return fn(*args), None
    except Exception as exc:  # noqa: BLE001 -- any failure of the answer is reported, not raised
        text = " ".join(str(exc).split())
        return None, f"your function raised {type(exc).__name__}: {text if len(text) <= 200 else text[:197] + '...'}"


def _summary(got, width: int = 80) -> str:
    """A wrong answer in a few words: its kind and size, and at most ``width`` characters of it
    (a grade never quotes a whole list of 200,000 numbers)."""
    kind = type(got).__name__
    if isinstance(got, np.ndarray):
        return f"an array of shape {got.shape} ({got.dtype})"
    if isinstance(got, (list, tuple, dict, set, str)) and len(got) > 8:
        return f"a {kind} of {len(got):,} elements"
    text = repr(got)
    return text if len(text) <= width else text[: width - 3] + "..."


def _number(got) -> float | None:
    """An answer that must be one number, as a float: a Python or numpy real number or a 0-d array
    of one; ``None`` for anything else (a string, a list, an array of several values, a bool, None)."""
    if isinstance(got, (bool, np.bool_)):
        return None
    if isinstance(got, np.ndarray) and got.ndim == 0:
        got = got[()]
    if isinstance(got, (int, float, np.integer, np.floating)):
        return float(got)
    return None


def _gap(got, want: float) -> float:
    """How far an answer's number is from the known one; infinite when it is not a finite number."""
    value = _number(got)
    if value is None or not np.isfinite(value):
        return float("inf")
    return abs(value - want)


def _image(got, shape: tuple[int, ...]) -> tuple[np.ndarray | None, str | None]:
    """An answer that must be a float image of ``shape``: checked for kind and shape before any
    conversion (so a huge or ragged answer costs nothing), then as float32."""
    if not isinstance(got, (np.ndarray, list, tuple)):
        return None, f"return an image (a numpy array of shape {shape}), got {_summary(got)}"
    if not isinstance(got, np.ndarray):
        try:
            got = np.asarray(got)
        except ValueError:
            return None, f"return an image of shape {shape}, got a ragged {type(got).__name__}"
    if got.shape != shape:
        return None, f"return an image of the foreground's shape {shape}, got {_summary(got)}"
    if not (np.issubdtype(got.dtype, np.floating) or np.issubdtype(got.dtype, np.integer)):
        return None, f"return an image of numbers, got {_summary(got)}"
    return got.astype(np.float32, copy=False), None


def _numbers(got, n: int) -> list[float] | None:
    """An answer that must be ``n`` numbers (a tuple, list or array of them), or ``None``."""
    if isinstance(got, np.ndarray) and got.shape == (n,):
        got = list(got)
    if not isinstance(got, (tuple, list)) or len(got) != n:
        return None
    values = [_number(v) for v in got]
    return None if any(v is None for v in values) else values


def _scenes(seed: int, n: int, size: int = 64) -> list[world.Scene]:
    return [world.make_world_sample(seed, i, size).scene for i in range(n)]


# ----------------------------------------------------------------------------- chapter 1
def check_camera_rule(fit: Callable[[np.ndarray, np.ndarray], tuple[float, float]], n_scenes: int = 16,
                      people: int = 40) -> Grade:
    """Chapter 1: ``fit(feet_y, heights) -> (horizon, camera_k)`` from plausible people of one scene.

    For each fresh scene, ``people`` placements the oracle accepts (:func:`artlib.world.sample_placement`,
    each person up to 8% taller or shorter than the rule) give feet rows and heights; the fit must recover the scene's camera rule
    ``height = k (y - y_h)``. Passes when the median relative error of ``k`` is at most 15% and
    the median horizon error at most 0.05 of the canvas (a least-squares line through 40 people
    of the world's height spread gets about half of each).
    """
    k_err, h_err = [], []
    for i, scene in enumerate(_scenes(_VAL, n_scenes)):
        rng = np.random.default_rng([i, 7])
        # each person's own height differs from the rule by up to 8%, as the world's people do
        ps = [world.sample_placement(scene, rng, height_factor=rng.uniform(0.92, 1.08)) for _ in range(people)]
        ys, hs = np.array([p.y for p in ps]), np.array([p.scale for p in ps])
        got, err = _call(fit, ys, hs)
        if err:
            return Grade("camera rule", False, float("nan"), "median k error <= 0.15", err)
        pair = _numbers(got, 2)
        if pair is None:
            return Grade("camera rule", False, float("nan"), "median k error <= 0.15",
                         f"return two numbers (horizon, camera_k), got {_summary(got)}")
        horizon, k = pair
        k_err.append(abs(k / scene.camera_k - 1))
        h_err.append(abs(horizon - scene.horizon))
    k_med, h_med = float(np.median(k_err)), float(np.median(h_err))
    ok = k_med <= 0.15 and h_med <= 0.05
    msg = (f"median error of k {k_med:.3f}, of the horizon {h_med:.3f} over {n_scenes} fresh scenes. "
           + ("" if ok else "Heights grow linearly with the feet's distance below the horizon: fit a line "
              "height = a y + b; its slope is k and it crosses zero at the horizon."))
    return Grade("camera rule", ok, k_med, "median k error <= 0.15 and horizon error <= 0.05", msg)


# ----------------------------------------------------------------------------- chapter 2
def check_spatial_score(score: Callable[[float, float, float], float], n: int = 200, seed: int = 0) -> Grade:
    """Chapter 2: eq. (1), ``score(distance, max_distance, ratio)``, against :func:`artlib.score.spatial_score`.

    Passes when every one of ``n`` random moves matches within 1e-6.
    """
    rng = np.random.default_rng(seed)
    xm = rng.uniform(0.3, 1.5, n)
    d = rng.uniform(0, 1, n) * xm
    r = np.exp(rng.uniform(-1, 1, n))
    bad = []
    for args in zip(d, xm, r):
        got, err = _call(score, *map(float, args))
        if err:
            return Grade("eq. (1)", False, 0.0, "all values within 1e-6", err)
        if _number(got) is None:
            return Grade("eq. (1)", False, 0.0, "all values within 1e-6",
                         f"return one number (a float), got {_summary(got)}")
        if _gap(got, float(spatial_score(*args))) > 1e-6:
            bad.append((args, got))
    share = 1 - len(bad) / n
    if not bad:
        return Grade("eq. (1)", True, share, "all values within 1e-6", f"all {n} moves match eq. (1).")
    (dd, mm, rr), got = bad[0]
    hint = ("The ratio enters as max(r, 1/r): a person halved and a person doubled score alike."
            if _gap(got, float(spatial_score(dd, mm, 1 / rr))) < 1e-6 else
            "Check the sigmoid's argument a - b x / x_max with a = 10, b = 20.")
    return Grade("eq. (1)", False, share, "all values within 1e-6",
                 f"{len(bad)} of {n} differ; e.g. distance {dd:.3f}, x_max {mm:.3f}, ratio {rr:.3f}: "
                 f"yours {_summary(got)}, eq. (1) {float(spatial_score(dd, mm, rr)):.6f}. {hint}")


# ----------------------------------------------------------------------------- chapter 3
def check_auc(auc: Callable[[np.ndarray, np.ndarray], float], n: int = 40, seed: int = 0) -> Grade:
    """Chapter 3: ``auc(labels, scores)``, the probability that a positive outscores a negative,
    ties counted half, against scikit-learn's ``roc_auc_score`` on random cases with ties.
    """
    from sklearn.metrics import roc_auc_score

    rng = np.random.default_rng(seed)
    worst = 0.0
    for i in range(n):
        m = int(rng.integers(5, 60))
        labels = rng.random(m) < 0.4
        labels[:2] = [True, False]
        scores = np.round(rng.random(m) + 0.3 * labels, 1 if i % 2 else 3)  # every other case has many ties
        got, err = _call(auc, labels.copy(), scores.copy())
        if err:
            return Grade("AUC", False, float("nan"), "within 1e-9 of scikit-learn", err)
        if _number(got) is None:
            return Grade("AUC", False, float("nan"), "within 1e-9 of scikit-learn",
                         f"return one number between 0 and 1, got {_summary(got)}")
        worst = max(worst, _gap(got, roc_auc_score(labels, scores)))
    ok = worst <= 1e-9
    hint = " Return a number between 0 and 1." if worst == np.inf else " Count a tie between a positive and a negative as half a win."
    msg = f"largest difference from scikit-learn over {n} cases: {worst:.2e}." + ("" if ok else hint)
    return Grade("AUC", ok, worst, "within 1e-9 of scikit-learn", msg)


# ----------------------------------------------------------------------------- chapter 4
def check_placement_rule(rule: Callable[[np.ndarray, np.ndarray], tuple[float, float, float]], n_scenes: int = 48,
                         margin: float = 0.10) -> Grade:
    """Chapter 4: ``rule(background, labels) -> (x, y, scale)`` for a person of the world's aspect.

    The oracle judges the rule's placement in ``n_scenes`` fresh test scenes, beside the best
    fixed placement (the one plausible in the most fresh *validation* scenes). Passes when the
    rule is plausible in at least ``margin`` more of the scenes than the best fixed placement.
    """
    fixed, _ = world.best_fixed(_scenes(_VAL, n_scenes))
    scenes = _scenes(_TEST, n_scenes)
    hits = []
    for scene in scenes:
        got, err = _call(rule, scene.background.copy(), scene.labels.copy())
        if err:
            return Grade("placement rule", False, float("nan"), "beat the best fixed placement", err)
        triple = _numbers(got, 3)
        if triple is None:
            return Grade("placement rule", False, float("nan"), "beat the best fixed placement",
                         f"return three numbers (x, y, scale), got {_summary(got)}")
        x, y, s = triple
        hits.append(bool(world.plausible_mask(scene, x, y, s)))
    share = float(np.mean(hits))
    base = float(np.mean([world.is_plausible(sc, fixed) for sc in scenes]))
    ok = share >= base + margin
    msg = (f"plausible in {share:.0%} of {n_scenes} fresh test scenes; the best fixed placement in {base:.0%}. "
           + ("" if ok else "Feet must be on walkable ground below the horizon, and the height must follow the "
              "camera rule: posts are a standard height, so they tell how tall a person is at each row."))
    return Grade("placement rule", ok, share, f"at least {base + margin:.2f} (best fixed {base:.2f} + {margin:.2f})", msg)


# ----------------------------------------------------------------------------- chapter 5
def check_background_rule(rule: Callable[[str, np.ndarray], float], people: int = 48, gallery: int = 48,
                          margin: float = 0.2) -> Grade:
    """Chapter 5: ``rule(outfit, labels) -> score``: rank a gallery of parsing maps for a person's outfit.

    For ``people`` people of fresh test scenes, the gallery is ``gallery`` fresh validation
    scenes; the content oracle (:func:`artlib.world.compatible`) says whether the rule's top
    background fits. Passes when the share of fitting top picks beats chance (the mean share of
    fitting backgrounds) by ``margin``.
    """
    places = [s.place for s in _scenes(_VAL, gallery)]
    maps = [s.labels for s in _scenes(_VAL, gallery)]
    outfits = [world.make_world_sample(_TEST, i, 64).person.outfit for i in range(people)]
    top, chance = [], []
    for outfit in outfits:
        scores = []
        for lab in maps:
            got, err = _call(rule, outfit, lab.copy())
            if err:
                return Grade("background rule", False, float("nan"), "beat chance", err)
            if _number(got) is None or not np.isfinite(_number(got)):
                forgot = " (a forgotten return?)" if got is None else ""
                return Grade("background rule", False, float("nan"), "beat chance",
                             f"return one finite number, a score, got {_summary(got)}{forgot}")
            scores.append(_number(got))
        top.append(world.compatible(outfit, places[int(np.argmax(scores))]))
        chance.append(np.mean([world.compatible(outfit, p) for p in places]))
    share, base = float(np.mean(top)), float(np.mean(chance))
    ok = share >= base + margin
    msg = (f"the top background fits in {share:.0%} of {people} people; chance {base:.0%}. "
           + ("" if ok else "Which labels does each kind of place show (water, snow, furniture, ...), "
              "and which places does each outfit fit (artlib.world.COMPATIBLE)?"))
    return Grade("background rule", ok, share, f"at least {base + margin:.2f} (chance {base:.2f} + {margin:.2f})", msg)


def check_colour_transfer(transfer: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray], n: int = 6) -> Grade:
    """Chapter 5: ``transfer(foreground, mask, background) -> image``, Reinhard's colour transfer.

    On ``n`` people pasted into fresh scenes, the result must match :func:`artlib.harmonize.reinhard`
    (mean absolute difference at most 0.01 inside the mask) and leave every pixel outside it unchanged.
    """
    from .compose import render_foreground

    worst, outside = 0.0, 0.0
    for i in range(n):
        ws = world.make_world_sample(_TEST, i, 64)
        rgba = render_foreground(ws.sprite, ws.placement, ws.scene.labels.shape)
        fg = np.where(rgba[..., 3:] > 0, rgba[..., :3], ws.scene.background).astype(np.float32)
        mask = rgba[..., 3] > 0.5
        got, err = _call(transfer, fg.copy(), mask.copy(), ws.scene.background.copy())
        if err:
            return Grade("colour transfer", False, float("nan"), "within 0.01 of Reinhard", err)
        got, wrong = _image(got, fg.shape)
        if wrong:
            return Grade("colour transfer", False, float("nan"), "within 0.01 of Reinhard", wrong)
        if not np.isfinite(got).all():
            return Grade("colour transfer", False, float("nan"), "within 0.01 of Reinhard",
                         f"your image has {int((~np.isfinite(got)).sum())} values that are not finite numbers "
                         "(a division by a zero standard deviation?)")
        want = reinhard(fg, mask, ws.scene.background)
        worst = max(worst, float(np.abs(got - want)[mask].mean()))
        outside = max(outside, float(np.abs(got - fg)[~mask].max()))
    ok = worst <= 0.01 and outside == 0
    msg = f"mean difference inside the mask {worst:.4f}, largest change outside it {outside:.4f}." + (
        "" if ok else " Match each Lab channel's mean and standard deviation inside the mask to the "
        "background's (OpenCV's float Lab), and copy the pixels outside the mask.")
    return Grade("colour transfer", ok, worst, "within 0.01 of Reinhard, nothing changed outside", msg)


# ----------------------------------------------------------------------------- chapter 6
def check_box_iou(iou: Callable[[np.ndarray, np.ndarray], float], n: int = 200, seed: int = 0) -> Grade:
    """Chapter 6: ``iou(a, b)`` of two boxes ``(x0, y0, x1, y1)``, the detection measure, against
    :func:`artlib.compose.box_iou` (disjoint, nested and touching boxes included)."""
    rng = np.random.default_rng(seed)
    worst = {}  # kind of pair -> (difference, a, b, expected, got)
    for i in range(n):
        a = np.sort(rng.uniform(0, 1, (2, 2)), 0).T.reshape(-1)[[0, 2, 1, 3]]
        b = a + rng.uniform(-0.5, 0.5, 4) * (i % 3 != 0)  # every third pair: the same box
        b = np.array([min(b[0], b[2]), min(b[1], b[3]), max(b[0], b[2]), max(b[1], b[3])])
        got, err = _call(iou, a.copy(), b.copy())
        if err:
            return Grade("box IoU", False, float("nan"), "within 1e-9", err)
        want = float(box_iou(a, b))
        kind = "identical" if i % 3 == 0 else "disjoint" if want == 0 else "overlapping"
        gap = _gap(got, want)
        if gap > worst.get(kind, (0.0,))[0]:
            worst[kind] = (gap, a, b, want, got)
    largest = max([w[0] for w in worst.values()], default=0.0)
    wrong = [f" On {k} boxes {np.round(a, 3).tolist()} and {np.round(b, 3).tolist()} it should be {want:.4f}, "
             f"got {_summary(got)}: {_IOU_HINTS[k]}" for k, (d, a, b, want, got) in sorted(worst.items()) if d > 1e-9]
    msg = f"largest difference over {n} pairs: {largest:.2e}." + "".join(wrong)
    return Grade("box IoU", not wrong, largest, "within 1e-9", msg)


#: What a wrong IoU on each kind of pair usually forgot.
_IOU_HINTS = {"disjoint": "disjoint boxes overlap by zero, not by a negative area.",
              "identical": "a box overlaps itself completely, so its IoU is 1.",
              "overlapping": "the union is both areas minus the overlap, counted once."}


@dataclass(frozen=True)
class Exercise:
    """One graded exercise: where it belongs, how long it takes, its check and what passing prints."""

    chapter: str
    title: str
    minutes: int
    check: Callable[..., Grade]
    expected: str
    starter: str  # the function the student fills in

    def card(self, name: str) -> str:
        """The exercise as Markdown for a chapter: task, minutes, starter code, what passing prints."""
        check = self.check.__name__
        task = " ".join(self.check.__doc__.split("\n\n")[0].split()).split(": ", 1)[1].replace("``", "`").replace(":func:", "")
        return (f"**Graded: {self.title}** (about {self.minutes} minutes). {task}\n\n"
                f"```python\nfrom artlib.exercises import {check}\n\n{self.starter}\n\nprint({check}(answer))\n```\n\n"
                f"A correct answer prints `{self.expected}`; otherwise the check says what is wrong.")


def cards(chapter: str) -> str:
    """The graded exercises of a chapter as Markdown, for its exercises section."""
    found = [ex.card(name) for name, ex in EXERCISES.items() if ex.chapter == chapter]
    if not found:
        raise ValueError(f"no graded exercise for chapter {chapter!r}")
    return "\n\n".join(found)


def exercise_table() -> str:
    """The graded exercises as a Markdown table for the course plan: chapter, task, check, minutes."""
    rows = ["| chapter | graded exercise | check | minutes |", "|---|---|---|---|"]
    rows += [f"| {ex.chapter} | {ex.title} | `artlib.exercises.{ex.check.__name__}` | {ex.minutes} |"
             for ex in EXERCISES.values()]
    total = sum(ex.minutes for ex in EXERCISES.values())
    return "\n".join(rows) + f"\n\nAll {len(EXERCISES)} together: about {total} minutes on a laptop.\n"


#: The graded exercises, by name, in the book's order.
EXERCISES: dict[str, Exercise] = {
    "camera_rule": Exercise("01_dataset", "Fit the camera rule from the oracle's people", 15, check_camera_rule,
                            "camera rule: PASSED (...)", "def answer(feet_y, heights):\n    ...  # return (horizon, camera_k)"),
    "spatial_score": Exercise("02_verifier", "Write eq. (1) by hand", 10, check_spatial_score,
                              "eq. (1): PASSED (...)", "def answer(distance, max_distance, ratio):\n    ...  # return the score"),
    "auc": Exercise("03_ablation", "Write the AUC with ties", 10, check_auc, "AUC: PASSED (...)",
                    "def answer(labels, scores):\n    ...  # labels: bool array; return the AUC"),
    "placement_rule": Exercise("04_adjustment", "A placement rule that reads the parsing map", 25, check_placement_rule,
                               "placement rule: PASSED (...)",
                               "def answer(background, labels):\n    ...  # labels: (H, W) ids of artlib.world.LABELS; return (x, y, scale)"),
    "background_rule": Exercise("05_retouch", "Rank backgrounds by a rule of your own", 20, check_background_rule,
                                "background rule: PASSED (...)",
                                "def answer(outfit, labels):\n    ...  # return a score, higher for a better background"),
    "colour_transfer": Exercise("05_retouch", "Reinhard's colour transfer", 15, check_colour_transfer,
                                "colour transfer: PASSED (...)",
                                "def answer(foreground, mask, background):\n    ...  # float RGB images, bool mask; return the image"),
    "box_iou": Exercise("06_photos", "The intersection over union of two boxes", 5, check_box_iou,
                        "box IoU: PASSED (...)", "def answer(a, b):\n    ...  # boxes (x0, y0, x1, y1); return the IoU"),
}
