"""Activation statistics of a tensor, computed on the fly so that no activation is kept."""

from __future__ import annotations

import math

import numpy as np
import torch

from graphviewer.core.types import ActivationStats

DEFAULT_BINS = 64


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


@torch.no_grad()
def tensor_stats(tensor: torch.Tensor, bins: int = DEFAULT_BINS) -> ActivationStats:
    """Statistics of one activation: moments, extremes, zeros, NaN/Inf, histogram, dead units."""
    x = tensor.detach()
    if x.is_complex():
        x = x.abs()
    if x.layout != torch.strided:
        x = x.to_dense()
    if not x.is_floating_point() or x.dtype in (torch.float16, torch.bfloat16):
        x = x.float()
    if x.device.type != "cpu":
        x = x.cpu()
    count = x.numel()
    shape = tuple(int(s) for s in tensor.shape)
    dtype = str(tensor.dtype).removeprefix("torch.")
    if count == 0:
        return ActivationStats(
            shape,
            dtype,
            0,
            math.nan,
            math.nan,
            math.nan,
            math.nan,
            0.0,
            0,
            0,
            np.zeros(bins + 1),
            np.zeros(bins, dtype=np.int64),
        )
    flat = x.reshape(-1)
    nan_count = int(torch.isnan(flat).sum())
    inf_count = int(torch.isinf(flat).sum())
    finite = flat[torch.isfinite(flat)] if nan_count or inf_count else flat
    zeros = int((flat == 0).sum())
    if finite.numel():
        lo, hi = (float(v) for v in torch.aminmax(finite))
        mean = float(finite.mean(dtype=torch.float64))
        std = float(finite.std(unbiased=False)) if finite.numel() > 1 else 0.0
        top = hi if hi > lo else lo + 1.0
        counts = torch.histc(finite, bins=bins, min=lo, max=top)
        edges = np.linspace(lo, top, bins + 1)
    else:
        lo = hi = mean = std = math.nan
        counts = torch.zeros(bins)
        edges = np.zeros(bins + 1)
    units, dead = _dead_units(x)
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
        hist_edges=edges.astype(np.float64),
        hist_counts=counts.to(torch.int64).numpy().copy(),
        units=units,
        dead_units=dead,
    )


def _dead_units(x: torch.Tensor) -> tuple[int, int]:
    """(units, units that are zero for every sample and position)."""
    dim = unit_dim(x.ndim)
    if dim is None or x.shape[0] < 1:
        return 0, 0
    units = int(x.shape[dim])
    alive = x.ne(0).movedim(dim, -1).reshape(-1, units).any(dim=0)
    return units, int(units - int(alive.sum()))
