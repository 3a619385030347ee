"""What the graph shows at one step of a recorded backward: a `Layer` for the canvas and export.

At step k the nodes the engine has not run yet are dimmed, the edges the current node sends its
gradients along (to the nodes that made its inputs) are drawn as flowing, the current node
carries a "step k" badge, and each leaf whose gradient is all zero, NaN or Inf is badged. With
`overlay`, every node is coloured by the norm of the gradient that flowed into it (log scale).
Item ids are the layout's: `item_of` maps a graph node to the item drawing it (itself, or the
collapsed module hiding it).
"""

from __future__ import annotations

import math
from collections.abc import Callable

from graphviewer.core.backward_record import BackwardRecord
from graphviewer.core.types import GraphSnapshot
from graphviewer.render.state import Badge, Layer, Overlay

ItemOf = Callable[[str], "str | None"]

GRAD_LABEL = "‖grad‖ (log)"
_PROBLEM_TEXT = {"zero": "grad 0", "nan": "grad NaN", "inf": "grad Inf"}


def step_layer(
    record: BackwardRecord,
    snapshot: GraphSnapshot,
    item_of: ItemOf,
    step: int | None,
    *,
    overlay: bool = False,
) -> Layer:
    """The layer at `step` (None: no step chosen, only the overlay and the problem badges)."""
    badges: dict[str, Badge] = {}
    for leaf, problem in record.problems.items():
        node_id = _leaf_node(record, leaf)
        item = item_of(node_id) if node_id else None
        if item is not None:
            level = "warning" if problem == "zero" else "error"
            badges[item] = Badge(_PROBLEM_TEXT[problem], level)  # type: ignore[arg-type]
    dimmed: set[str] = set()
    flow: set[str] = set()
    if step is not None and record.steps:
        step = max(0, min(step, len(record.steps) - 1))
        current = record.steps[step]
        done: set[str] = set()
        for s in record.steps[: step + 1]:
            item = item_of(s.node_id) if s.node_id else None
            if item is not None:
                done.add(item)
        for s in record.steps[step + 1 :]:
            item = item_of(s.node_id) if s.node_id else None
            if item is not None and item not in done:
                dimmed.add(item)
        if current.node_id and current.node_id in snapshot.graph:
            here = item_of(current.node_id)
            for producer in snapshot.graph.predecessors(current.node_id):
                src = item_of(producer)
                if src is not None and here is not None and src != here:
                    flow.add(f"{src}->{here}")
            if here is not None:
                badges[here] = Badge(f"step {step + 1}", "info")
    return Layer(
        overlay=grad_overlay(record, item_of) if overlay else None,
        dimmed=frozenset(dimmed),
        flow_edges=frozenset(flow),
        badges=badges,
    )


def grad_overlay(record: BackwardRecord, item_of: ItemOf) -> Overlay:
    """Each item coloured by the largest gradient norm among the nodes it draws (log scale)."""
    values: dict[str, float] = {}
    for node_id, norm in record.grad_norms().items():
        item = item_of(node_id)
        if item is not None and math.isfinite(norm) and norm > 0:
            values[item] = max(values.get(item, 0.0), norm)
    return Overlay(values, GRAD_LABEL, log=True)


def _leaf_node(record: BackwardRecord, leaf: str) -> str:
    for step in record.steps:
        if step.param == leaf:
            return step.node_id
    return ""
