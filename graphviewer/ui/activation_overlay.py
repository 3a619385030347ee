"""The numbers the activation overlay colours the graph by, per drawn item (Qt-free).

A node's value comes from its own output's statistics (or its saved tensors); a folded module's
from the module's output (saved bytes: the sum over the nodes it holds). Items without a value
are drawn in the "no value" grey.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from graphviewer.core.types import ActivationStats, GraphSnapshot, Layout
from graphviewer.render.state import Overlay
from graphviewer.ui.graph_items import module_of_item, per_object


def _nan_inf(st: ActivationStats) -> float:
    return float(st.nan_count + st.inf_count) if st.count else math.nan


# name → (colour bar title, value of a tensor's statistics, log scale)
STATISTICS: dict[str, tuple[str, Callable[[ActivationStats], float], bool]] = {
    "std": ("std of output", lambda st: st.std, False),
    "zeros %": ("zeros % of output", lambda st: st.zeros_fraction * 100.0, False),
    "dead %": (
        "dead units %",
        lambda st: st.dead_fraction * 100.0 if st.units else math.nan,
        False,
    ),
    "NaN/Inf": ("NaN + Inf values (log)", _nan_inf, True),
}
SAVED_BYTES = "saved bytes"
CHOICES = ("none", *STATISTICS, SAVED_BYTES)


@per_object
def _module_saved_bytes(snapshot: GraphSnapshot) -> dict[str, int]:
    """Saved-tensor bytes of every module's nodes, its submodules' included."""
    out: dict[str, int] = {}
    for node in snapshot.nodes.values():
        size = node.saved_bytes
        if not size:
            continue
        path = node.module
        while True:
            out[path] = out.get(path, 0) + size
            if not path:
                break
            path = path.rsplit(".", 1)[0] if "." in path else ""
    return out


_MEMO: dict[tuple[int, int, str], tuple[GraphSnapshot, Layout, Overlay | None]] = {}


def overlay_for(snapshot: GraphSnapshot, layout: Layout, choice: str) -> Overlay | None:
    """The overlay of statistic `choice` (one of CHOICES) over `layout`; None for "none".

    The same (snapshot, layout, choice) gives the same `Overlay` object, so switching back to a
    statistic neither recomputes its values nor re-bins its colours."""
    key = (id(snapshot), id(layout), choice)
    hit = _MEMO.get(key)
    if hit is not None and hit[0] is snapshot and hit[1] is layout:
        return hit[2]
    if len(_MEMO) >= 16:
        _MEMO.clear()
    overlay = _overlay(snapshot, layout, choice)
    _MEMO[key] = (snapshot, layout, overlay)
    return overlay


def _overlay(snapshot: GraphSnapshot, layout: Layout, choice: str) -> Overlay | None:
    if choice == SAVED_BYTES:
        saved = _module_saved_bytes(snapshot)
        values: dict[str, float] = {}
        for item in layout.items:
            module = module_of_item(item)
            if module is not None:
                size = saved.get(module, 0)
            elif item in snapshot.graph:
                size = snapshot.node(item).saved_bytes
            else:
                continue
            if size:
                values[item] = float(size)
        return Overlay(values, "bytes saved for backward (log)", log=True)
    if choice not in STATISTICS:
        return None
    label, measure, log = STATISTICS[choice]
    stats = snapshot.stats
    values = {}
    for item in layout.items:
        st = stats.get(item if item.startswith("module:") else f"node:{item}")
        if st is not None and st.count:
            v = measure(st)
            if math.isfinite(v) and (v > 0 or not log):
                values[item] = v
    return Overlay(values, label, log=log, low=0.0 if not log else None)
