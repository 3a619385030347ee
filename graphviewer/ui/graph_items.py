"""Questions the window asks of a snapshot and its layout: where is this node drawn, what is here.

Qt-free lookups shared by the canvas, search and the panels: which drawn item stands for a graph
node (itself, or the collapsed module that hides it), the box of an item or group, the nodes a
line of the user's code created, and the folding a double-click asks for.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any, TypeVar

from graphviewer.core.types import GraphSnapshot, Layout, collapsed_id

MODULE_PREFIX = collapsed_id("")
T = TypeVar("T")


def per_object(fn: Callable[[Any], T]) -> Callable[[Any], T]:
    """Cache `fn(obj)` by the object's identity (layouts hold arrays: they cannot be hashed)."""
    memo: dict[int, tuple[Any, T]] = {}

    def wrapper(obj: Any) -> T:
        hit = memo.get(id(obj))
        if hit is None or hit[0] is not obj:
            if len(memo) > 8:
                memo.clear()
            hit = memo[id(obj)] = (obj, fn(obj))
        return hit[1]

    return wrapper


def module_of_item(item_id: str) -> str | None:
    """The module path of a collapsed-module item id, or None for a graph node id."""
    return item_id[len(MODULE_PREFIX) :] if item_id.startswith(MODULE_PREFIX) else None


@per_object
def _item_index(layout: Layout) -> dict[str, int]:
    index: dict[str, int] = {}
    for k, (item, stub) in enumerate(zip(layout.items, layout.is_stub.tolist(), strict=True)):
        if not stub or item not in index:
            index.setdefault(item, k)
            if not stub:
                index[item] = k
    return index


@per_object
def _call_index(layout: Layout) -> dict[str, list[int]]:
    # A module called several times, folded, is one item per call, all with the same id.
    index: dict[str, list[int]] = {}
    for k, (item, stub) in enumerate(zip(layout.items, layout.is_stub.tolist(), strict=True)):
        if not stub:
            index.setdefault(item, []).append(k)
    return index


@per_object
def _group_index(layout: Layout) -> dict[str, list[int]]:
    # A module called several times has one group box per call: a path maps to all of them.
    index: dict[str, list[int]] = {}
    for k, path in enumerate(layout.group_paths):
        index.setdefault(path, []).append(k)
    return index


def ancestors(module: str) -> list[str]:
    """`"a.b.c"` → `["", "a", "a.b", "a.b.c"]`: the module and its parents, outermost first."""
    if not module:
        return [""]
    parts = module.split(".")
    return ["", *(".".join(parts[: i + 1]) for i in range(len(parts)))]


def drawn_item(snapshot: GraphSnapshot, layout: Layout, node_id: str) -> str | None:
    """The item that shows `node_id`: the node itself or the collapsed module that holds it."""
    if node_id in _item_index(layout):
        return node_id
    if node_id not in snapshot.graph:
        return None
    for path in ancestors(snapshot.node(node_id).module):
        # a folded container that was never called is drawn as its called children
        if path in layout.collapsed and collapsed_id(path) in _item_index(layout):
            return collapsed_id(path)
    return None


def module_key(layout: Layout, module: str) -> str:
    """How `module` is drawn: its collapsed node, its group box, or a folded parent's node."""
    cid = collapsed_id(module)
    if cid in _item_index(layout) or module in _group_index(layout):
        return cid if cid in _item_index(layout) else module
    for path in ancestors(module):
        if path in layout.collapsed and collapsed_id(path) in _item_index(layout):
            return collapsed_id(path)
    return module


def item_boxes(layout: Layout, key: str) -> list[tuple[float, float, float, float]]:
    """(x, y, w, h) of a drawn item id, or of every group box of a module path (one per call,
    folded or not)."""
    k = _item_index(layout).get(key)
    if k is not None:
        calls = _call_index(layout).get(key, [k])
        return [tuple(float(v) for v in layout.boxes[c]) for c in calls]  # type: ignore[misc]
    return [
        tuple(float(v) for v in layout.group_boxes[g])  # type: ignore[misc]
        for g in _group_index(layout).get(key, ())
    ]


def item_box(layout: Layout, key: str) -> tuple[float, float, float, float] | None:
    """The box around a drawn item id, or around every group box of a module path."""
    boxes = item_boxes(layout, key)
    if not boxes:
        return None
    x0, y0 = min(b[0] for b in boxes), min(b[1] for b in boxes)
    x1, y1 = max(b[0] + b[2] for b in boxes), max(b[1] + b[3] for b in boxes)
    return (x0, y0, x1 - x0, y1 - y0)


def anchor_box(layout: Layout, module: str) -> tuple[float, float, float, float] | None:
    """The box standing for `module` whether it is drawn expanded (a group) or collapsed."""
    return item_box(layout, collapsed_id(module)) or item_box(layout, module)


def toggle_fold(layout: Layout, module: str) -> frozenset[str]:
    """The collapsed set after a double-click on `module`: fold it, or unfold it one level."""
    if module in layout.collapsed:
        return layout.collapsed - {module}
    return layout.collapsed | {module}


@per_object
def _lines(snapshot: GraphSnapshot) -> dict[tuple[str, int], list[str]]:
    lines: dict[tuple[str, int], list[str]] = defaultdict(list)
    for node in snapshot.nodes.values():
        if node.source is not None:
            lines[(node.source.file, node.source.line)].append(node.id)
    return dict(lines)


def nodes_at_line(snapshot: GraphSnapshot, file: str, line: int) -> list[str]:
    """The nodes the user's code at `file:line` created."""
    return list(_lines(snapshot).get((file, line), ()))


def lines_in_file(snapshot: GraphSnapshot, file: str) -> list[int]:
    """The lines of `file` that created at least one node."""
    return sorted(line for f, line in _lines(snapshot) if f == file)


def module_nodes(snapshot: GraphSnapshot, module: str) -> list[str]:
    """The nodes created inside `module` (or any of its submodules)."""
    prefix = module + "."
    return [
        n.id
        for n in snapshot.nodes.values()
        if not module or n.module == module or n.module.startswith(prefix)
    ]
