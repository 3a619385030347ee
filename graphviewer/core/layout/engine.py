"""`layout_graph`: items → blocks → each block placed (children first) → composed into a Layout."""

from __future__ import annotations

import time
from collections.abc import Collection, Mapping
from dataclasses import replace
from typing import Any

import numpy as np

from graphviewer.core.gc_pause import gc_paused
from graphviewer.core.labels import approx_measure, group_label
from graphviewer.core.layout.blocks import BLOCK, ITEM
from graphviewer.core.layout.crossings import route_crossings
from graphviewer.core.layout.direction import Direction, check_direction, transposed
from graphviewer.core.layout.items import module_path
from graphviewer.core.layout.memo import items_and_blocks
from graphviewer.core.layout.place import Measure, Placed, element_sizes, place_block
from graphviewer.core.types import Layout, ModuleInfo, collapsed_id

GATHER_CHUNK = 16_384  # route pieces copied at once
OLDER = "\0"  # block_cache keys of the previous layout's blocks (module paths never hold it)


def layout_graph(
    graph: Any,
    modules: Mapping[str, ModuleInfo],
    *,
    collapsed: Collection[str] = (),
    measure: Measure | None = None,
    previous: Layout | None = None,
    direction: Direction = "TB",
) -> Layout:
    """Lay out `graph` top to bottom (or left to right: `direction="LR"`) with `collapsed`
    modules folded into one item each.

    With `previous` (the layout this one replaces), blocks whose contents did not change are
    reused as they were, and the picture is shifted so the top centre of the module that was
    folded or unfolded stays where it was on screen.
    """
    across = check_direction(direction) == "LR"
    if previous is not None and previous.direction != direction:
        previous = None  # nothing of a picture in the other direction can be kept
    if previous is not None and across:
        previous = transposed(previous, "TB")
    with gc_paused():
        layout = _layout_graph(graph, modules, collapsed, measure, previous, across)
    return transposed(layout, "LR") if across else layout


def _layout_graph(
    graph: Any,
    modules: Mapping[str, ModuleInfo],
    collapsed: Collection[str],
    measure: Measure | None,
    previous: Layout | None,
    across: bool = False,
) -> Layout:
    start = time.perf_counter()
    title_measure = measure or approx_measure
    # left to right: laid out top to bottom with every node's size swapped, then transposed
    measure = _swapped(title_measure) if across else title_measure
    collapsed = frozenset(collapsed)
    items, comp = items_and_blocks(graph, modules, collapsed)
    if not items.ids:
        return _empty(collapsed, time.perf_counter() - start)
    # Placed blocks by their structure: GPT-2's 48 identical blocks are laid out once, and
    # the blocks of `previous` are reused wherever nothing inside them changed.
    known: dict[int, Placed] = {}
    if previous is not None:
        known.update((pl.signature, pl) for pl in previous.block_cache.values())
    nb = len(comp.blocks)
    placed: list[Placed | None] = [None] * nb
    # Children before parents: blocks are sorted outermost first.
    for b in range(nb - 1, -1, -1):
        blk = comp.blocks[b]
        width, height = element_sizes(blk, items.label, items.stub, placed, measure, across)
        sp = _port_x(blk, blk.src, blk.src_port, placed)
        dp = _port_x(blk, blk.dst, blk.dst_port, placed)
        mpath = module_path(blk.path)
        title = (0.0, 0.0) if b == 0 else title_measure(group_label(modules.get(mpath), mpath))
        kinds, refs = np.asarray(blk.elem_kind).tolist(), np.asarray(blk.elem_ref).tolist()
        names = [
            placed[ref].signature if kind == BLOCK else items.label[ref] if kind == ITEM else kind  # type: ignore[union-attr]
            for kind, ref in zip(kinds, refs, strict=True)
        ]
        sig = hash(
            (
                tuple(names),
                tuple(blk.elem_kind),
                width.tobytes(),
                height.tobytes(),
                np.asarray(blk.src).tobytes(),
                np.asarray(blk.dst).tobytes(),
                sp.tobytes(),
                dp.tobytes(),
                across,
            )
        )
        same = known.get(sig)
        if same is None:
            hint = previous.block_cache.get(blk.path) if previous is not None else None
            drift = np.array(
                [
                    placed[ref].drift if kind == BLOCK else np.nan  # type: ignore[union-attr]
                    for kind, ref in zip(
                        np.asarray(blk.elem_kind).tolist(),
                        np.asarray(blk.elem_ref).tolist(),
                        strict=True,
                    )
                ]
            )
            same = place_block(blk, width, height, sp, dp, title, sig, hint, drift, across)
            known[sig] = same
        placed[b] = same.titled(title)
    done = [p for p in placed if p is not None]
    assert len(done) == nb
    layout = _compose(items, comp, done, collapsed, modules)
    if previous is not None:
        layout = _keep_anchor(layout, previous)
        # one generation back stays cached too: folding back what was just unfolded finds
        # the blocks exactly as they were
        cache = dict(layout.block_cache)
        mine = {pl.signature for pl in cache.values()}
        for path, pl in previous.block_cache.items():
            if not path.startswith(OLDER) and pl.signature not in mine:
                cache[f"{OLDER}{pl.signature}"] = pl
        layout = replace(layout, block_cache=cache)
    return replace(layout, seconds=time.perf_counter() - start)


