"""Coordinates for one block: x that keeps chains straight and parents centred, y per layer.

x is found by alternating passes: every element moves to the mean of its neighbours above (then
below), and each layer is projected back onto its ordering constraints (left-to-right order, a
minimum gap). The projection averages a push-right and a push-left resolution of overlaps; both
are feasible, so their mean is too, and it stays centred. Each step is a few whole-block numpy
calls; the push resolutions are segmented running maxima.
"""

from __future__ import annotations

import numpy as np

X_PASSES = 8
LONG_EDGE_WEIGHT = 4.0  # dummy-to-dummy segments pull harder: long edges run straight
# Blocks of up to this many elements take the same passes element by element in Python: on a
# handful of elements numpy's cost per call is most of the time (a module of three ops)
SMALL_BLOCK = 48


def assign_x(
    layer: np.ndarray,
    pos: np.ndarray,
    width: np.ndarray,
    gap: np.ndarray,
    seg_src: np.ndarray,
    seg_dst: np.ndarray,
    seg_weight: np.ndarray,
    passes: int = X_PASSES,
    start: np.ndarray | None = None,
    pinned: np.ndarray | None = None,
) -> np.ndarray:
    """Centre x of every element; `gap[i]` is the room element i wants on each side.

    With `start` (the x elements had before some of them changed size) there are no passes:
    `start` is only projected onto the order and gap constraints, so elements move as little
    as the new sizes need. The first `pinned` element of a layer (one that changed size) stays
    at its `start`; the elements left of it are pushed left, those right of it pushed right.
    """
    n = len(layer)
    if n == 0:
        return np.zeros(0)
    if start is None and n <= SMALL_BLOCK:
        return _assign_x_small(layer, pos, width, gap, seg_src, seg_dst, seg_weight, passes)
    order = np.lexsort((pos, layer))
    lay = layer[order]
    w = width[order]
    g = gap[order]
    new_layer = np.ones(n, dtype=bool)
    new_layer[1:] = lay[1:] != lay[:-1]
    # sep[i]: minimum distance between sorted element i-1 and i (0 at a layer start).
    sep = np.zeros(n)
    sep[1:] = (w[1:] + w[:-1]) / 2 + np.maximum(g[1:], g[:-1])
    sep[new_layer] = 0.0
    cum = np.cumsum(sep)
    starts = np.nonzero(new_layer)[0]
    seg_id = np.cumsum(new_layer) - 1
    offsets = cum - cum[starts][seg_id]  # distance from the layer's first element
    del lay, w, g, sep, cum, new_layer
    ends = np.append(starts[1:], n) - 1
    span = offsets[ends]
    x = offsets - span[seg_id] / 2  # each layer packed and centred on 0
    if start is not None:
        x = _project(
            start[order],
            offsets,
            span[seg_id],
            seg_id,
            pinned[order] if pinned is not None else np.zeros(n, dtype=bool),
        )
        passes = 0
    inv = np.empty(n, dtype=np.int64)
    inv[order] = np.arange(n)
    s_src, s_dst = inv[seg_src], inv[seg_dst]  # segments in sorted numbering
    del inv
    # the weight each element gets from above (from below): the same every pass
    counts = (
        np.bincount(s_dst, weights=seg_weight, minlength=n),
        np.bincount(s_src, weights=seg_weight, minlength=n),
    )

    for k in range(passes):
        up = k % 2 == 0  # even passes pull towards the layer above
        a, b = (s_src, s_dst) if up else (s_dst, s_src)
        count = counts[k % 2]
        want = np.bincount(b, weights=x[a] * seg_weight, minlength=n) / np.maximum(count, 1e-12)
        want = np.where(count > 0, want, x)
        x = (
            _push_right(want, offsets, seg_id) + _push_left(want, offsets, span[seg_id], seg_id)
        ) / 2
        del want
    result = np.empty(n)
    result[order] = x
    return result


