"""The camera rule read from a parsing map: the horizon and the camera factor, from posts of standard height.

Things of a standard height standing on the ground shrink towards the horizon by the same rule
as people (a label set's ``post`` is :data:`~artlib.labels.STANDARD_HEIGHTS` people tall). A
post with feet at row ``b`` and height ``h`` obeys ``h = POST_HEIGHT k (b - y_h)``, so a line
fitted through the posts' ``(b, h)`` gives the camera factor ``k`` (its slope) and the horizon
``y_h`` (where it crosses zero). Where the posts do not allow a fit (fewer than two depths, tops
cut by the canvas, no posts), the horizon is the lowest row of sky or wall (a high quantile over
columns) and ``k`` the fit through the posts given that horizon, else :data:`PRIOR_CAMERA_K`.

:func:`camera_rule` reads only the parsing map, never a scene's parameters: it is what a
verifier may be given (:func:`height_channel`, the ``scene_cue`` option) and what the
``grounded`` sampling recipe may use. Chapter 1 measures its error on fresh scenes; chapter 3
measures what it adds to the spatial head.

On a real photo the posts are the people it already shows (Hoiem, Efros and Hebert, "Putting
Objects in Perspective", 2006): :func:`fit_camera_rule` fits the same line robustly through
objects of known standard height (outliers: people sitting, cut or small), and says where the
rule came from and how sure it is (:class:`CameraRule`). Without a fit it falls back to the
eye-level prior (:data:`EYE_LEVEL_K`: a photo taken by a standing person sees the horizon
through other standing people's heads).
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import lazy_loader
import numpy as np

from .labels import STANDARD_HEIGHTS, LabelSet

torch = lazy_loader.load("torch")  # loaded on first use: importing the data layer stays light

POST_HEIGHT = STANDARD_HEIGHTS["post"]

__all__ = ["EYE_LEVEL_K", "PRIOR_CAMERA_K", "CameraRule", "camera_rule", "fit_camera_rule", "height_channel"]

#: Camera factor assumed where a parsing map shows no post (the world's median).
PRIOR_CAMERA_K = 1.5
#: Camera factor of the eye-level prior: with the camera at a standing person's eye height, the
#: horizon passes through every standing person's head, so feet at row ``b`` mean ``b - y_h`` tall.
EYE_LEVEL_K = 1.0
#: Horizon of a level camera (the image's middle row), where nothing else tells it.
LEVEL_HORIZON = 0.5
#: An object agrees with a fitted rule when its height is within this factor of the rule's.
AGREE_FACTOR = 1.25
#: Relative noise of a detected person's height (box and pose; the log residuals' spread is 0.085
#: about the rule fitted through 289 people of OpenCV's pedestrian video, chapter 6).
HEIGHT_NOISE = 0.1
#: Spread of the prior on the camera factor about :data:`EYE_LEVEL_K` (broad: 0 to 2 within one).
PRIOR_K_SD = 1.0
#: The rule's source is ``"people"`` when the fit's spread of ``k`` is below this fraction of the prior's.
DATA_DECIDES = 0.5
_SKY = ("sky", "wall")


def _ids(labels: LabelSet, names: tuple[str, ...], device: torch.device) -> torch.Tensor:
    return torch.tensor([labels.names.index(n) for n in names if n in labels.names], dtype=torch.int64, device=device)


def _post_columns(parse: torch.Tensor, post: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Per column, the feet row ``b`` and height ``h`` of the post in it (normalised) and whether it counts:
    ``(N, W)`` each. A column counts when it shows a post whose top is below the canvas's top row."""
    H = parse.shape[1]
    p = torch.isin(parse, post)
    top = p.float().argmax(1)
    bottom = H - p.flip(1).float().argmax(1)
    ok = p.any(1) & (top > 0)
    return bottom.float() / H, (bottom - top).float() / H, ok


def _sky_horizon(parse: torch.Tensor, sky: torch.Tensor, q: float = 0.9) -> torch.Tensor:
    """``(N,)`` the lowest row of sky or wall (a ``q`` quantile over the columns that show it); NaN without."""
    H = parse.shape[1]
    s = torch.isin(parse, sky)
    low = (H - s.flip(1).float().argmax(1)).float() / H
    low = torch.where(s.any(1), low, torch.nan)
    return torch.nanquantile(low, q, dim=1)


