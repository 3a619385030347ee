"""Per-unit figures (active fraction, mean, std) against torch computed directly."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from graphviewer.core.stats import MAX_UNITS, tensor_stats


def _reference(t: torch.Tensor, dim: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    x = t.double().movedim(dim, -1).reshape(-1, t.shape[dim])
    active = (x != 0).double().mean(0)
    return active.numpy(), x.mean(0).numpy(), x.std(0, unbiased=False).numpy()


@pytest.mark.parametrize(
    ("shape", "dim"),
    [((64, 32), 1), ((4, 10, 48), 2), ((8, 6, 5, 7), 1), ((2, 3, 4, 4, 4), 1)],
)
def test_unit_stats_match_torch(shape: tuple[int, ...], dim: int) -> None:
    gen = torch.Generator().manual_seed(1)
    t = torch.relu(torch.randn(*shape, generator=gen) * 2 + 0.3)
    index = [slice(None)] * len(shape)
    index[dim] = slice(0, 3)
    t[tuple(index)] = 0  # three dead units
    st = tensor_stats(t)
    active, mean, std = _reference(t, dim)
    assert st.has_units and st.units == shape[dim]
    assert st.unit_samples == t.numel() // shape[dim]
    np.testing.assert_allclose(st.unit_active, active, rtol=1e-6)
    np.testing.assert_allclose(st.unit_mean, mean, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(st.unit_std, std, rtol=1e-4, atol=1e-6)
    assert st.dead_units == int((active == 0).sum()) >= 3


def test_unit_stats_of_a_norm_layer_are_near_zero_and_one() -> None:
    bn = torch.nn.BatchNorm2d(16).train()
    x = torch.randn(8, 16, 6, 6) * 5 + 3
    with torch.no_grad():
        st = tensor_stats(bn(x))
    assert st.unit_mean is not None and st.unit_std is not None
    np.testing.assert_allclose(st.unit_mean, 0.0, atol=1e-5)
    np.testing.assert_allclose(st.unit_std, 1.0, atol=1e-3)


def test_unit_stats_stay_exact_when_the_mean_dwarfs_the_spread() -> None:
    t = torch.randn(256, 8, dtype=torch.float64) * 1e-3 + 1e4
    st = tensor_stats(t)
    _, mean, std = _reference(t, 1)
    np.testing.assert_allclose(st.unit_mean, mean, rtol=1e-7)
    np.testing.assert_allclose(st.unit_std, std, rtol=1e-3)


def test_unit_stats_are_bounded_and_absent_without_units() -> None:
    wide = tensor_stats(torch.zeros(2, MAX_UNITS + 1))
    assert wide.units == MAX_UNITS + 1 and not wide.has_units
    assert wide.dead_units == MAX_UNITS + 1  # counted all the same
    for t in (torch.randn(7), torch.tensor(1.0), torch.zeros(0, 4)):
        assert not tensor_stats(t).has_units


def test_unit_stats_with_nan_mark_only_the_units_that_hold_it() -> None:
    t = torch.ones(10, 4)
    t[3, 2] = math.nan
    st = tensor_stats(t)
    assert st.unit_mean is not None
    assert math.isnan(st.unit_mean[2])
    np.testing.assert_array_equal(st.unit_mean[[0, 1, 3]], 1.0)
    assert st.nan_count == 1 and st.mean == 1.0
