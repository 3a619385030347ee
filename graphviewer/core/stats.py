"""Activation statistics, computed on the fly so that no activation is kept.

Moments, extremes, zeros, NaN/Inf and dead units are exact for every tensor. The histogram is
exact up to `HIST_SAMPLE` values; a larger tensor's histogram counts an evenly strided sample of
them (`ActivationStats.hist_total` says how many), which keeps capture within ~1.5× of a plain
forward. Small tensors are batched: `StatsCollector` copies them and computes all their statistics
in a few vectorised passes, so a 1,000-op model does not pay 1,000 rounds of per-call overhead.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
import torch

from graphviewer.core.types import ActivationStats

DEFAULT_BINS = 64
HIST_SAMPLE = 1 << 14  # values a histogram counts at most
SMALL = 1 << 15  # tensors up to this many elements are batched
FLUSH_AT = 1 << 22  # pending batched elements before a flush (16 MB of float32)
NUMPY_MAX = 1 << 17  # above this, torch's threaded reductions beat numpy's


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


def _as_float(tensor: torch.Tensor) -> torch.Tensor:
    x = tensor.detach()
    if x.is_complex():
        x = x.abs()
    if x.layout != torch.strided:
        x = x.to_dense()
    if x.device.type != "cpu":
        x = x.cpu()
    if x.dtype != torch.float32 and x.dtype != torch.float64:
        x = x.float()
    return x


def _dtype_name(t: torch.Tensor) -> str:
    return str(t.dtype).removeprefix("torch.")


def _empty(shape: tuple[int, ...], dtype: str, bins: int) -> ActivationStats:
    nan = math.nan
    return ActivationStats(
        shape,
        dtype,
        0,
        nan,
        nan,
        nan,
        nan,
        0.0,
        0,
        0,
        np.zeros(bins + 1),
        np.zeros(bins, dtype=np.int64),
    )


@torch.no_grad()
def tensor_stats(tensor: torch.Tensor, bins: int = DEFAULT_BINS) -> ActivationStats:
    """Statistics of one activation: moments, extremes, zeros, NaN/Inf, histogram, dead units."""
    with torch._C.DisableTorchFunction():
        return _tensor_stats(tensor, bins)


def _tensor_stats(tensor: torch.Tensor, bins: int) -> ActivationStats:
    shape = tuple(int(s) for s in tensor.shape)
    dtype = _dtype_name(tensor)
    x = _as_float(tensor)
    count = x.numel()
    if count == 0:
        return _empty(shape, dtype, bins)
    # Mid-size tensors: numpy on the tensor's own memory, single-threaded with little per-call
    # cost (torch's intra-op threads are busy with the forward). Large ones: torch's threads.
    ops = _TORCH if count > NUMPY_MAX else _NUMPY
    values = x if count > NUMPY_MAX else x.numpy()
    flat = values.reshape(-1)
    lo, hi = ops.extremes(flat)
    nan_count = inf_count = 0
    finite = flat
    if not (math.isfinite(lo) and math.isfinite(hi)):
        nan_count, inf_count, finite = ops.nonfinite(flat)
        if len(finite):
            lo, hi = ops.extremes(finite)
    zeros = count - ops.nonzero(flat)
    n = len(finite)
    if n:
        mean, std = ops.moments(finite)
        sample = ops.to_numpy(finite[:: sample_step(n, shape)])
        counts, edges = _histogram(sample, lo, hi, bins)
        hist_total = int(sample.size)
    else:
        lo = hi = mean = std = math.nan
        counts, edges, hist_total = np.zeros(bins, dtype=np.int64), np.zeros(bins + 1), 0
    units, dead = ops.dead_units(values) if zeros else (_units(values), 0)
    return ActivationStats(
        shape=shape,
        dtype=dtype,
        count=count,
        mean=mean,
        std=std,
        min=lo,
        max=hi,
        zeros_fraction=zeros / count,
        nan_count=nan_count,
        inf_count=inf_count,
        hist_edges=edges,
        hist_counts=counts,
        units=units,
        dead_units=dead,
        hist_total=hist_total,
    )


class _Reductions(NamedTuple):
    """The few reductions numpy and torch spell differently; `_tensor_stats` is written once."""

    extremes: Callable[[Any], tuple[float, float]]
    nonfinite: Callable[[Any], tuple[int, int, Any]]  # NaN count, Inf count, finite values
    nonzero: Callable[[Any], int]
    moments: Callable[[Any], tuple[float, float]]  # mean, population std
    to_numpy: Callable[[Any], np.ndarray]
    dead_units: Callable[[Any], tuple[int, int]]


def _np_moments(a: np.ndarray) -> tuple[float, float]:
    return float(a.mean(dtype=np.float64)), float(a.std(dtype=np.float64))


def _torch_moments(t: torch.Tensor) -> tuple[float, float]:
    # float32 accumulation (pairwise in torch): within ~1e-4 of exact, and no float64 copy of
    # a multi-megabyte activation.
    mean = float(t.mean())
    return mean, float(torch.linalg.vector_norm(t - mean)) / math.sqrt(t.numel())


def _torch_dead_units(x: torch.Tensor) -> tuple[int, int]:
    dim = unit_dim(x.ndim)
    if dim is None or x.shape[dim] == 0:
        return 0, 0
    peak = x.abs().amax(dim=tuple(d for d in range(x.ndim) if d != dim))  # NaN counts as alive
    return int(x.shape[dim]), int((peak == 0).sum())


_NUMPY = _Reductions(
    extremes=lambda a: (float(a.min()), float(a.max())),
    nonfinite=lambda a: (int(np.isnan(a).sum()), int(np.isinf(a).sum()), a[np.isfinite(a)]),
    nonzero=lambda a: int(np.count_nonzero(a)),
    moments=_np_moments,
    to_numpy=lambda a: a,
    dead_units=lambda a: _dead_units(a),
)
_TORCH = _Reductions(
    extremes=lambda t: tuple(float(v) for v in torch.aminmax(t)),  # type: ignore[arg-type,return-value]
    nonfinite=lambda t: (
        int(torch.isnan(t).sum()),
        int(torch.isinf(t).sum()),
        t[torch.isfinite(t)],
    ),
    nonzero=lambda t: int(torch.count_nonzero(t)),  # one pass, no temporary
    moments=_torch_moments,
    to_numpy=lambda t: t.numpy(),
    dead_units=_torch_dead_units,
)


def sample_step(n: int, shape: tuple[int, ...]) -> int:
    """Stride of the histogram's even sample: the least step ≥ n / HIST_SAMPLE sharing no factor
    with any dimension, so that the sample walks through every row and column alike."""
    step = -(-n // HIST_SAMPLE)
    if step <= 1:
        return 1
    while any(d > 1 and math.gcd(step, d) > 1 for d in shape):
        step += 1
    return step


def _histogram(
    sample: np.ndarray, lo: float, hi: float, bins: int
) -> tuple[np.ndarray, np.ndarray]:
    """Counts and edges of `bins` equal bins over [lo, hi] (the top value in the last bin)."""
    top = hi if hi > lo else lo + 1.0
    index = ((sample - lo) * (bins / (top - lo))).astype(np.intp)
    np.clip(index, 0, bins - 1, out=index)
    return np.bincount(index, minlength=bins).astype(np.int64), np.linspace(lo, top, bins + 1)


def _dead_units(arr: np.ndarray) -> tuple[int, int]:
    """(units, units that are zero for every sample and position), for a numpy activation."""
    dim = unit_dim(arr.ndim)
    if dim is None or arr.shape[dim] == 0:
        return 0, 0
    others = tuple(d for d in range(arr.ndim) if d != dim)
    alive = np.any(arr != 0, axis=others)  # NaN is != 0: it counts as alive
    return int(arr.shape[dim]), int(arr.shape[dim] - np.count_nonzero(alive))


def _units(x: torch.Tensor | np.ndarray) -> int:
    dim = unit_dim(x.ndim)
    return int(x.shape[dim]) if dim is not None else 0


@dataclass
class _Pending:
    key: Hashable
    values: torch.Tensor  # flat float copy
    shape: tuple[int, ...]
    dtype: str
    full: torch.Tensor  # the copy, in its own shape (for dead units)


class StatsCollector:
    """Gathers statistics of many activations, batching the small ones (see the module doc)."""

    def __init__(self, bins: int = DEFAULT_BINS) -> None:
        self.bins = bins
        self._done: dict[Hashable, ActivationStats] = {}
        self._pending: list[_Pending] = []
        self._pending_size = 0

    @torch.no_grad()
    def add(self, key: Hashable, tensor: torch.Tensor) -> None:
        """Record `tensor`'s statistics under `key` (a copy of a small one is kept until flush)."""
        with torch._C.DisableTorchFunction():
            if tensor.numel() > SMALL or tensor.numel() == 0:
                self._done[key] = _tensor_stats(tensor, self.bins)
                return
            copy = _as_float(tensor).clone()
            self._pending.append(
                _Pending(key, copy.reshape(-1), tuple(tensor.shape), _dtype_name(tensor), copy)
            )
            self._pending_size += copy.numel()
        if self._pending_size >= FLUSH_AT:
            self.flush()

    def results(self) -> dict[Hashable, ActivationStats]:
        self.flush()
        return dict(self._done)

    @torch.no_grad()
    def flush(self) -> None:
        if not self._pending:
            return
        with torch._C.DisableTorchFunction():
            self._done.update(_batched_stats(self._pending, self.bins))
        self._pending.clear()
        self._pending_size = 0