def camera_rule(parse: torch.Tensor, labels: LabelSet) -> tuple[torch.Tensor, torch.Tensor]:
    """Estimate the horizon ``y_h`` and the camera factor ``k`` of ``(N, H, W)`` int64 parsing maps.

    Returns two ``(N,)`` float tensors (normalised units; see the module docstring).
    """
    if parse.ndim != 3:
        raise ValueError(f"parse must be (N, H, W) label ids, got {tuple(parse.shape)}")
    b, h, ok = _post_columns(parse, _ids(labels, ("post",), parse.device))
    w = ok.float()
    n = w.sum(1)
    mb, mh = (w * b).sum(1) / n.clamp(min=1), (w * h).sum(1) / n.clamp(min=1)
    vb = (w * (b - mb[:, None]) ** 2).sum(1) / n.clamp(min=1)
    slope = (w * (b - mb[:, None]) * (h - mh[:, None])).sum(1) / n.clamp(min=1) / vb.clamp(min=1e-12)
    fit = (vb > 1e-4) & (slope > 1e-3)
    hz_fit = mb - mh / slope.clamp(min=1e-3)
    hz_sky = _sky_horizon(parse, _ids(labels, _SKY, parse.device))
    hz = torch.where(fit & (hz_fit > -0.5) & (hz_fit < 1.0), hz_fit, hz_sky)
    hz = torch.nan_to_num(hz, nan=0.5)
    d = (b - hz[:, None]).clamp(min=0)
    k_given = (w * h * d).sum(1) / (POST_HEIGHT * (w * d * d).sum(1)).clamp(min=1e-12)
    k = torch.where(fit, slope / POST_HEIGHT, torch.where((w * d).sum(1) > 0, k_given, PRIOR_CAMERA_K))
    return hz, k.clamp(0.05, 20.0)


def height_channel(parse: torch.Tensor, labels: LabelSet, size: int,
                   camera: tuple[float, float] | None = None) -> torch.Tensor:
    """``(N, 1, size, size)``: the height ``k (y - y_h)`` of a standing person with feet at each row,
    by the camera rule estimated from ``parse`` (0 above the horizon, at most 1.5 canvases), or by
    ``camera``, a rule ``(horizon, k)`` read elsewhere (a photo's people, :func:`fit_camera_rule`)."""
    if camera is None:
        hz, k = camera_rule(parse, labels)
    else:
        hz, k = (torch.full((parse.shape[0],), float(v), device=parse.device) for v in camera)
    y = (torch.arange(size, device=parse.device, dtype=torch.float32) + 0.5) / size
    rows = (k[:, None] * (y[None] - hz[:, None])).clamp(0.0, 1.5)
    return rows[:, None, :, None].expand(-1, 1, size, size)


@dataclass(frozen=True)
class CameraRule:
    """The camera rule of one photo: a person with feet at row ``b`` is ``k (b - horizon)`` tall.

    Rows are fractions of the image height from its top (a horizon above the frame is negative).
    ``source`` says what set ``k``: ``"people"`` (the objects of standard height the photo shows
    span enough depth to decide it), ``"eye level"`` (too few or too close together: ``k`` is
    about :data:`EYE_LEVEL_K` and the horizon passes near their heads), ``"prior"`` (no
    objects: the given horizon, else a level camera's, and the eye-level ``k``), or ``"parse"``
    (:func:`camera_rule` on a parsing map). ``n_agree``
    objects agree with it within :data:`AGREE_FACTOR`, ``n_outliers`` do not (sitting, cut,
    children); ``k_interval`` is ``k``'s 90% interval.
    """

    horizon: float
    k: float
    source: str
    n_agree: int = 0
    n_outliers: int = 0
    k_interval: tuple[float, float] = (math.nan, math.nan)

    def height(self, feet: np.ndarray | float) -> np.ndarray:
        """The height of a standing person with feet at rows ``feet`` (0 at and above the horizon)."""
        return np.maximum(self.k * (np.asarray(feet, np.float64) - self.horizon), 0.0)

    def describe(self) -> str:
        """One line for a report: what set the rule, and how sure it is."""
        where = (f"{-self.horizon:.2f} image heights above the frame" if self.horizon < 0 else
                 f"{self.horizon - 1:.2f} image heights below the frame" if self.horizon > 1 else
                 f"at {self.horizon:.2f} of the height")
        lo, hi = self.k_interval
        if self.source == "prior":
            return f"prior alone (no standing people): horizon {where}, k = {self.k:.2f} assumed"
        if self.source == "parse":
            return f"from the parsing map's sky line and posts: horizon {where}, k = {self.k:.2f}"
        by = "from" if self.source == "people" else "eye-level prior with"
        return (f"{by} {self.n_agree} standing people ({self.n_outliers} left out): horizon {where}, "
                f"k = {self.k:.2f} (90% interval {lo:.2f} to {hi:.2f})")

    def as_dict(self) -> dict:
        return {**asdict(self), "k_interval": list(self.k_interval), "describe": self.describe()}

    @classmethod
    def from_dict(cls, d: dict) -> "CameraRule":
        """The rule :meth:`as_dict` wrote (its ``describe`` line is read again, not stored)."""
        keys = {"horizon", "k", "source", "n_agree", "n_outliers", "k_interval"}
        if not isinstance(d, dict) or not {"horizon", "k", "source"} <= set(d):
            raise ValueError(f"a camera rule needs horizon, k and source, got {d!r}")
        rule = {k: v for k, v in d.items() if k in keys}
        return cls(**rule | {"k_interval": tuple(rule.get("k_interval", (math.nan, math.nan)))})


