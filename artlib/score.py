"""The spatial rationality score of the paper's eq. (1) (Section 3).

.. math::

    \\text{spatial score} = \\frac{\\sigma(a - b\\,x / x_{max})}{\\max(r, 1/r)}

``x`` is how far the foreground's anchor moved from its original position, ``x_max`` the
largest displacement the canvas allows from that original anchor, ``r`` the scaling ratio
(new height / original height), ``a = 10`` and ``b = 20``.

Definition of ``x_max`` used throughout this book: distances are measured in *normalised
canvas units* (x as a fraction of the canvas width, y as a fraction of its height), and
``x_max`` is the distance from the original anchor to the farthest corner of the unit
canvas, i.e. the largest move that still keeps the anchor on the canvas
(:func:`max_displacement`). The paper does not say which definition it uses.

Shown in chapter 1 (eq. 1).
"""
from __future__ import annotations

import sys
from typing import TYPE_CHECKING, TypeVar

import numpy as np

if TYPE_CHECKING:
    import torch

__all__ = ["A_DEFAULT", "B_DEFAULT", "max_displacement", "spatial_score"]

ArrayLike = TypeVar("ArrayLike", np.ndarray, "torch.Tensor", float)


def _is_tensor(value: object) -> bool:
    """Whether ``value`` is a torch tensor, without importing torch (a tensor means torch is loaded):
    a process that only renders the world never loads it."""
    torch_module = sys.modules.get("torch")
    return torch_module is not None and isinstance(value, torch_module.Tensor)

#: The paper's constants of eq. (1).
A_DEFAULT = 10.0
B_DEFAULT = 20.0


def _check_positive(name: str, value: np.ndarray | torch.Tensor, strict: bool) -> None:
    arr = value.detach().cpu().numpy() if _is_tensor(value) else np.asarray(value)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite, got {arr!r}")
    bad = arr <= 0 if strict else arr < 0
    if np.any(bad):
        cmp = "> 0" if strict else ">= 0"
        raise ValueError(f"{name} must be {cmp}, got {arr[bad].ravel()[:5]!r}")


def spatial_score(
    distance: ArrayLike,
    max_distance: ArrayLike,
    ratio: ArrayLike,
    a: float = A_DEFAULT,
    b: float = B_DEFAULT,
) -> ArrayLike:
    """Eq. (1): ``sigmoid(a - b * distance / max_distance) / max(ratio, 1 / ratio)``.

    Works element-wise on Python floats, numpy arrays and torch tensors (broadcasting);
    torch inputs keep their autograd graph. The result lies in (0, 1): it falls with the
    distance, and is symmetric in ``ratio`` and ``1 / ratio``.

    Args:
        distance: displacement ``x >= 0`` of the anchor, in normalised canvas units.
        max_distance: ``x_max > 0``, see :func:`max_displacement`.
        ratio: scaling ratio ``r > 0``.
        a, b: the constants of eq. (1) (paper: 10 and 20).

    Raises:
        ValueError: on a negative distance, a non-positive ``max_distance`` or ``ratio``,
            or non-finite values.

    Example: the person where they stood scores ``sigmoid(10)``; halfway to the far corner
    and twice the size, ``sigmoid(0) / 2``:

    >>> round(spatial_score(0.0, 1.0, 1.0), 6)
    0.999955
    >>> spatial_score(0.5, 1.0, 2.0)
    0.25
    """
    _check_positive("distance", distance, strict=False)
    _check_positive("max_distance", max_distance, strict=True)
    _check_positive("ratio", ratio, strict=True)
    if not (np.isfinite(a) and np.isfinite(b)):
        raise ValueError(f"a and b must be finite, got a={a!r}, b={b!r}")
    if any(_is_tensor(v) for v in (distance, max_distance, ratio)):
        import torch

        ref = next(v for v in (distance, max_distance, ratio) if _is_tensor(v))
        dtype = ref.dtype if ref.is_floating_point() else torch.get_default_dtype()
        d, m, r = (torch.as_tensor(v, dtype=dtype, device=ref.device) for v in (distance, max_distance, ratio))
        return torch.sigmoid(a - b * d / m) / torch.maximum(r, 1.0 / r)
    d, m, r = (np.asarray(v, dtype=np.float64) for v in (distance, max_distance, ratio))
    out = 1.0 / (1.0 + np.exp(-(a - b * d / m))) / np.maximum(r, 1.0 / r)
    return float(out) if out.ndim == 0 else out


def max_displacement(anchor_x: ArrayLike, anchor_y: ArrayLike) -> ArrayLike:
    """``x_max`` of eq. (1): distance from an anchor to the farthest corner of the unit canvas.

    Args:
        anchor_x, anchor_y: the original anchor in normalised canvas units, in [0, 1].

    >>> round(float(max_displacement(0.5, 1.0)), 4)  # bottom centre: the top corners, sqrt(0.5^2 + 1)
    1.118
    """
    x = np.asarray(anchor_x, dtype=np.float64)
    y = np.asarray(anchor_y, dtype=np.float64)
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(y))) or np.any((x < 0) | (x > 1) | (y < 0) | (y > 1)):
        raise ValueError(f"anchor must lie on the unit canvas, got ({anchor_x}, {anchor_y})")
    out = np.hypot(np.maximum(x, 1 - x), np.maximum(y, 1 - y))
    return float(out) if out.ndim == 0 else out
