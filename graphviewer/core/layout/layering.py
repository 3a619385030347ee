"""Layers for one block: cycle breaking, longest-path layering, sources pulled down, dummies.

Plain Python loops over CSR adjacency arrays, O(V + E): at 30,000 elements they take a few tens
of milliseconds, and unlike per-layer numpy passes they do not pay per layer (an unrolled LSTM has
thousands of layers). The arrays are `array.array`s and `bytearray`s, not lists: 8 bytes (or 1) an
entry instead of a pointer plus an int object, which is what keeps the peak memory per node low.
"""

from __future__ import annotations

from array import array
from collections import deque
from dataclasses import dataclass

import numpy as np

from graphviewer.core.layout.blocks import IN_PORT, OUT_PORT


def assign_layers(
    n: int, src: np.ndarray, dst: np.ndarray, kind: np.ndarray, key: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(layer per element, back-edge mask): in-ports on layer 0, out-ports on the last layer.

    Cycles (a module called twice, then collapsed) are broken by turning the edges a Kahn sweep
    finds still open into back edges, which do not constrain the layers. Elements computed from
    sources alone and those with more outputs than inputs are then pulled down next to their
    first consumer.
    """
    m = len(src)
    back = np.zeros(m, dtype=bool)
    if n == 0:
        return np.zeros(0, dtype=np.int64), back
    out_order = np.argsort(src, kind="stable")
    out_ptr = _ints(np.searchsorted(src[out_order], np.arange(n + 1)))
    in_order = np.argsort(dst, kind="stable")
    in_ptr = _ints(np.searchsorted(dst[in_order], np.arange(n + 1)))
    out_e, in_e = _ints(out_order), _ints(in_order)
    del out_order, in_order
    srcl, dstl = _ints(src), _ints(dst)
    indeg = _ints(np.bincount(dst, minlength=n))
    kinds = _ints(kind)
    layer = _ints(np.where(kind == IN_PORT, 0, 1))
    done = bytearray(n)
    backl = bytearray(m)
    by_key = _ints(np.argsort(key, kind="stable"))
    queue = deque(v for v in by_key if indeg[v] == 0)
    topo = array("q")
    cursor = 0
    while len(topo) < n:
        if not queue:  # a cycle: force the earliest remaining element, its open inputs go back
            while done[by_key[cursor]]:
                cursor += 1
            v = by_key[cursor]
            for j in range(in_ptr[v], in_ptr[v + 1]):
                e = in_e[j]
                if not done[srcl[e]]:
                    backl[e] = True
            indeg[v] = 0
            queue.append(v)
        v = queue.popleft()
        if done[v]:
            continue
        done[v] = True
        topo.append(v)
        lv = layer[v] + 1
        for j in range(out_ptr[v], out_ptr[v + 1]):
            e = out_e[j]
            if backl[e]:
                continue
            w = dstl[e]
            if layer[w] < lv:
                layer[w] = lv
            indeg[w] -= 1
            if indeg[w] == 0:
                queue.append(w)
    last = max((layer[v] for v in range(n) if kinds[v] != OUT_PORT), default=0) + 1
    for v in range(n):
        if kinds[v] == OUT_PORT:
            layer[v] = last
    # Pull down, next to their consumers, elements computed from sources alone (a parameter and
    # its transpose: "floating") and elements that fan out more than in.
    fwd_in = array("q", bytes(8 * n))
    floating = bytearray(((kind != IN_PORT) & (kind != OUT_PORT)).astype(np.uint8).tobytes())
    for e in range(m):
        if not backl[e]:
            fwd_in[dstl[e]] += 1
    for v in topo:
        if floating[v]:
            for j in range(in_ptr[v], in_ptr[v + 1]):
                e = in_e[j]
                if not backl[e] and not floating[srcl[e]]:
                    floating[v] = False
                    break
    for v in reversed(topo):
        if kinds[v] in (IN_PORT, OUT_PORT):
            continue
        outs = [dstl[e] for e in out_e[out_ptr[v] : out_ptr[v + 1]] if not backl[e]]
        if outs and (floating[v] or len(outs) > fwd_in[v]):
            layer[v] = min(layer[w] for w in outs) - 1
    arr = np.frombuffer(layer, dtype=np.int64)
    _, arr = np.unique(arr, return_inverse=True)  # no empty layers
    return arr.astype(np.int64).reshape(-1), np.frombuffer(backl, dtype=np.uint8).astype(bool)


def _ints(values: np.ndarray) -> array:
    """A compact Python int64 array of `values` (indexing it is as fast as a list's)."""
    return array("q", np.ascontiguousarray(values, dtype=np.int64).tobytes())


@dataclass
class Chains:
    """Edges split into span-1 segments through dummy elements (numbered from n on)."""

    layer: np.ndarray  # (n + dummies,) layers of elements then dummies
    num_dummies: int
    flat: np.ndarray  # all chains [src, dummies..., dst] concatenated
    flat_start: np.ndarray  # (E + 1,) chain k is flat[flat_start[k]:flat_start[k + 1]]
    seg_src: np.ndarray  # segments (consecutive chain elements)
    seg_dst: np.ndarray
    seg_edge: np.ndarray  # the edge each segment belongs to


def make_chains(layer: np.ndarray, src: np.ndarray, dst: np.ndarray, back: np.ndarray) -> Chains:
    """Insert a dummy on every layer a forward edge skips; back edges stay one segment."""
    n = len(layer)
    span = np.where(back, 1, layer[dst] - layer[src]).astype(np.int64)
    span = np.maximum(span, 1)
    chain_len = span + 1
    flat_start = np.zeros(len(src) + 1, dtype=np.int64)
    np.cumsum(chain_len, out=flat_start[1:])
    total = int(flat_start[-1])
    flat = np.empty(total, dtype=np.int64)
    starts, ends = flat_start[:-1], flat_start[1:] - 1
    middle = np.ones(total, dtype=bool)
    middle[starts] = False
    middle[ends] = False
    num_dummies = int(middle.sum())
    flat[starts] = src
    flat[ends] = dst
    flat[middle] = n + np.arange(num_dummies)
    offset = np.arange(total) - np.repeat(starts, chain_len)
    flat_layer = np.repeat(layer[src], chain_len) + offset
    layer_all = np.concatenate([layer, flat_layer[middle]])
    not_end = np.ones(total, dtype=bool)
    not_end[ends] = False
    idx = np.nonzero(not_end)[0]
    seg_edge = np.repeat(np.arange(len(src)), span)
    return Chains(layer_all, num_dummies, flat, flat_start, flat[idx], flat[idx + 1], seg_edge)


def sink_postorder(n: int, src: np.ndarray, dst: np.ndarray, key: np.ndarray) -> np.ndarray:
    """Each element's rank in a depth-first post-order from the sinks, walking edges backwards.

    Inputs are visited in `key` order. As a starting order it keeps every subtree that merges
    into one consumer contiguous, so graphs that are trees of merges (most of an autograd graph)
    start without crossings; creation order interleaves parallel branches instead.
    """
    if n == 0:
        return np.zeros(0)
    in_order = np.lexsort((key[src], dst))
    preds = src[in_order].tolist()
    ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(dst, minlength=n), out=ptr[1:])
    in_ptr = ptr.tolist()
    has_out = np.zeros(n, dtype=bool)
    has_out[src] = True
    roots = [int(v) for v in np.argsort(key, kind="stable") if not has_out[v]]
    roots += [int(v) for v in np.argsort(key, kind="stable") if has_out[v]]  # cycles' leftovers
    rank = [-1.0] * n
    seen = [False] * n
    count = 0
    for r in roots:
        if seen[r]:
            continue
        seen[r] = True
        stack = [(r, in_ptr[r])]
        while stack:
            v, j = stack[-1]
            if j < in_ptr[v + 1]:
                stack[-1] = (v, j + 1)
                u = preds[j]
                if not seen[u]:
                    seen[u] = True
                    stack.append((u, in_ptr[u]))
            else:
                stack.pop()
                rank[v] = float(count)
                count += 1
    return np.asarray(rank, dtype=np.float64)
