"""Activation statistics against a plain numpy reference, on both paths (single and batched)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from graphviewer.core.stats import (
    HIST_SAMPLE,
    NUMPY_MAX,
    SMALL,
    StatsCollector,
    sample_step,
    tensor_stats,
)


def _tensors() -> list[torch.Tensor]:
    gen = torch.Generator().manual_seed(0)
    relu = torch.relu(torch.randn(16, 32, generator=gen) - 0.5)
    relu[:, :5] = 0  # five dead units
    special = torch.randn(8, 10, generator=gen)
    special[0, 0], special[1, 1], special[2, 2] = math.nan, math.inf, 0.0
    big = torch.randn(4, 16, 40, 40, generator=gen) * 3 + 1  # > SMALL: the single path (numpy)
    huge = torch.relu(torch.randn(2, 8, 100, 100, generator=gen))  # > NUMPY_MAX: torch
    huge[:, 3] = 0  # one dead channel
    huge[0, 0, 0, :3] = torch.tensor([math.nan, math.inf, -math.inf])
    return [relu, special, big, torch.randn(3, 7, 5, generator=gen).double(), huge]


@pytest.mark.parametrize("batched", [False, True])
def test_stats_match_numpy_reference(batched: bool) -> None:
    tensors = _tensors()
    if batched:
        collector = StatsCollector()
        for i, t in enumerate(tensors):
            collector.add(i, t)
        results = collector.results()
        got = [results[i] for i in range(len(tensors))]
    else:
        got = [tensor_stats(t) for t in tensors]
    for t, st in zip(tensors, got, strict=True):
        a = t.double().numpy().reshape(-1)
        finite = a[np.isfinite(a)]
        assert st.count == a.size
        assert st.nan_count == int(np.isnan(a).sum()) and st.inf_count == int(np.isinf(a).sum())
        assert st.min == pytest.approx(finite.min()) and st.max == pytest.approx(finite.max())
        # tensors above NUMPY_MAX accumulate in float32 (documented in stats._torch_moments)
        rel = 1e-5 if t.numel() <= NUMPY_MAX else 2e-4
        assert st.mean == pytest.approx(finite.mean(), rel=rel, abs=1e-6)
        assert st.std == pytest.approx(finite.std(), rel=rel)
        assert st.zeros_fraction == pytest.approx((a == 0).mean())
        assert int(st.hist_counts.sum()) == st.hist_total
        assert len(st.hist_edges) == len(st.hist_counts) + 1
    assert got[0].units == 32 and got[0].dead_units == 5
    assert got[2].units == 16 and got[2].dead_units == 0
    assert tensors[2].numel() > SMALL and got[2].hist_sampled
    assert got[2].hist_total <= HIST_SAMPLE
    assert tensors[4].numel() > NUMPY_MAX
    assert got[4].units == 8 and got[4].dead_units == 1 and got[4].hist_sampled


def test_sample_step_walks_every_column() -> None:
    shape = (64, 768)
    step = sample_step(64 * 768, shape)
    assert step > 1 and math.gcd(step, 768) == 1
    columns = {i % 768 for i in range(0, 64 * 768, step)}
    assert len(columns) == 768  # no column is skipped by the stride
