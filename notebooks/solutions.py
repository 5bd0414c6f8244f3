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
# # Solutions to the graded exercises (for teachers; not part of the book)
#
# One reference answer per exercise of `artlib.exercises.EXERCISES`, each run through its check.
# The test suite runs this file (`tests/test_exercises.py`): every reference must pass, and a
# wrong answer beside it must not. Open it in JupyterLab with jupytext, or run it with Python.
# A teacher who edits an answer to show a class what a failing check says sets `strict = False`.

# %% tags=["parameters"]
profile = "book"  # the checks are the same in every profile (params/PROFILE/solutions.yaml)
strict = True  # stop at the first reference answer that fails its check; False prints every grade

# %%
import numpy as np

from artlib import exercises
from artlib.world import COMPATIBLE, LABELS, WALKABLE


def report(grade):
    """Print a grade; under ``strict`` a failed one stops the run."""
    print(grade)
    assert grade.passed or not strict, f"a reference answer failed its check: {grade}"

# %% [markdown]
# ## Chapter 1: the camera rule
# Heights are linear in the feet row, `h = k (y - y_h)`: a least-squares line gives both.

# %%
def fit_camera(ys, heights):
    k, b = np.polyfit(ys, heights, 1)
    return -b / k, k


report(exercises.check_camera_rule(fit_camera))

# %% [markdown]
# ## Chapter 2: eq. (1)

# %%
def score(distance, max_distance, ratio, a=10.0, b=20.0):
    return 1 / (1 + np.exp(-(a - b * distance / max_distance))) / max(ratio, 1 / ratio)


report(exercises.check_spatial_score(score))

# %% [markdown]
# ## Chapter 3: the AUC with ties (Mann and Whitney's count)

# %%
def auc(labels, scores):
    pos, neg = scores[labels], scores[~labels]
    wins = (pos[:, None] > neg[None]).sum() + 0.5 * (pos[:, None] == neg[None]).sum()
    return wins / (len(pos) * len(neg))


report(exercises.check_auc(auc))

# %% [markdown]
# ## Chapter 4: a placement rule that reads the parsing map
# The horizon is the highest row of walkable ground (the ground starts there). Posts stand
# 1.5 people tall, so a post with feet at row `b` and height `h` gives `k = h / (1.5 (b - y_h))`;
# without a post, `k` is the world's median 1.5. The feet go to the walkable column nearest the
# middle, on the row where a person is 40% of the canvas tall, inside the canvas.

# %%
POST = LABELS.index("post")


def horizon_of(labels):
    rows = np.nonzero(WALKABLE[labels].any(1))[0]
    return rows[0] / labels.shape[0]


def camera_k(labels, horizon):
    H = labels.shape[0]
    ks = []
    for col in np.nonzero((labels == POST).any(0))[0]:
        rows = np.nonzero(labels[:, col] == POST)[0]
        feet, top = (rows[-1] + 1) / H, rows[0] / H
        if top > 0 and feet - horizon > 0.05:
            ks.append((feet - top) / (1.5 * (feet - horizon)))
    return float(np.median(ks)) if ks else 1.5


def place(background, labels):
    H, W = labels.shape
    hz = horizon_of(labels)
    k = camera_k(labels, hz)
    y = min(hz + 0.4 / k, (k * hz) / (k - 1) if k > 1 else 1.0, 0.98)
    row = min(H - 1, int(y * H))
    walk = np.nonzero(WALKABLE[labels[row]])[0]
    cols = walk if len(walk) else np.arange(W)
    x = (cols[np.argmin(np.abs(cols - W / 2))] + 0.5) / W
    s = k * (y - hz)
    half = 0.45 * s / 2
    return float(np.clip(x, half, 1 - half)), float(y), float(s)


report(exercises.check_placement_rule(place))

# %% [markdown]
# ## Chapter 5: rank backgrounds by a rule, and Reinhard's colour transfer
# Each place shows telltale labels; a place fits an outfit by the world's table. The rule
# scores a parsing map by the labels typical of the places the outfit fits.

# %%
TELLTALE = {
    "beach": {"water", "sand"}, "swimming_pool": {"water", "floor", "window"},
    "lakeside": {"water", "grass", "tree"}, "snowfield": {"snow"}, "mountain": {"mountain", "path"},
    "street": {"building", "road"}, "harbour": {"building", "water", "road"},
    "office": {"floor", "window", "furniture"}, "classroom": {"floor", "window", "furniture"},
    "library": {"floor", "furniture"}, "restaurant": {"floor", "window", "furniture"},
    "gym": {"floor", "window", "furniture"}, "stadium": {"grass", "building"},
    "park": {"grass", "tree", "path"}, "forest": {"tree", "grass"}, "desert": {"sand", "rock", "mountain"},
}


def rank(outfit, labels):
    present = {LABELS[i] for i in np.unique(labels)}
    places = COMPATIBLE[outfit]
    return max(len(TELLTALE[p] & present) / len(TELLTALE[p] | present) for p in places)


report(exercises.check_background_rule(rank))

# %%
import cv2


def transfer(foreground, mask, background):
    f = cv2.cvtColor(foreground.astype(np.float32), cv2.COLOR_RGB2Lab)
    b = cv2.cvtColor(background.astype(np.float32), cv2.COLOR_RGB2Lab).reshape(-1, 3)
    src = f[mask]
    out = f.copy()
    out[mask] = (src - src.mean(0)) * (b.std(0) / (src.std(0) + 1e-6)) + b.mean(0)
    rgb = np.clip(cv2.cvtColor(out, cv2.COLOR_Lab2RGB), 0, 1)
    return np.where(mask[..., None], rgb, foreground)


report(exercises.check_colour_transfer(transfer))

# %% [markdown]
# ## Chapter 6: the intersection over union of two boxes

# %%
def iou(a, b):
    w = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    h = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    area = lambda z: (z[2] - z[0]) * (z[3] - z[1])  # noqa: E731
    union = area(a) + area(b) - w * h
    return w * h / union if union > 0 else 0.0


report(exercises.check_box_iou(iou))
