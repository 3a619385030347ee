"""Crossing counts, all numpy: per ordering (between layers) and per drawing (route polylines)."""

from __future__ import annotations

import numpy as np


def count_crossings(
    layer: np.ndarray,
    pos: np.ndarray,
    seg_src: np.ndarray,
    seg_dst: np.ndarray,
    src_off: np.ndarray | None = None,
    dst_off: np.ndarray | None = None,
) -> int:
    """Crossings between segments joining adjacent layers (segments sharing an end never cross).

    `*_off` shift a segment's end within its element (a port on a child box's border).
    """
    if len(seg_src) < 2:
        return 0
    lu = layer[seg_src].astype(np.int32)
    ps, pd = pos[seg_src], pos[seg_dst]
    if src_off is not None and dst_off is not None:
        ps += src_off
        pd += dst_off
    rd = np.unique(pd, return_inverse=True)[1].reshape(-1).astype(np.int32)
    del pd
    order = np.lexsort((rd, ps, lu))
    del ps
    return band_inversions(lu[order], rd[order])


def route_crossings(points: np.ndarray, route_start: np.ndarray, weight: np.ndarray) -> int:
    """Proper crossings between the polylines of one block, as drawn (`weight`: copies of each).

    Every route segment either drops straight down inside a layer or crosses one band between
    two layers from its bottom to the next layer's top, so two segments can only cross inside
    the same band, and they do exactly when their x order at the band's top and at its bottom
    is strictly opposite (a shared end is a touch, not a crossing). A route drawn for several
    item edges (up through the same out-port) counts once per edge, as a drawing of all edges'
    polylines would show it.
    """
    m = len(route_start) - 1
    if m < 2 or len(points) < 2:
        return 0
    y = points[:, 1]
    # a segment joins points i and i + 1 of one route and goes down (a drop or a band crossing);
    # a band is keyed by its top y alone: a drop starts inside a layer, never at its bottom
    ok = y[1:] > y[:-1]
    ok[route_start[1:-1] - 1] = False
    first = np.flatnonzero(ok)
    del ok
    if len(first) < 2:
        return 0
    copies = np.repeat(weight, np.diff(route_start))[first]
    if (copies != 1).any():
        first = np.repeat(first, copies)
    _, band = np.unique(y[first], return_inverse=True)
    _, xb = np.unique(points[first + 1, 0], return_inverse=True)
    band, xb = band.reshape(-1), xb.reshape(-1)
    order = np.lexsort((xb, points[first, 0], band))
    return band_inversions(band[order], xb[order])


SMALL_BAND = 48  # bands up to this many segments are counted pair by pair
CHUNK = 8192  # segments whose pairs are compared at once


def band_inversions(band: np.ndarray, values: np.ndarray) -> int:
    """Pairs i < j of one band (`band` sorted) with values[i] > values[j].

    Small bands (most of them) compare all their pairs in one vectorised step; the rest go
    through `count_inversions`, whose cost grows with the whole sequence, not one band.
    """
    n = len(band)
    if n < 2:
        return 0
    starts = np.flatnonzero(np.r_[True, band[1:] != band[:-1]])
    sizes = np.diff(np.r_[starts, n])
    end_of = np.repeat((starts + sizes).astype(np.int32), sizes)
    small = np.repeat(sizes <= SMALL_BAND, sizes)
    total = 0
    small_idx = np.flatnonzero(small)
    for lo in range(0, len(small_idx), CHUNK):  # chunks bound the memory of the pairs
        idx = small_idx[lo : lo + CHUNK]
        cnt = end_of[idx] - idx - 1
        pairs = int(cnt.sum())
        if pairs:
            first = np.repeat(idx, cnt)
            second = first + 1 + np.arange(pairs) - np.repeat(np.cumsum(cnt) - cnt, cnt)
            total += int(np.count_nonzero(values[first] > values[second]))
    if not small.all():
        big = ~small
        total += count_inversions(band[big] * (float(values.max()) + 2.0) + values[big])
    return total


def count_inversions(values: np.ndarray) -> int:
    """Pairs i < j with values[i] > values[j], by merge levels: O(n log² n), all numpy."""
    n = len(values)
    if n < 2:
        return 0
    _, r = np.unique(values, return_inverse=True)
    r = r.astype(np.int64)
    idx = np.arange(n, dtype=np.int64)
    total = 0
    size = 1
    while size < n:
        block = idx // (2 * size)
        right = ((idx // size) & 1).astype(bool)
        left_keys = np.sort(block[~right] * (n + 1) + r[~right])
        rb = block[right] * (n + 1)
        hi = np.searchsorted(left_keys, rb + n, side="right")
        lo = np.searchsorted(left_keys, rb + r[right], side="right")
        total += int((hi - lo).sum())
        size *= 2
    return total
