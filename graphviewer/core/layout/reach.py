"""How large a folding could at best be drawn flowing the other way, from its layout in one
direction: so the slide fit lays a direction out only when it could win.

The layers of a block do not depend on the direction (they come from the edges alone), and an
item's size is its label's whichever way the flow runs: its extent along a left-to-right flow
is its width, along a top-to-bottom one its height. An edge drawn forward in one direction is
forward in the other, with at least a layer gap between its ends. So the longest path of
forward edges, counting each item's extent along the other flow and a layer gap per step,
is a length that flow cannot be shorter than. Wrapped into k rows (or columns) the longest one
still holds (that length − (k − 1) gaps) / k of it, since a cut saves at most the gap it falls
in. That bounds the scale along the flow; the widest item bounds it across.
"""

from __future__ import annotations

import numpy as np

from graphviewer.core.layout.direction import Direction
from graphviewer.core.layout.place import LAYER_GAP
from graphviewer.core.types import Layout

SLACK = 0.5  # layout units: a gap this much short of a layer gap still counts as one


def reach(layout: Layout, direction: Direction, target: tuple[float, float], rows: int) -> float:
    """An upper bound on the scale at which `layout`'s folding, laid out flowing `direction`
    and wrapped into at most `rows` columns or rows, fits `target` (width, height)."""
    boxes = layout.boxes
    if not len(boxes):
        return float("inf")
    here = 1 if layout.direction == "TB" else 0  # this layout's flow axis
    there = 1 if direction == "TB" else 0  # the other layout's
    along = boxes[:, 2 + there]
    start, end = boxes[:, here], boxes[:, here] + boxes[:, 2 + here]
    src, dst = layout.edge_src.astype(np.int64), layout.edge_dst.astype(np.int64)
    forward = start[dst] >= end[src] + LAYER_GAP - SLACK
    src, dst = src[forward], dst[forward]
    # longest path, items taken in the order they start along this flow (edges only go on)
    order = np.argsort(start, kind="stable")
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    by_dst = np.argsort(rank[dst], kind="stable")
    src_l, dst_l = src[by_dst].tolist(), dst[by_dst].tolist()
    length = along.tolist()
    longest = list(length)
    j, m = 0, len(dst_l)
    for v in order.tolist():
        best = 0.0
        while j < m and dst_l[j] == v:
            best = max(best, longest[src_l[j]] + LAYER_GAP)
            j += 1
        longest[v] = length[v] + best
    flow = max(longest)
    flow_room, cross_room = (target[1], target[0]) if there == 1 else target
    k = max(rows, 1)
    row = max((flow - (k - 1) * LAYER_GAP) / k, 1e-9)
    widest = float(boxes[:, 3 - there].max())
    return min(flow_room / row, cross_room / max(widest, 1e-9))