def _swapped(measure: Measure) -> Measure:
    def swapped(text: str) -> tuple[float, float]:
        w, h = measure(text)
        return h, w

    return swapped


def _empty(collapsed: frozenset[str], seconds: float) -> Layout:
    return Layout(
        items=(),
        boxes=np.zeros((0, 4)),
        is_stub=np.zeros(0, dtype=bool),
        layers=np.zeros(0, dtype=np.int32),
        edge_src=np.zeros(0, dtype=np.int32),
        edge_dst=np.zeros(0, dtype=np.int32),
        edge_points=np.zeros((0, 2)),
        edge_offsets=np.zeros(1, dtype=np.int64),
        group_paths=(),
        group_boxes=np.zeros((0, 4)),
        group_depths=np.zeros(0, dtype=np.int32),
        collapsed=collapsed,
        seconds=seconds,
    )


def _port_x(blk: Any, ends: list[int], ports: list[int], placed: list[Placed | None]) -> np.ndarray:
    """Per local edge: x of the port inside the child box at that end (NaN when not a box)."""
    out = np.full(len(ends), np.nan)
    refs = np.asarray(blk.elem_ref)[np.asarray(ends, dtype=np.int64)]
    for j in np.nonzero(np.asarray(ports) >= 0)[0].tolist():
        child = placed[int(refs[j])]
        assert child is not None
        out[j] = child.port_x(int(ports[j]))
    return out


