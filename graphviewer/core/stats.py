"""Activation statistics, computed on the fly so that no activation is kept.

Moments, extremes, zeros, NaN/Inf and dead units are exact for every tensor, from one compiled
pass over its memory (`core.scan`). The histogram is exact up to `HIST_SAMPLE` values; a larger
tensor's histogram counts an even sample of them, runs of 16 consecutive values at a stride
(`ActivationStats.hist_total` says how many), which keeps capture within ~1.5× of a plain
forward.
"""

from __future__ import annotations

import math
from collections.abc import Hashable
from typing import Any

import numpy as np
import torch

from graphviewer.core.dtypes import dtype_name
from graphviewer.core.scan import summarize
from graphviewer.core.types import ActivationStats

DEFAULT_BINS = 64
HIST_SAMPLE = 1 << 13  # values a histogram counts at most
MAX_UNITS = 4096  # units whose per-unit figures are kept (3 float32 arrays: 48 KiB at most)
_RUN = 16  # consecutive values a sampled histogram takes at a time (64 bytes of float32)
_WHOLE_RUN = 512  # values binned at a time when the histogram counts them all


def unit_dim(ndim: int) -> int | None:
    """The dimension that holds units (features/channels) of an activation of this rank.

    (batch, features) → 1; (batch, seq, features) → 2, as transformers and RNNs lay them out;
    (batch, channels, *spatial) → 1. A scalar or a vector has no units.
    """
    if ndim == 2 or ndim >= 4:
        return 1
    if ndim == 3:
        return 2
    return None


def same_figures(a: tuple[int, ...], b: tuple[int, ...]) -> bool:
    """True when the same contiguous values in shape `a` and in shape `b` have the same
    statistics but for the shape: the same units holding the same values (unit size and
    everything after it), and the same histogram sample (`sample_runs` looks at the sizes)."""
    if {d for d in a if d > 1} != {d for d in b if d > 1}:
        return False
    da, db = unit_dim(len(a)), unit_dim(len(b))
    if da is None or db is None:
        return da is None and db is None
    return a[da] == b[db] and math.prod(a[da + 1 :]) == math.prod(b[db + 1 :])


def _as_array(tensor: torch.Tensor) -> np.ndarray:
    """The tensor's values as a C-contiguous float32/float64 numpy array (no copy when they
    already are: the kernel reads the tensor's own memory)."""
    x = tensor.detach()
    if x.is_complex():
        x = x.abs()
    if x.layout != torch.strided:
        x = x.to_dense()
    if x.device.type != "cpu":
        x = x.cpu()
    if x.dtype != torch.float32 and x.dtype != torch.float64:
        x = x.float()
    return x.resolve_conj().resolve_neg().contiguous().numpy()


def sample_runs(n: int, shape: tuple[int, ...]) -> tuple[int, int]:
    """The histogram's even sample of `n` values: (step, run), runs of `run` consecutive values
    (a cache line) starting every `step` values. `step` is the least one that keeps the sample
    within HIST_SAMPLE and shares no factor with any dimension, so that the runs start in every
    row and column alike. Up to HIST_SAMPLE values, every value: step == run."""
    if n <= HIST_SAMPLE:
        return _WHOLE_RUN, _WHOLE_RUN
    step = -(-n // (HIST_SAMPLE // _RUN))
    while any(d > 1 and math.gcd(step, d) > 1 for d in shape):
        step += 1
    return step, _RUN


def tensor_stats(tensor: torch.Tensor, bins: int = DEFAULT_BINS) -> ActivationStats:
    """Statistics of one activation: moments, extremes, zeros, NaN/Inf, histogram, dead units,
    and per unit (up to MAX_UNITS) the active fraction, mean and std.

    Reads the tensor (detached: no autograd, no torch function mode); never changes it."""
    with torch._C.DisableTorchFunction():
        shape = tuple(tensor.shape)
        dtype = dtype_name(tensor.dtype)
        values = _as_array(tensor)
    count = values.size
    dim = unit_dim(values.ndim)
    units = shape[dim] if dim is not None else 0
    if count == 0:
        nan = math.nan
        empty_counts = np.zeros(bins, dtype=np.int64)
        return ActivationStats(
            shape, dtype, 0, nan, nan, nan, nan, 0.0, 0, 0, np.zeros(bins + 1), empty_counts,
            units=units, hist_total=0,
        )  # fmt: skip
    got = summarize(values, dim, bins, *sample_runs(count, shape), max_units=MAX_UNITS)
    per_unit: dict[str, Any] = {}
    if 0 < units <= MAX_UNITS:
        per_unit = {
            "unit_active": got.unit_active,
            "unit_mean": got.unit_mean,
            "unit_std": got.unit_std,
            "unit_samples": count // units,
        }
    return ActivationStats(
        shape=shape,
        dtype=dtype,
        count=count,
        mean=got.mean,
        std=got.std,
        min=got.min,
        max=got.max,
        zeros_fraction=got.zeros / count,
        nan_count=got.nan,
        inf_count=got.inf,
        hist_edges=got.hist_edges,
        hist_counts=got.hist_counts,
        units=units,
        dead_units=got.dead_units,
        hist_total=got.hist_total,
        **per_unit,
    )


class StatsCollector:
    """Statistics of many activations by key, measured as they are added (nothing is kept)."""

    def __init__(self, bins: int = DEFAULT_BINS) -> None:
        self.bins = bins
        self._done: dict[Hashable, ActivationStats] = {}

    def add(self, key: Hashable, tensor: torch.Tensor) -> None:
        self._done[key] = tensor_stats(tensor, self.bins)

    def results(self) -> dict[Hashable, ActivationStats]:
        return dict(self._done)
