import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from artlib.score import max_displacement, spatial_score

dist = st.floats(0, 2, allow_nan=False)
ratio = st.floats(0.05, 20, allow_nan=False)


@given(dist, ratio)
def test_range_open_unit_interval(x, r):
    s = spatial_score(x, 1.5, r)
    assert 0 < s < 1


@given(dist, dist, ratio)
def test_monotone_in_distance(x1, x2, r):
    lo, hi = sorted((x1, x2))
    assert spatial_score(lo, 1.0, r) >= spatial_score(hi, 1.0, r)


@given(dist, ratio)
def test_symmetric_in_ratio(x, r):
    assert spatial_score(x, 1.0, r) == pytest.approx(spatial_score(x, 1.0, 1 / r), rel=1e-12)


@pytest.mark.parametrize(
    "rel, expected", [(0.3, 0.982), (0.4, 0.881), (0.5, 0.5), (0.6, 0.119), (0.7, 0.018)]
)
def test_values_of_the_sigmoid_table(rel, expected):
    """Eq. (1) at 0.3 to 0.7 of x_max, the sigmoid worked out by hand (0.5 at half of x_max)."""
    assert spatial_score(rel * 0.8, 0.8, 1.0) == pytest.approx(expected, abs=5e-4)


def test_scale_divides_the_score():
    assert spatial_score(0.0, 1.0, 2.0) == pytest.approx(spatial_score(0.0, 1.0, 1.0) / 2)


def test_numpy_and_torch_agree_and_broadcast():
    x = np.linspace(0, 1, 11)
    r = np.array([[0.5], [1.0], [3.0]])
    a = spatial_score(x, 1.0, r)
    t = spatial_score(torch.tensor(x), 1.0, torch.tensor(r))
    assert a.shape == (3, 11) and isinstance(t, torch.Tensor)
    np.testing.assert_allclose(a, t.numpy(), rtol=1e-12)


def test_torch_gradient_flows():
    x = torch.tensor([0.3, 0.5], requires_grad=True)
    spatial_score(x, 1.0, 1.0).sum().backward()
    assert torch.all(x.grad < 0)


@pytest.mark.parametrize("args", [(-0.1, 1.0, 1.0), (0.1, 0.0, 1.0), (0.1, 1.0, 0.0), (float("nan"), 1.0, 1.0)])
def test_bad_input_is_refused(args):
    with pytest.raises(ValueError):
        spatial_score(*args)


def test_max_displacement_is_distance_to_farthest_corner():
    assert max_displacement(0.5, 0.5) == pytest.approx(np.hypot(0.5, 0.5))
    assert max_displacement(0.0, 1.0) == pytest.approx(np.sqrt(2))
    assert max_displacement(0.25, 0.9) == pytest.approx(np.hypot(0.75, 0.9))
    with pytest.raises(ValueError):
        max_displacement(1.2, 0.5)
