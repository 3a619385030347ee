"""From a selection on the canvas to what the Activations panel shows (Qt-free): a graph node's
output, or every measured output of a module (each call, each tensor)."""

from __future__ import annotations

from graphviewer.core.output_keys import module_outputs
from graphviewer.core.types import GraphSnapshot
from graphviewer.ui.graph_items import module_of_item
from graphviewer.ui.panels.activations import Target
from graphviewer.ui.panels.stats_text import NO_STATS, NORM_CLASSES


def selected_target(snapshot: GraphSnapshot, item: str) -> Target | None:
    """The target of one selected item id: a node id, "module:<path>" (folded) or a group's
    module path (expanded); None for an edge or anything unknown."""
    if item in snapshot.graph:
        return node_target(snapshot, item)
    module = module_of_item(item)
    if module is None and item in snapshot.modules:
        module = item
    if module is not None and module in snapshot.modules:
        return module_target(snapshot, module)
    return None


def node_target(snapshot: GraphSnapshot, node_id: str) -> Target:
    node = snapshot.node(node_id)
    st = snapshot.stats.get(f"node:{node_id}")
    where = f" in {node.module}" if node.module else ""
    name = f"{node.op}{where}"
    empty = NO_STATS
    if node.kind in ("param", "input"):
        empty = "a leaf tensor (parameter or input): its values are not an activation"
    elif node.dtype is not None and not node.dtype.startswith(("float", "bfloat")):
        empty = f"the output is {node.dtype}: statistics are kept for floating-point outputs"
    return Target(
        title=f"op {name} ({node_id})",
        name=name,
        outputs=(("output", st),) if st is not None else (),
        empty=empty,
    )


def module_target(snapshot: GraphSnapshot, path: str) -> Target:
    info = snapshot.modules[path]
    refs = module_outputs(snapshot.stats, path)
    several_calls = len({r.call for r in refs}) > 1
    several_outputs = len({r.output for r in refs}) > 1
    outputs = []
    for ref in refs:
        parts = []
        if several_calls:
            parts.append(f"call {ref.call}")
        if several_outputs or not parts:
            parts.append(f"output {ref.output}")
        outputs.append((" · ".join(parts), snapshot.stats[ref.key]))
    name = path or "(root)"
    empty = NO_STATS
    if not info.calls:
        empty = "this module's forward did not run in this pass: no output to show"
    elif not info.output_shapes:
        empty = "the module returned no tensor: nothing to measure"
    elif snapshot.mode == "no_grad" and not snapshot.stats:
        empty = "no statistics in this pass"
    return Target(
        title=f"module {name} · {info.class_name}",
        name=name,
        outputs=tuple(outputs),
        empty=empty,
        norm=info.class_name in NORM_CLASSES,
    )
