"""Activation statistics against a plain numpy reference, for every layout and dtype the
kernel takes (units along the last axis, channels with a spatial extent, no units at all)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from graphviewer.core.stats import HIST_SAMPLE, StatsCollector, sample_runs, tensor_stats


def _tensors() -> list[torch.Tensor]:
    gen = torch.Generator().manual_seed(0)
    relu = torch.relu(torch.randn(16, 32, generator=gen) - 0.5)
    relu[:, :5] = 0  # five dead units
    special = torch.randn(8, 10, generator=gen)
    special[0, 0], special[1, 1], special[2, 2] = math.nan, math.inf, 0.0
    big = torch.randn(4, 16, 40, 40, generator=gen) * 3 + 1  # sampled histogram
    huge = torch.relu(torch.randn(2, 8, 100, 100, generator=gen))
    huge[:, 3] = 0  # one dead channel
    huge[0, 0, 0, :3] = torch.tensor([math.nan, math.inf, -math.inf])
    offset = torch.randn(64, 700, generator=gen) * 1e-3 + 1e4  # mean ≫ spread
    seq = torch.relu(torch.randn(2, 50, 96, generator=gen))  # (batch, seq, features)
    seq[..., 7] = 0
    return [
        relu,
        special,
        big,
        torch.randn(3, 7, 5, generator=gen).double(),
        huge,
        offset,
        seq,
        torch.randn(1000, generator=gen).half(),
        torch.randn(5, 6, generator=gen).t(),  # not contiguous
        torch.randint(-3, 3, (20, 4), generator=gen),
        torch.tensor(2.5),
        -torch.randn(3, 4, generator=gen),
        torch.full((6, 3), -0.0),
    ]


def test_stats_match_numpy_reference() -> None:
    tensors = _tensors()
    for t in tensors:
        st = tensor_stats(t)
        a = t.double().numpy().reshape(-1)
        finite = a[np.isfinite(a)]
        assert st.shape == tuple(t.shape) and st.count == a.size
        assert st.dtype == str(t.dtype).removeprefix("torch.")
        assert st.nan_count == int(np.isnan(a).sum()) and st.inf_count == int(np.isinf(a).sum())
        assert st.min == finite.min() and st.max == finite.max()  # exact, not approximate
        assert st.mean == pytest.approx(finite.mean(), rel=1e-9, abs=1e-12)
        assert st.std == pytest.approx(finite.std(), rel=1e-6, abs=1e-12)
        assert st.zeros_fraction == pytest.approx((a == 0).mean())
        assert int(st.hist_counts.sum()) == st.hist_total
        assert len(st.hist_edges) == len(st.hist_counts) + 1
        assert st.hist_edges[0] == st.min
        if finite.size <= HIST_SAMPLE:
            assert st.hist_total == finite.size and not st.hist_sampled
            reference, _ = np.histogram(finite, bins=st.hist_edges)
            assert st.hist_counts.tolist() == reference.tolist()
    relu, _, big, _, huge, _, seq = (tensor_stats(t) for t in tensors[:7])
    assert relu.units == 32 and relu.dead_units == 5
    assert big.units == 16 and big.dead_units == 0
    assert big.hist_sampled and HIST_SAMPLE // 2 < big.hist_total <= HIST_SAMPLE
    assert huge.units == 8 and huge.dead_units == 1 and huge.hist_sampled
    assert seq.units == 96 and seq.dead_units == 1


def test_stats_histogram_sample_follows_the_distribution() -> None:
    t = torch.linspace(0, 1, 512 * 1024).reshape(512, 1024)
    st = tensor_stats(t, bins=8)
    assert st.hist_sampled
    share = st.hist_counts / st.hist_counts.sum()
    assert np.allclose(share, 1 / 8, atol=0.01)  # uniform values: even bins


def test_stats_leave_the_tensor_alone() -> None:
    t = torch.randn(4, 8, requires_grad=True)
    y = t * 2
    before = y.detach().clone()
    st = tensor_stats(y)
    assert torch.equal(y, before) and y.grad_fn is not None and st.count == 32


def test_stats_of_empty_and_all_nan() -> None:
    empty = tensor_stats(torch.zeros(0, 5))
    assert empty.count == 0 and empty.hist_total == 0 and math.isnan(empty.mean)
    nan = tensor_stats(torch.full((3, 4), math.nan))
    assert nan.nan_count == 12 and nan.hist_total == 0 and math.isnan(nan.min)
    assert nan.dead_units == 0  # NaN is not zero: no unit is dead


def test_collector_keys_results() -> None:
    collector = StatsCollector()
    for i, t in enumerate(_tensors()[:3]):
        collector.add(i, t)
    results = collector.results()
    assert sorted(results) == [0, 1, 2] and results[0].dead_units == 5


def test_sample_runs_walk_every_column() -> None:
    shape = (64, 768)
    step, run = sample_runs(64 * 768, shape)
    assert step > run and math.gcd(step, 768) == 1
    starts = range(0, 64 * 768, step)
    assert len({i % 768 for i in starts}) == len(starts)  # no two runs start in one column
    columns = {(i + j) % 768 for i in starts for j in range(run)}
    assert len(columns) == 768  # and together they take every column
    assert sample_runs(100, (10, 10))[0] == sample_runs(100, (10, 10))[1]  # every value


def test_kernels_compile_where_no_cache_can_be_written(monkeypatch: pytest.MonkeyPatch) -> None:
    """A read-only install with no home folder: numba refuses `cache=True` at import."""
    from graphviewer.core import scan

    real = scan.njit

    def refusing(**options: object) -> object:
        if options.get("cache"):
            raise RuntimeError("cannot cache function 'f': no locator available for file 'x'")
        return real(**options)

    monkeypatch.setattr(scan, "njit", refusing)

    def double(x: int) -> int:
        return x * 2

    assert scan._kernel()(double)(21) == 42