def _assign_x_small(
    layer: np.ndarray,
    pos: np.ndarray,
    width: np.ndarray,
    gap: np.ndarray,
    seg_src: np.ndarray,
    seg_dst: np.ndarray,
    seg_weight: np.ndarray,
    passes: int,
) -> np.ndarray:
    """`assign_x` without `start`, element by element: the same arithmetic in the same order
    (the running maxima lifted per layer as `_push_right` lifts them), so the same x."""
    n = len(layer)
    order = np.lexsort((pos, layer)).tolist()
    lay = layer[order].tolist()
    w = width[order].tolist()
    g = gap[order].tolist()
    seg = [0] * n  # layer number along the sorted elements
    offsets = [0.0] * n
    first = [0]  # where each layer starts
    cum = 0.0
    layer_cum = 0.0
    for i in range(1, n):
        if lay[i] != lay[i - 1]:
            seg[i] = seg[i - 1] + 1
            first.append(i)
            layer_cum = cum  # sep is 0 at a layer's start: cum does not move
        else:
            seg[i] = seg[i - 1]
            cum += (w[i] + w[i - 1]) / 2 + max(g[i], g[i - 1])
        offsets[i] = cum - layer_cum
    last = [*(f - 1 for f in first[1:]), n - 1]
    span = [offsets[last[s]] for s in seg]
    x = [offsets[i] - span[i] / 2 for i in range(n)]
    inv = [0] * n
    for k, i in enumerate(order):
        inv[i] = k
    s_src = [inv[i] for i in seg_src.tolist()]
    s_dst = [inv[i] for i in seg_dst.tolist()]
    weight = seg_weight.tolist()
    counts = ([0.0] * n, [0.0] * n)
    for a, b, wt in zip(s_src, s_dst, weight, strict=True):
        counts[0][b] += wt
        counts[1][a] += wt
    top_seg = seg[-1]
    rev = [span[n - 1 - i] - offsets[n - 1 - i] for i in range(n)]
    rev_seg = [top_seg - seg[n - 1 - i] for i in range(n)]
    for k in range(passes):
        a_side, b_side = (s_src, s_dst) if k % 2 == 0 else (s_dst, s_src)
        count = counts[k % 2]
        pull = [0.0] * n
        for a, b, wt in zip(a_side, b_side, weight, strict=True):
            pull[b] += x[a] * wt
        want = [pull[i] / max(count[i], 1e-12) if count[i] > 0 else x[i] for i in range(n)]
        right = _running_max(want, offsets, seg)
        left = _running_max([-v for v in reversed(want)], rev, rev_seg)
        x = [(right[i] + -left[n - 1 - i]) / 2 for i in range(n)]
    result = np.empty(n)
    result[order] = x
    return result


def _running_max(want: list[float], offsets: list[float], seg: list[int]) -> list[float]:
    """`_push_right` on lists: x_i = max(want_i, x_{i-1} + sep_i) within each layer."""
    v = [want[i] - offsets[i] for i in range(len(want))]
    big = (max(v) - min(v)) + 1.0
    out = [0.0] * len(v)
    best = -np.inf
    for i, vi in enumerate(v):
        lift = seg[i] * big
        lifted = vi + lift
        best = lifted if lifted > best else best
        out[i] = (best - lift) + offsets[i]
    return out


def _push_right(want: np.ndarray, offsets: np.ndarray, seg_id: np.ndarray) -> np.ndarray:
    """x_i = max(want_i, x_{i-1} + sep_i) within each layer: a segmented running maximum."""
    v = want - offsets
    big = float(v.max() - v.min()) + 1.0
    lift = seg_id * big
    v += lift  # in place: two temporaries, not five (the peak memory per node is a goal)
    np.maximum.accumulate(v, out=v)
    v -= lift
    v += offsets
    return v


def _project(
    want: np.ndarray, offsets: np.ndarray, span: np.ndarray, seg_id: np.ndarray, pin: np.ndarray
) -> np.ndarray:
    """`want` made to respect order and gaps (all in sorted order); a layer's first pin stays."""
    n = len(want)
    idx = np.arange(n)
    first = np.full(int(seg_id[-1]) + 1 if n else 0, n)
    np.minimum.at(first, seg_id[pin], idx[pin])
    fp = first[seg_id]
    # a pinned layer is two segments for each push: the pin ends the left one, starts the right
    right = _push_right(want, offsets, 2 * seg_id + (idx >= fp))
    left = _push_left(want, offsets, span, 2 * seg_id + (idx > fp))
    return np.where(fp == n, (left + right) / 2, np.where(idx < fp, left, right))


def _push_left(
    want: np.ndarray, offsets: np.ndarray, span: np.ndarray, seg_id: np.ndarray
) -> np.ndarray:
    """x_i = min(want_i, x_{i+1} - sep_{i+1}) within each segment: the mirror of `_push_right`.

    `span` is, per element, its layer's packed width (the distance from first to last).
    """
    rev = (span - offsets)[::-1]  # distance to the layer's last element, mirrored
    mirrored = -want[::-1]
    sid = seg_id[::-1].max() - seg_id[::-1]  # layers numbered increasing along the mirror
    return -(_push_right(mirrored, rev, sid))[::-1]


def layer_tops(layer: np.ndarray, height: np.ndarray, gap: float) -> tuple[np.ndarray, np.ndarray]:
    """(top y, height) of every layer: the tallest element sets a layer's height."""
    num = int(layer.max()) + 1 if len(layer) else 0
    tall = np.zeros(num)
    np.maximum.at(tall, layer, height)
    tops = np.zeros(num)
    if num > 1:
        tops[1:] = np.cumsum(tall[:-1] + gap)
    return tops, tall
