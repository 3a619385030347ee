"""One pass over an activation's memory: the compiled kernel behind `core.stats`.

A forward pass makes hundreds of activations, some of many megabytes, and capture may cost only
a fraction of the forward itself. Separate reductions (min/max, sum, sum of squares, zero count,
per-unit activity) would read each activation five or more times; this kernel reads it once,
with vectorised loops, and a second time only over the few values a histogram samples.

- Sums are float64, shifted by one of the values, so mean and variance stay exact to ~1e-12
  even when the mean dwarfs the spread.
- Minimum and maximum are taken over the values' bits as ordered integers (a float's sign and
  magnitude bits, mapped so that integer order is float order): integer min/max reductions
  vectorise where floating-point ones do not.
- NaN and ±Inf make the sums non-finite; only then a slower exact pass counts them and redoes
  the sums and extremes over the finite values.

The fast-math flags allow reassociation (vectorised sums) but not "no NaNs / no Infs", so NaN
and Inf keep their meaning in every comparison.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np
from numba import njit

_FASTMATH = {"reassoc", "nsz", "contract", "arcp"}


def _kernel(fastmath: bool | set[str] = False) -> Callable[[Callable[..., Any]], Any]:
    """numba's `njit`, GIL released, compiled code cached on disk (beside this file or in the
    user's cache folder) so that only the first run on a machine compiles. Where there is no
    writable place for the cache (a read-only install and no home folder), each process
    compiles the kernels again instead of failing."""

    def wrap(fn: Callable[..., Any]) -> Any:
        try:
            return njit(nogil=True, cache=True, fastmath=fastmath)(fn)
        except RuntimeError:  # "cannot cache function …: no locator available"
            return njit(nogil=True, cache=False, fastmath=fastmath)(fn)

    return wrap


class Scan(NamedTuple):
    """What `summarize` measured over one activation."""

    finite: int  # values that are neither NaN nor ±Inf
    mean: float
    std: float  # population standard deviation
    min: float
    max: float
    zeros: int
    nan: int
    inf: int
    dead_units: int
    hist_counts: np.ndarray  # int64
    hist_edges: np.ndarray  # float64, bins + 1
    hist_total: int  # finite values the histogram counted
    # Per unit, float32 (empty where the units were too many to keep): the fraction of its
    # values that are not zero, their mean and their population std (NaN where NaN/Inf).
    unit_active: np.ndarray
    unit_mean: np.ndarray
    unit_std: np.ndarray


@_kernel(fastmath=_FASTMATH)
def _ordered(b: Any, sign_shift: Any, mask: Any) -> Any:
    # a float's bits → an integer with the same order: negative floats flip their magnitude bits.
    # The ufuncs keep int32 as int32 (operators would widen it to int64, half the vector width).
    return np.bitwise_xor(b, np.bitwise_and(np.right_shift(b, sign_shift), mask))


@_kernel(fastmath=_FASTMATH)
def _key_range(krow: Any, sign_shift: Any, mask: Any, lo: Any, hi: Any) -> tuple[Any, Any]:
    """The least and greatest ordered key of a contiguous run of keys, and `lo`/`hi` so far.

    A loop of its own: beside the float64 sums, the int32 reductions would not vectorise."""
    for i in range(krow.size):
        k = _ordered(krow[i], sign_shift, mask)
        lo = min(lo, k)
        hi = max(hi, k)
    return lo, hi


# Rows per block of the units-last loops: their per-unit non-zero counts are int32 (a vector
# twice as wide as int64), added to the int64 totals once a block.
_BLOCK_ROWS = 1 << 30


@_kernel(fastmath=_FASTMATH)
def _fast_pass(
    x: Any,
    keys: Any,
    sign_shift: Any,
    mask: Any,
    shift: float,
    nonzero: Any,
    usum: Any,
    usq: Any,
) -> tuple[float, float, int, Any, Any]:
    """Shifted sum and sum of squares, zero count, extreme keys, and per unit the non-zeros,
    shifted sum and sum of squares, of an (outer, units, inner) array. Units along the last
    axis (inner == 1): each row updates every unit elementwise (vectorised over units)."""
    outer, units, inner = x.shape
    s = 0.0
    q = 0.0
    zeros = 0
    kmin = _ordered(keys[0, 0, 0], sign_shift, mask)
    kmax = kmin
    if inner == 1:
        x2 = x.reshape(outer, units)
        k2 = keys.reshape(outer, units)
        keep = usum.size == units
        counts = np.zeros(units, dtype=np.int32)
        for first in range(0, outer, _BLOCK_ROWS):
            counts[:] = 0
            for a in range(first, min(first + _BLOCK_ROWS, outer)):
                row = x2[a]
                if keep:
                    for u in range(units):
                        v = row[u]
                        d = np.float64(v) - shift
                        counts[u] += np.int32(v != 0)
                        usum[u] += d
                        usq[u] += d * d
                else:  # too many units to keep their figures: non-zeros only (dead units)
                    row_s = 0.0
                    row_q = 0.0
                    for u in range(units):
                        v = row[u]
                        d = np.float64(v) - shift
                        counts[u] += np.int32(v != 0)
                        row_s += d
                        row_q += d * d
                    s += row_s
                    q += row_q
                kmin, kmax = _key_range(k2[a], sign_shift, mask, kmin, kmax)
            for u in range(units):
                nonzero[u] += counts[u]
        for u in range(units):
            zeros += outer - nonzero[u]
        if keep:
            for u in range(units):
                s += usum[u]
                q += usq[u]
        return s, q, zeros, kmin, kmax
    long_rows = inner >= 128  # long enough to pay for a second loop over keys in cache
    for a in range(outer):
        for u in range(units):
            row_zeros = 0.0
            row_s = 0.0
            row_q = 0.0
            if long_rows:
                row = x[a, u]
                for i in range(inner):
                    v = row[i]
                    d = np.float64(v) - shift
                    row_s += d
                    row_q += d * d
                    row_zeros += 1.0 if v == 0 else 0.0
                kmin, kmax = _key_range(keys[a, u], sign_shift, mask, kmin, kmax)
            else:
                for i in range(inner):
                    v = x[a, u, i]
                    d = np.float64(v) - shift
                    row_s += d
                    row_q += d * d
                    row_zeros += v == 0
                    k = _ordered(keys[a, u, i], sign_shift, mask)
                    kmin = min(kmin, k)
                    kmax = max(kmax, k)
            s += row_s
            q += row_q
            zeros += int(row_zeros)
            nonzero[u] += inner - int(row_zeros)
            if usum.size == units:
                usum[u] += row_s
                usq[u] += row_q
    return s, q, zeros, kmin, kmax


@_kernel()
def _finite_pass(flat: Any) -> tuple[int, int, int, float, float, float, float]:
    """NaN and Inf counts, then count, sum, sum of squares and extremes of the finite values."""
    nan = 0
    inf = 0
    n = 0
    shift = 0.0
    lo = math.inf
    hi = -math.inf
    s = 0.0
    q = 0.0
    for i in range(flat.size):
        v = np.float64(flat[i])
        if math.isnan(v):
            nan += 1
        elif math.isinf(v):
            inf += 1
        else:
            if n == 0:
                shift = v
            n += 1
            d = v - shift
            s += d
            q += d * d
            lo = min(lo, v)
            hi = max(hi, v)
    return nan, inf, n, shift + s / max(n, 1), q - s * s / max(n, 1), lo, hi


@_kernel(fastmath=_FASTMATH)
def _histogram(flat: Any, step: int, run: int, lo: float, top: float, counts: Any) -> int:
    """Count the finite values of runs of `run` values starting every `step` values into equal
    bins over [lo, top] (the top in the last bin); return how many were counted."""
    bins = counts.size
    scale = bins / (top - lo)
    total = 0
    for start in range(0, flat.size, step):
        for i in range(start, min(start + run, flat.size)):
            v = np.float64(flat[i])
            if math.isfinite(v):
                b = int((v - lo) * scale)
                counts[min(max(b, 0), bins - 1)] += 1
                total += 1
    return total


@_kernel()
def _from_key(x: Any, keys: Any, sign_shift: Any, mask: Any, key: Any) -> float:
    """The value whose ordered key is `key` (the inverse of `_ordered`)."""
    bits = np.empty(1, keys.dtype)
    bits[0] = _ordered(key, sign_shift, mask)  # the mapping is its own inverse
    return np.float64(bits.view(x.dtype)[0])


@_kernel()
def _scan(
    x: Any,
    keys: Any,
    sign_shift: Any,
    mask: Any,
    bins: int,
    step: int,
    run: int,
    count_dead: bool,
    max_units: int,
) -> Any:
    flat = x.reshape(-1)
    first = np.float64(flat[0])
    shift = first if math.isfinite(first) else 0.0
    nonzero = np.zeros(x.shape[1], dtype=np.int64)
    kept = x.shape[1] if x.shape[1] <= max_units else 0  # per-unit sums only for these
    usum = np.zeros(kept)
    usq = np.zeros(kept)
    s, q, zeros, kmin, kmax = _fast_pass(x, keys, sign_shift, mask, shift, nonzero, usum, usq)
    n = flat.size
    nan = 0
    inf = 0
    if math.isfinite(s) and math.isfinite(q):
        lo = _from_key(x, keys, sign_shift, mask, kmin)
        hi = _from_key(x, keys, sign_shift, mask, kmax)
        mean = shift + s / n
        spread = q - s * s / n
    else:
        nan, inf, n, mean, spread, lo, hi = _finite_pass(flat)
    counts = np.zeros(bins, dtype=np.int64)
    edges = np.zeros(bins + 1)
    total = 0
    if n:
        top = hi if hi > lo else lo + 1.0
        total = _histogram(flat, step, run, lo, top, counts)
        for i in range(bins):
            edges[i] = lo + (top - lo) * (i / bins)
        edges[bins] = top
    else:
        mean = spread = lo = hi = math.nan
    dead = 0
    if count_dead:
        for u in range(nonzero.size):
            dead += nonzero[u] == 0
    std = math.sqrt(max(spread, 0.0) / n) if n else math.nan
    per_unit = _per_unit(nonzero, usum, usq, shift, x.shape[0] * x.shape[2])
    return (n, mean, std, lo, hi, zeros, nan, inf, dead, counts, edges, total, *per_unit)


@_kernel()
def _per_unit(nonzero: Any, usum: Any, usq: Any, shift: float, samples: int) -> Any:
    """Each kept unit's active fraction, mean and std (float32) from its shifted sums."""
    kept = usum.size
    active = np.empty(kept, dtype=np.float32)
    mean = np.empty(kept, dtype=np.float32)
    std = np.empty(kept, dtype=np.float32)
    for u in range(kept):
        m = usum[u] / samples
        var = usq[u] / samples - m * m
        if var < 0.0:  # rounding; NaN stays NaN
            var = 0.0
        active[u] = nonzero[u] / samples
        mean[u] = m + shift
        std[u] = math.sqrt(var)
    return active, mean, std


_KEY_TYPES = {
    np.dtype(np.float32): (np.int32, np.int32(31), np.int32(0x7FFFFFFF)),
    np.dtype(np.float64): (np.int64, np.int64(63), np.int64(0x7FFFFFFFFFFFFFFF)),
}


def summarize(
    values: np.ndarray,
    units_axis: int | None,
    bins: int,
    step: int,
    run: int,
    max_units: int = 1 << 62,
) -> Scan:
    """Measure a C-contiguous float32/float64 array of at least one value.

    `units_axis` is the axis that holds units (features, channels) for the dead-unit count, or
    None; per-unit sums are kept for at most `max_units` units (else empty). The histogram
    counts runs of `run` consecutive values every `step` values
    (`step == run`: every value).
    """
    if units_axis is None:
        shaped = values.reshape(1, 1, values.size)
    else:
        units = values.shape[units_axis]
        outer = math.prod(values.shape[:units_axis])
        shaped = values.reshape(outer, units, values.size // (outer * units))
    bits, sign_shift, mask = _KEY_TYPES[values.dtype]
    got = _scan(
        shaped,
        shaped.view(bits),
        sign_shift,
        mask,
        bins,
        step,
        run,
        units_axis is not None,
        max_units,
    )
    return Scan(*got)