def _compose(
    items: Any,
    comp: Any,
    placed: list[Placed],
    collapsed: frozenset[str],
    modules: Mapping[str, ModuleInfo],
) -> Layout:
    """Place every block's box in global coordinates and gather item boxes and edge routes."""
    nb = len(comp.blocks)
    origin = np.zeros((nb, 2))
    for b in range(1, nb):  # parents come first
        p = comp.parent[b]
        pp = placed[p]
        e = comp.block_elem[b]
        origin[b] = origin[p] + (pp.offset[0] + pp.left[e], pp.offset[1] + pp.top[e])
    content = origin + np.array([pl.offset for pl in placed])
    n = len(items.ids)
    boxes = np.empty((n, 4))
    ib, ie = comp.item_block, comp.item_elem
    for b in range(nb):
        sel = np.nonzero(ib == b)[0]
        if len(sel):
            pl, el = placed[b], ie[sel]
            boxes[sel, 0] = content[b, 0] + pl.left[el]
            boxes[sel, 1] = content[b, 1] + pl.top[el]
            boxes[sel, 2] = pl.width[el]
            boxes[sel, 3] = pl.height[el]

    # Crossings as drawn, before the global routes exist (the peak memory is here).
    crossings = 0
    counted: dict[tuple[int, bytes], int] = {}  # identical blocks used the same way: count once
    for b, pl in enumerate(placed):
        used = comp.piece_local[comp.piece_block == b]
        copies = np.bincount(used, minlength=len(pl.route_start) - 1)
        sig = (pl.signature, copies.tobytes())
        if sig not in counted:
            counted[sig] = route_crossings(pl.route_points, pl.route_start, copies)
        crossings += counted[sig]

    # Edge routes: every piece is a slice of its block's routes, translated, copied straight
    # into place (block by block, in chunks: no global copy of all routes).
    piece_b, piece_e = comp.piece_block, comp.piece_local
    per_edge = np.bincount(comp.piece_edge, minlength=len(items.src))
    p_len = np.empty(len(piece_b), dtype=np.int64)
    by_block = [np.nonzero(piece_b == b)[0] for b in range(nb)]
    for b, pl in enumerate(placed):
        rs, local = pl.route_start, piece_e[by_block[b]]
        p_len[by_block[b]] = rs[local + 1] - rs[local]
    p_out = np.cumsum(p_len) - p_len
    edge_points = np.empty((int(p_len.sum()), 2))
    for b, pl in enumerate(placed):
        for lo in range(0, len(by_block[b]), GATHER_CHUNK):
            sel = by_block[b][lo : lo + GATHER_CHUNK]
            length = p_len[sel]
            within = np.arange(int(length.sum())) - np.repeat(np.cumsum(length) - length, length)
            src_at = np.repeat(pl.route_start[piece_e[sel]], length) + within
            dst_at = np.repeat(p_out[sel], length) + within
            edge_points[dst_at] = pl.route_points[src_at] + content[b]
    del by_block, p_out
    edge_offsets = np.zeros(len(per_edge) + 1, dtype=np.int64)
    piece_end = np.cumsum(p_len)
    edge_last_piece = np.cumsum(per_edge) - 1
    edge_offsets[1:] = piece_end[edge_last_piece] if len(per_edge) else []

    ys = boxes[:, 1] if n else np.zeros(0)
    _, layers = np.unique(np.round(ys, 3), return_inverse=True)
    groups = list(range(1, nb))
    group_boxes = np.array(
        [[*origin[b], *placed[b].box] for b in groups], dtype=np.float64
    ).reshape(-1, 4)
    del modules
    return Layout(
        items=tuple(items.ids),
        boxes=boxes,
        is_stub=np.asarray(items.stub, dtype=bool),
        layers=layers.astype(np.int32),
        edge_src=items.src.astype(np.int32),
        edge_dst=items.dst.astype(np.int32),
        edge_points=edge_points,
        edge_offsets=edge_offsets,
        group_paths=tuple(module_path(comp.blocks[b].path) for b in groups),
        group_boxes=group_boxes,
        group_depths=np.array([comp.blocks[b].depth for b in groups], dtype=np.int32),
        collapsed=collapsed,
        crossings=crossings,
        dummies=int(sum(pl.dummies for pl in placed)),
        block_cache={comp.blocks[b].path: placed[b] for b in range(nb)},
    )


def _keep_anchor(layout: Layout, previous: Layout) -> Layout:
    """Shift `layout` so the outermost module folded or unfolded since `previous` stays put."""
    changed = sorted(layout.collapsed ^ previous.collapsed, key=lambda p: (p.count("."), p))
    for path in changed:
        old, new = _anchor(previous, path), _anchor(layout, path)
        if old is not None and new is not None:
            shift = np.array([old[0] - new[0], old[1] - new[1], 0.0, 0.0])
            return replace(
                layout,
                boxes=layout.boxes + shift,
                edge_points=layout.edge_points + shift[:2],
                group_boxes=layout.group_boxes + shift,
            )
    return layout


def _anchor(layout: Layout, path: str) -> tuple[float, float] | None:
    """Top centre of the module's collapsed item or group box in `layout`."""
    cid = collapsed_id(path)
    for k, (item, stub) in enumerate(zip(layout.items, layout.is_stub.tolist(), strict=True)):
        if item == cid and not stub:
            return float(layout.boxes[k, 0] + layout.boxes[k, 2] / 2), float(layout.boxes[k, 1])
    if path in layout.group_paths:
        g = layout.group_paths.index(path)
        box = layout.group_boxes[g]
        return float(box[0] + box[2] / 2), float(box[1])
    return None
