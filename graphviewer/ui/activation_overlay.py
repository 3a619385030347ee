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
from graphviewer.ui.graph_items import per_object


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
def _saved_bytes(snapshot: GraphSnapshot) -> dict[str, int]:
    """Saved-tensor bytes by drawn id: each node that saves any ("n12"), and each module with
    its submodules' nodes included ("module:blocks.3"), in one pass over the graph."""
    out: dict[str, int] = {}
    modules: dict[str, int] = {}
    for node_id, data in snapshot.graph.nodes(data=True):
        saved = data["node"].saved
        if not saved:
            continue
        size = sum(s.nbytes for s in saved)
        out[node_id] = size
        path = data["node"].module
        modules[path] = modules.get(path, 0) + size
    for path, size in list(modules.items()):
        while path:
            path = path.rsplit(".", 1)[0] if "." in path else ""
            modules[path] = modules.get(path, 0) + size
    out.update({f"module:{path}": size for path, size in modules.items()})
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
        saved = _saved_bytes(snapshot)
        values = {item: float(saved[item]) for item in layout.items if item in saved}
        return Overlay(values, "bytes saved for backward (log)", log=True)
    if choice not in STATISTICS:
        return None
    label, measure, log = STATISTICS[choice]
    stats = snapshot.stats
    values: dict[str, float] = {}
    for item in layout.items:
        st = stats.get(item if item.startswith("module:") else f"node:{item}")
        if st is not None and st.count:
            v = measure(st)
            if math.isfinite(v) and (v > 0 or not log):
                values[item] = v
    return Overlay(values, label, log=log, low=0.0 if not log else None)