def _batched_stats(items: list[_Pending], bins: int) -> dict[Hashable, ActivationStats]:
    """Exact statistics of many small tensors at once, with segment reductions."""
    sizes = torch.tensor([p.values.numel() for p in items])
    seg_count = len(items)
    values = torch.cat([p.values.double() for p in items])
    seg = torch.repeat_interleave(torch.arange(seg_count), sizes)
    finite = torch.isfinite(values)
    all_finite = bool(finite.all())
    nan_c = torch.zeros(seg_count, dtype=torch.int64)
    inf_c = torch.zeros(seg_count, dtype=torch.int64)
    if not all_finite:
        nan_c.index_add_(0, seg, torch.isnan(values).long())
        inf_c.index_add_(0, seg, torch.isinf(values).long())
        fvals, fseg = values[finite], seg[finite]
    else:
        fvals, fseg = values, seg
    n = torch.bincount(fseg, minlength=seg_count).double()
    inf = torch.full((seg_count,), math.inf, dtype=torch.float64)
    lo = inf.scatter_reduce(0, fseg, fvals, "amin")
    hi = (-inf).scatter_reduce(0, fseg, fvals, "amax")
    total = torch.zeros(seg_count, dtype=torch.float64).index_add_(0, fseg, fvals)
    mean = total / n.clamp(min=1)
    dev = fvals - mean[fseg]
    var = torch.zeros(seg_count, dtype=torch.float64).index_add_(0, fseg, dev * dev) / n.clamp(
        min=1
    )
    zeros = torch.bincount(seg[values == 0], minlength=seg_count)
    width = torch.where(hi > lo, hi - lo, torch.ones_like(hi))
    local = ((fvals - lo[fseg]) / width[fseg] * bins).long().clamp_(0, bins - 1)
    counts = torch.bincount(fseg * bins + local, minlength=seg_count * bins).view(seg_count, bins)
    out: dict[Hashable, ActivationStats] = {}
    lo_l, hi_l, n_l = lo.tolist(), hi.tolist(), n.long().tolist()
    mean_l, std_l, zeros_l = mean.tolist(), var.sqrt().tolist(), zeros.tolist()
    nan_l, inf_l, width_l = nan_c.tolist(), inf_c.tolist(), width.tolist()
    counts_np = counts.numpy()
    for i, p in enumerate(items):
        count = p.values.numel()
        has = n_l[i] > 0
        units, dead = _dead_units(p.full.numpy()) if zeros_l[i] else (_units(p.full), 0)
        out[p.key] = ActivationStats(
            shape=p.shape,
            dtype=p.dtype,
            count=count,
            mean=mean_l[i] if has else math.nan,
            std=std_l[i] if has else math.nan,
            min=lo_l[i] if has else math.nan,
            max=hi_l[i] if has else math.nan,
            zeros_fraction=zeros_l[i] / count,
            nan_count=nan_l[i],
            inf_count=inf_l[i],
            hist_edges=(
                np.linspace(lo_l[i], lo_l[i] + width_l[i], bins + 1) if has else np.zeros(bins + 1)
            ),
            hist_counts=counts_np[i].astype(np.int64),
            units=units,
            dead_units=dead,
            hist_total=n_l[i],
        )
    return out