def _agree(h: np.ndarray, predicted: np.ndarray) -> np.ndarray:
    """Which objects are within :data:`AGREE_FACTOR` of the heights a rule predicts for them."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return (predicted > 0) & (np.abs(np.log(h / predicted)) <= math.log(AGREE_FACTOR))


def _map_line(b: np.ndarray, h: np.ndarray) -> tuple[float, float, float]:
    """The line ``h = k b + c`` of most posterior weight and ``k``'s standard deviation.

    Each height has noise :data:`HEIGHT_NOISE` times itself; ``k`` has a normal prior
    (:data:`EYE_LEVEL_K`, :data:`PRIOR_K_SD`), ``c`` a flat one: weighted least squares with one
    prior row, in closed form. One person gives the eye-level line through their head.
    """
    w = 1.0 / (HEIGHT_NOISE * h) ** 2
    prec = np.array([[np.sum(w * b * b) + PRIOR_K_SD ** -2, np.sum(w * b)], [np.sum(w * b), np.sum(w)]])
    rhs = np.array([np.sum(w * b * h) + EYE_LEVEL_K * PRIOR_K_SD ** -2, np.sum(w * h)])
    k, c = np.linalg.solve(prec, rhs)
    return float(k), float(c), float(math.sqrt(np.linalg.inv(prec)[0, 0]))


def _first_line(b: np.ndarray, h: np.ndarray, max_pairs: int = 2000) -> tuple[float, float]:
    """A line to tell outliers by (RANSAC's idea, over pairs): of the rising lines through two objects,
    the one the most objects agree with (ties: the smaller median log residual); the MAP line
    where no pair rises. Every pair up to ``max_pairs``, else that many drawn with seed 0."""
    i, j = np.triu_indices(len(b), 1)
    if len(i) > max_pairs:
        pick = np.random.default_rng(0).choice(len(i), max_pairs, replace=False)
        i, j = i[pick], j[pick]
    with np.errstate(divide="ignore", invalid="ignore"):
        k = (h[j] - h[i]) / (b[j] - b[i])
    rising = np.isfinite(k) & (k > 0)
    if not rising.any():
        return _map_line(b, h)[:2]
    k, c = k[rising], (h[i] - k * b[i])[rising]
    pred = k[:, None] * b[None] + c[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        res = np.where(pred > 0, np.abs(np.log(h[None] / pred)), np.inf)
    support = (res <= math.log(AGREE_FACTOR)).sum(1)
    spread = np.median(res, 1)
    best = np.lexsort((spread, -support))[0]
    return float(k[best]), float(c[best])


def fit_camera_rule(feet, heights, standard: float = 1.0, horizon_prior: float | None = None) -> CameraRule:
    """The camera rule through objects of one standard height standing on the ground (the rule of
    Section 3.2, read from a photo as Hoiem et al. read the horizon from the people in it).

    ``feet`` and ``heights`` are ``(P,)`` rows and heights (fractions of the image height) of
    objects ``standard`` people tall (1 for people). The objects that agree with the line most of
    them agree with (:func:`_first_line`) give the rule of most posterior weight (:func:`_map_line`): the
    data decide ``k`` where the feet span enough depth, the eye-level prior where they do not.
    Without objects: ``horizon_prior`` (else a level camera's horizon) and the eye-level ``k``.
    """
    b, h = np.asarray(feet, np.float64).ravel(), np.asarray(heights, np.float64).ravel()
    if b.shape != h.shape:
        raise ValueError(f"feet and heights must have one value per object, got {b.size} and {h.size}")
    if not (np.isfinite(b).all() and np.isfinite(h).all() and (h > 0).all()) or not standard > 0:
        raise ValueError("feet and heights must be finite, heights and standard positive")
    if not b.size:
        return CameraRule(LEVEL_HORIZON if horizon_prior is None else float(horizon_prior), EYE_LEVEL_K, "prior")
    h = h / standard
    k, c = _first_line(b, h)
    ok = _agree(h, k * b + c)
    ok = ok if ok.any() else np.ones_like(ok)
    k, c, sd = _map_line(b[ok], h[ok])
    k = max(k, 0.05)
    ok = _agree(h, k * b + c)
    source = "people" if sd < DATA_DECIDES * PRIOR_K_SD else "eye level"
    lo, hi = max(k - 1.645 * sd, 0.0), k + 1.645 * sd
    return CameraRule(-c / k, k, source, int(ok.sum()), int((~ok).sum()), (lo, hi))
