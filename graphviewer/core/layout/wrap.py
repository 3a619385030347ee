"""Folding a long flow into side-by-side columns (top to bottom) or stacked rows (left to
right), so a deep chain fits a wide slide. Cuts fall only in the empty bands between layers;
a module box a cut passes through is drawn as one piece per column, each titled, and an edge
cut in two runs round the column's foot, up the gap beside it and into the next column."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable
from dataclasses import replace

import numpy as np

from graphviewer.core.layout.direction import transposed
from graphviewer.core.types import Layout

COLUMN_GAP = 48.0  # between two columns, before the lanes of the edges that go round
LANE = 5.0  # between two edges going round the same cut
MARGIN = 14.0  # below a column's foot and above its head, where those edges run
TITLE_ROOM = 22.0  # above a column's content, per module box continued from the column before
SPLIT_COST = 4  # a module box cut in two costs as much as this many edges going round
SLACK = 1.15  # a column may be this much longer than the shortest longest one, to cut cleaner
PIECE_INSET = 4.0  # nested module boxes cut at the same place end this far apart
BISECT_TOLERANCE = 0.25  # layout units: the longest column's length is searched this closely


def wrap_layout(layout: Layout, columns: int) -> Layout:
    """`layout` folded into at most `columns` columns (TB) or rows (LR) of balanced length.

    Fewer are made when the flow has fewer places to cut; `Layout.wrapped` says how many.
    """
    return wrapper(layout)(columns)


def wrapper(layout: Layout) -> Callable[..., Layout]:
    """`wrap_layout` of `layout` for any number of columns, with what every number shares (the
    places to cut, the edges across each) worked out once. `wrap(columns, routes=False)` is
    for measuring: boxes and module pieces in place, and no edge routes at all."""
    if not len(layout.items):
        return lambda columns: layout
    across = layout.direction == "LR"
    flow = transposed(layout, "TB") if across else layout
    places = cut_places(flow)
    crossing = _edges_across(flow, places)

    def wrap(columns: int, routes: bool = True) -> Layout:
        if columns <= 1:
            return layout
        cuts = _balanced_cuts(flow, columns, places, crossing)
        if not len(cuts):
            return layout
        folded = _fold(flow, cuts, routes)
        return transposed(folded, "LR") if across else folded

    return wrap


def cut_places(layout: Layout) -> np.ndarray:
    """y of every place a top-to-bottom layout can be cut: mid-way across each empty band
    between layers that no box, group title or group foot covers."""
    boxes = layout.boxes
    gb = layout.group_boxes
    lo = [boxes[:, 1]]
    hi = [boxes[:, 1] + boxes[:, 3]]
    if len(gb):
        # a group's head (down to its first content) and foot (from its last) are covered
        inner = np.concatenate([boxes, gb])
        ix0, iy0 = inner[:, 0], inner[:, 1]
        ix1, iy1 = ix0 + inner[:, 2], iy0 + inner[:, 3]
        for g in range(len(gb)):
            x0, y0, w, h = gb[g]
            x1, y1 = x0 + w, y0 + h
            within = (ix0 >= x0) & (ix1 <= x1) & (iy0 >= y0) & (iy1 <= y1)
            within[len(boxes) + g] = False
            if within.any():
                lo += [np.array([y0, iy1[within].max()])]
                hi += [np.array([iy0[within].min(), y1])]
            else:
                lo += [np.array([y0])]
                hi += [np.array([y1])]
    starts, ends = np.concatenate(lo), np.concatenate(hi)
    order = np.argsort(starts, kind="stable")
    starts, ends = starts[order], np.maximum.accumulate(ends[order])
    gap_lo, gap_hi = ends[:-1], starts[1:]
    free = gap_hi - gap_lo > 1.0
    return (gap_lo[free] + gap_hi[free]) / 2


def _balanced_cuts(
    layout: Layout, columns: int, places: np.ndarray, crossing: np.ndarray
) -> np.ndarray:
    """At most `columns - 1` of the cut `places` (with `crossing` edges across each) that make
    the longest column as short as can be."""
    if not len(places):
        return places
    _, y0, _, height = layout.bounds
    top, bottom = y0, y0 + height

    at = places.tolist()  # ascending

    def greedy(limit: float) -> list[float] | None:
        chosen: list[float] = []
        start = top
        while bottom - start > limit:
            k = bisect_right(at, start + limit) - 1  # the furthest place a column can reach
            if k < 0 or at[k] <= start or len(chosen) >= columns - 1:
                return None
            start = at[k]
            chosen.append(start)
        return chosen

    lo, hi = height / columns, height
    best = greedy(hi) or []
    for _ in range(40):
        if hi - lo < BISECT_TOLERANCE:
            break
        mid = (lo + hi) / 2
        found = greedy(mid)
        if found is None:
            lo = mid
        else:
            hi, best = mid, found
    # with a little slack, cut where the fewest edges have to go round and no module box
    # that would fit one column whole is cut in two
    gb = layout.group_boxes
    split = np.zeros(len(places))
    if len(gb):
        small = gb[gb[:, 3] < hi]
        split = (
            (small[None, :, 1] < places[:, None])
            & (places[:, None] < small[None, :, 1] + small[None, :, 3])
        ).sum(axis=1)
    cut_count = crossing + SPLIT_COST * split
    slack = hi * SLACK
    chosen: list[float] = []
    start = top
    while bottom - start > slack and len(chosen) < columns - 1:
        window = (places > start + slack * 0.7) & (places <= start + slack)
        if not window.any():
            return np.array(best)
        at = np.nonzero(window)[0]
        pick = at[np.lexsort((-places[at], cut_count[at]))[0]]
        start = float(places[pick])
        chosen.append(start)
    return np.array(chosen) if bottom - start <= slack else np.array(best)


def _edges_across(layout: Layout, places: np.ndarray) -> np.ndarray:
    """Per cut place: how many edges run across it."""
    off, pts = layout.edge_offsets, layout.edge_points
    if len(off) < 2 or not len(pts):
        return np.zeros(len(places), dtype=np.int64)
    first, last = pts[off[:-1], 1], pts[np.maximum(off[1:] - 1, 0), 1]
    lo, hi = np.sort(np.minimum(first, last)), np.sort(np.maximum(first, last))
    return np.searchsorted(lo, places) - np.searchsorted(hi, places)


def _fold(layout: Layout, cuts: np.ndarray, routes: bool = True) -> Layout:
    left0, top0 = layout.bounds[:2]  # where the picture starts
    bands = np.concatenate([[-np.inf], cuts, [np.inf]])
    nb = len(cuts) + 1
    boxes, gb = layout.boxes.copy(), layout.group_boxes
    item_band = np.searchsorted(cuts, boxes[:, 1] + boxes[:, 3] / 2)

    # module boxes: one piece per band they reach; pieces after the first are continued
    pieces: list[tuple[int, int, float, float, int]] = []  # group, band, top, bottom, cut depth
    continued = np.zeros(nb, dtype=np.int64)  # per band: how many boxes continue into it
    split_depth: dict[tuple[int, int], int] = {}
    for g in range(len(gb)):
        y0, y1 = gb[g, 1], gb[g, 1] + gb[g, 3]
        first, last = np.searchsorted(cuts, [y0, y1])
        for b in range(int(first), int(last) + 1):
            if b > first:
                split_depth[(g, b)] = int(continued[b])
                continued[b] += 1
            pieces.append((g, b, max(y0, bands[b]), min(y1, bands[b + 1]), 0))
    # band offsets along the flow: each band starts at 0, below its continued titles
    shift_y = -np.where(np.isfinite(bands[:-1]), bands[:-1], top0)
    shift_y += continued * TITLE_ROOM

    # edges: split where they cross a cut; per band, the edges leaving it (in edge order)
    pts, off = layout.edge_points, layout.edge_offsets
    ne = len(off) - 1
    pt_band = np.searchsorted(cuts, pts[:, 1]) if len(pts) else np.zeros(0, dtype=np.int64)
    edge_of = np.repeat(np.arange(ne), np.diff(off))
    step = np.nonzero((edge_of[1:] == edge_of[:-1]) & (pt_band[1:] != pt_band[:-1]))[0]
    step_band, step_edge = pt_band[step], edge_of[step]
    leaving = np.unique(step_band * max(ne, 1) + step_edge)  # (band, edge) pairs, sorted
    leaving_band = leaving // max(ne, 1)
    lanes = np.bincount(leaving_band, minlength=nb).astype(np.float64)
    # column extents across the flow, from what stays in each band
    x_lo, x_hi = np.full(nb, np.inf), np.full(nb, -np.inf)
    y_end = np.zeros(nb)
    np.minimum.at(x_lo, item_band, boxes[:, 0])
    np.maximum.at(x_hi, item_band, boxes[:, 0] + boxes[:, 2])
    np.maximum.at(y_end, item_band, boxes[:, 1] + boxes[:, 3] + shift_y[item_band])
    for g, b, _top, bottom, _ in pieces:
        x_lo[b] = min(x_lo[b], gb[g, 0])
        x_hi[b] = max(x_hi[b], gb[g, 0] + gb[g, 2])
        y_end[b] = max(y_end[b], bottom + shift_y[b])
    if len(pts):
        np.minimum.at(x_lo, pt_band, pts[:, 0])
        np.maximum.at(x_hi, pt_band, pts[:, 0])
    x_lo = np.where(np.isfinite(x_lo), x_lo, 0.0)
    x_hi = np.maximum(x_hi, x_lo)
    gaps = COLUMN_GAP + lanes * LANE
    left = np.concatenate([[0.0], np.cumsum((x_hi - x_lo + gaps)[:-1])])
    shift_x = left - x_lo + left0
    shift_y += top0

    boxes[:, 0] += shift_x[item_band]
    boxes[:, 1] += shift_y[item_band]
    gpaths, gdepths, grows = [], [], []
    for g, b, top, bottom, _ in pieces:
        if (g, b) in split_depth:
            top = bands[b] + split_depth[(g, b)] * TITLE_ROOM - continued[b] * TITLE_ROOM
        if bottom >= bands[b + 1]:
            # boxes around this one that the same cut passes through end below it
            around = sum(
                1
                for h, c, *_ in pieces
                if c == b and h < g and gb[h, 1] + gb[h, 3] > bands[b + 1] and _holds(gb[h], gb[g])
            )
            bottom = bands[b + 1] - (around + 1) * PIECE_INSET
        gpaths.append(layout.group_paths[g])
        gdepths.append(int(layout.group_depths[g]))
        grows.append([gb[g, 0] + shift_x[b], top + shift_y[b], gb[g, 2], bottom - top])
    foot = y_end + top0
    if not routes:
        return replace(
            layout,
            boxes=boxes,
            edge_points=np.zeros((0, 2)),
            edge_offsets=np.zeros(ne + 1, dtype=np.int64),
            group_paths=tuple(gpaths),
            group_depths=np.array(gdepths, dtype=np.int32),
            group_boxes=np.array(grows, dtype=np.float64).reshape(-1, 4),
            wrapped=nb,
        )

    # edges: moved with their band; a cut edge goes round the foot and up the gap
    moved = pts + np.stack([shift_x[pt_band], shift_y[pt_band]], axis=1) if len(pts) else pts
    first_lane = np.searchsorted(leaving_band, np.arange(nb))
    key = step_band * max(ne, 1) + step_edge
    lane = (np.searchsorted(leaving, key) - first_lane[step_band]) * LANE
    p0, p1 = pts[step], pts[step + 1]
    t = (cuts[np.minimum(step_band, len(cuts) - 1)] - p0[:, 1]) / np.maximum(
        p1[:, 1] - p0[:, 1], 1e-9
    )
    xc = p0[:, 0] + t * (p1[:, 0] - p0[:, 0]) + shift_x[step_band]
    below = foot[step_band] + MARGIN + lane  # under the column's foot
    side = left[step_band] + left0 + (x_hi - x_lo)[step_band] + COLUMN_GAP / 2 + lane
    above = top0 - MARGIN - lane  # over the next column's head
    turn_pts = np.stack(
        [xc, below, side, below, side, above, moved[step + 1, 0], above], axis=1
    ).reshape(-1, 2)
    edge_points = np.insert(moved, np.repeat(step + 1, 4), turn_pts, axis=0)
    turns = np.bincount(step_edge, minlength=ne)
    new_off = np.asarray(off, dtype=np.int64) + 4 * np.concatenate([[0], np.cumsum(turns)])
    return replace(
        layout,
        boxes=boxes,
        edge_points=edge_points,
        edge_offsets=new_off,
        group_paths=tuple(gpaths),
        group_depths=np.array(gdepths, dtype=np.int32),
        group_boxes=np.array(grows, dtype=np.float64).reshape(-1, 4),
        wrapped=nb,
    )


def _holds(outer: np.ndarray, inner: np.ndarray) -> bool:
    return bool(outer[0] <= inner[0] and inner[0] + inner[2] <= outer[0] + outer[2])
