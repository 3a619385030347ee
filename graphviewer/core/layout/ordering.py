"""Crossing reduction for one block, vectorised over all layers at once.

Barycenter sweeps are usually layer by layer, which costs a numpy call per layer: too slow for
the thousands of layers of an unrolled RNN. Here a sweep updates every other layer at once from
its fixed neighbours (odd layers from even ones, then even from odd: a red-black Gauss-Seidel
sweep), so one half-sweep is one bincount (barycenter) or one sort (median) over the whole block.

Rounds alternate barycenter and median sweeps; each round ends with greedy adjacent transposes
(swap two neighbours in a layer when that removes crossings), done for all non-overlapping pairs
of every other layer at once. The best ordering seen is kept. Ends of segments at a child box
are shifted by where their port sits on the box's border (`*_off`, a fraction of a slot), so the
block's order follows its children's ports. Work is bounded by the block's size.
"""

from __future__ import annotations

import numpy as np

from graphviewer.core.layout.crossings import count_crossings

ROUNDS = 6  # sweep rounds (down+up each) for small blocks
TRANSPOSES = 2  # transpose passes per round
WORK = 400_000  # rounds × segments above this get fewer rounds (at least one)
PAIR_CHUNK = 8192  # adjacent pairs whose neighbour products are compared at once
PATIENCE = 2  # stop after this many rounds without fewer crossings


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
    src_off: np.ndarray | None = None,
    dst_off: np.ndarray | None = None,
) -> tuple[np.ndarray, int]:
    """(positions within layers 0, 1, ..., crossings) after sweeps starting from `key` order."""
    n = len(layer)
    if n == 0:
        return np.zeros(0), 0
    pos = ranks(layer, np.lexsort((key, layer)))
    m = len(seg_src)
    if m < 2:
        return pos, 0
    s_off = np.zeros(m) if src_off is None else src_off
    d_off = np.zeros(m) if dst_off is None else dst_off
    best = count_crossings(layer, pos, seg_src, seg_dst, s_off, d_off)
    best_pos = pos
    rounds = max(1, min(ROUNDS, WORK // max(m, 1)))
    parity = (layer % 2).astype(bool)
    nbr = _neighbours(n, seg_src, seg_dst, s_off, d_off)
    stale = 0
    for r in range(rounds):
        if best == 0 or stale >= PATIENCE:
            break
        median = r % 2 == 1
        for fixed, moving, off in ((seg_src, seg_dst, s_off), (seg_dst, seg_src, d_off)):
            for p in (1, 0):
                target = _median if median else _barycenter
                want = target(n, pos[fixed] + off, moving, pos)
                move = parity == p
                pos = ranks(layer, np.lexsort((pos, np.where(move, want, pos), layer)))
        for _ in range(TRANSPOSES):
            pos, swapped = _transpose(layer, pos, nbr)
            if not swapped:
                break
        c = count_crossings(layer, pos, seg_src, seg_dst, s_off, d_off)
        if c < best:
            best, best_pos, stale = c, pos, 0
        else:
            stale += 1
    return best_pos, best


def _barycenter(n: int, values: np.ndarray, at: np.ndarray, pos: np.ndarray) -> np.ndarray:
    """Mean of `values` per element `at` (elements with none keep `pos`)."""
    total = np.bincount(at, weights=values, minlength=n)
    count = np.bincount(at, minlength=n)
    return np.where(count > 0, total / np.maximum(count, 1), pos)


def _median(n: int, values: np.ndarray, at: np.ndarray, pos: np.ndarray) -> np.ndarray:
    """Median of `values` per element `at` (the mean of the middle two for an even count)."""
    order = np.lexsort((values, at))
    v, a = values[order], at[order]
    count = np.bincount(a, minlength=n)
    start = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(count, out=start[1:])
    has = count > 0
    lo = start[:-1][has] + (count[has] - 1) // 2
    hi = start[:-1][has] + count[has] // 2
    out = pos.copy()
    out[has] = (v[lo] + v[hi]) / 2
    return out


class _Neighbours:
    """Each element's neighbours (CSR): the element, which side (+1 below, -1 above), end shift."""

    def __init__(self, ptr: np.ndarray, elem: np.ndarray, side: np.ndarray, off: np.ndarray):
        self.ptr, self.elem, self.side, self.off = ptr, elem, side, off
        self.deg = np.diff(ptr)


def _neighbours(
    n: int, src: np.ndarray, dst: np.ndarray, s_off: np.ndarray, d_off: np.ndarray
) -> _Neighbours:
    owner = np.concatenate([src, dst])
    other = np.concatenate([dst, src])
    side = np.concatenate([np.ones(len(src), np.int8), -np.ones(len(dst), np.int8)])
    off = np.concatenate([d_off, s_off])
    order = np.argsort(owner, kind="stable")
    ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(owner, minlength=n), out=ptr[1:])
    return _Neighbours(
        ptr, other[order].astype(np.int32), side[order], off[order].astype(np.float32)
    )


def _transpose(layer: np.ndarray, pos: np.ndarray, nbr: _Neighbours) -> tuple[np.ndarray, bool]:
    """Swap adjacent pairs that cross less swapped: four phases (layer parity × pair parity)."""
    swapped_any = False
    for lp in (0, 1):
        for pp in (0, 1):
            order = np.lexsort((pos, layer))
            lay = layer[order]
            u, v = order[:-1], order[1:]
            ok = (lay[:-1] == lay[1:]) & (lay[:-1] % 2 == lp) & (pos[u].astype(np.int64) % 2 == pp)
            u, v = u[ok], v[ok]
            if not len(u):
                continue
            du, dv = nbr.deg[u], nbr.deg[v]
            combos = du * dv
            keep = combos > 0
            u, v, du, dv, combos = u[keep], v[keep], du[keep], dv[keep], combos[keep]
            if not len(u):
                continue
            better = np.zeros(len(u), dtype=bool)
            for lo in range(0, len(u), PAIR_CHUNK):  # chunks bound the memory of the products
                hi = min(lo + PAIR_CHUNK, len(u))
                better[lo:hi] = _swap_gains(pos, nbr, u[lo:hi], v[lo:hi], dv[lo:hi], combos[lo:hi])
            if better.any():
                su, sv = u[better], v[better]
                pos = pos.copy()
                pos[su], pos[sv] = pos[sv], pos[su].copy()
                swapped_any = True
    return pos, swapped_any


def _swap_gains(
    pos: np.ndarray,
    nbr: _Neighbours,
    u: np.ndarray,
    v: np.ndarray,
    dv: np.ndarray,
    combos: np.ndarray,
) -> np.ndarray:
    """Whether swapping each adjacent pair (u left of v) leaves fewer crossings between them."""
    total = int(combos.sum())
    pair = np.repeat(np.arange(len(u)), combos)
    t = np.arange(total) - np.repeat(np.cumsum(combos) - combos, combos)
    ia = nbr.ptr[u][pair] + t // dv[pair]
    ib = nbr.ptr[v][pair] + t % dv[pair]
    del t
    same = nbr.side[ia] == nbr.side[ib]
    pa = pos[nbr.elem[ia]] + nbr.off[ia]
    pb = pos[nbr.elem[ib]] + nbr.off[ib]
    now = np.bincount(pair, weights=same & (pa > pb), minlength=len(u))
    after = np.bincount(pair, weights=same & (pa < pb), minlength=len(u))
    return after < now
