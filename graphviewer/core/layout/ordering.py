"""Crossing reduction and crossing counting for one block, vectorised over all layers at once.

Barycenter sweeps are usually layer by layer, which costs a numpy call per layer: too slow for
the thousands of layers of an unrolled RNN. Here a sweep updates every other layer at once from
its fixed neighbours (odd layers from even ones, then even from odd: a red-black Gauss-Seidel
sweep), so one half-sweep is one bincount and one sort over the whole block.
"""

from __future__ import annotations

import numpy as np

SWEEPS = 4  # down+up sweep pairs


def ranks(layer: np.ndarray, order: np.ndarray) -> np.ndarray:
    """The position of each element within its layer, given all elements sorted by (layer, pos)."""
    n = len(layer)
    sorted_layer = layer[order]
    first = np.searchsorted(sorted_layer, sorted_layer, side="left")
    pos = np.empty(n, dtype=np.float64)
    pos[order] = np.arange(n) - first
    return pos


def order_layers(
    layer: np.ndarray,
    key: np.ndarray,
    seg_src: np.ndarray,
    seg_dst: np.ndarray,
    sweeps: int = SWEEPS,
) -> np.ndarray:
    """Positions within layers (0, 1, ...) after barycenter sweeps starting from `key` order."""
    n = len(layer)
    if n == 0:
        return np.zeros(0)
    pos = ranks(layer, np.lexsort((key, layer)))
    if len(seg_src) == 0:
        return pos
    parity = layer % 2
    for _ in range(sweeps):
        for fixed_side, moving_side in ((seg_src, seg_dst), (seg_dst, seg_src)):
            for p in (1, 0):
                total = np.bincount(moving_side, weights=pos[fixed_side], minlength=n)
                count = np.bincount(moving_side, minlength=n)
                move = (count > 0) & (parity == p)
                bary = np.where(move, total / np.maximum(count, 1), pos)
                pos = ranks(layer, np.lexsort((pos, bary, layer)))
    return pos


def count_crossings(
    layer: np.ndarray, pos: np.ndarray, seg_src: np.ndarray, seg_dst: np.ndarray
) -> int:
    """Crossings between segments joining adjacent layers (segments sharing an end never cross)."""
    if len(seg_src) < 2:
        return 0
    lu = layer[seg_src]
    order = np.lexsort((pos[seg_dst], pos[seg_src], lu))
    width = float(pos.max()) + 2.0
    seq = lu[order] * width + pos[seg_dst][order]
    return count_inversions(seq)


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
    a, b = points[:-1], points[1:]
    point_edge = np.repeat(np.arange(m), np.diff(route_start))
    edge = point_edge[:-1]
    ok = (edge == point_edge[1:]) & (b[:, 1] > a[:, 1])
    a, b, edge = a[ok], b[ok], edge[ok]
    if len(a) < 2:
        return 0
    w = weight[edge]
    a, b = np.repeat(a, w, axis=0), np.repeat(b, w, axis=0)
    _, band = np.unique(np.column_stack([a[:, 1], b[:, 1]]), axis=0, return_inverse=True)
    band = band.reshape(-1)
    _, xb = np.unique(b[:, 0], return_inverse=True)
    order = np.lexsort((xb, a[:, 0], band))
    return count_inversions(band[order] * (int(xb.max()) + 2) + xb.reshape(-1)[order])


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
