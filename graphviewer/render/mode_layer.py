"""What the mode comparison draws over a graph: badges on what changed, the rest dimmed.

Shared by the window's compare view and `graphviewer export --compare`, so the slide shows what
the screen shows. The graph drawn is one of the two modes'; its nodes made in that mode only
get a "<mode> only" badge (a folded module holding some says how many, after its Δ), each
changed module (folded or expanded) gets its max |Δ| and relative change, and every node of an
unchanged module is dimmed.
"""

from __future__ import annotations

from collections import Counter
from types import MappingProxyType

from graphviewer.core.mode_diff import ModeDiff
from graphviewer.core.mode_report import change_label
from graphviewer.core.types import GraphSnapshot, Layout, collapsed_id
from graphviewer.render.state import Badge, Layer


def _within(module: str, path: str) -> bool:
    return module == path or module.startswith(path + ".")


def _drawn(node_module: str, items: set[str], node_id: str, collapsed: frozenset[str]) -> str:
    """The item that shows a node: itself, or the outermost folded module that holds it."""
    if node_id in items:
        return node_id
    for path in sorted(collapsed, key=len):
        if path and _within(node_module, path):
            return collapsed_id(path)
    return node_id


def compare_layer(diff: ModeDiff, snapshot: GraphSnapshot, layout: Layout) -> Layer:
    """The layer for `snapshot` (mode `diff.a` or `diff.b`) laid out as `layout`."""
    mode = snapshot.mode
    items = set(layout.items)
    groups = set(layout.group_paths)
    badges: dict[str, Badge] = {}
    changed = [m for m in diff.changed_modules if m.path]  # the root's change: the output line
    for m in changed:
        if m.path in layout.collapsed:
            badges[collapsed_id(m.path)] = Badge(change_label(m), "warning")
        elif m.path in groups:
            badges[f"group:{m.path}"] = Badge(change_label(m), "warning")
    only = {c.node_id for c in diff.only_in(mode)}
    hidden: Counter[str] = Counter()  # folded module -> nodes of this mode only inside it
    for node_id in only:
        if node_id in snapshot.graph:
            node = snapshot.node(node_id)
            item = _drawn(node.module, items, node_id, layout.collapsed)
            if item == node_id:
                badges[item] = Badge(f"{mode} only", "error")
            else:
                hidden[item] += 1
    for item, n in hidden.items():  # a folded module keeps its Δ and says what it hides
        change = badges.get(item)
        text = f"{n} {mode} only" if n > 1 else f"1 node {mode} only"
        badges[item] = Badge(f"{change.text} · {text}" if change else text, "error")
    lit = {item for item in badges if not item.startswith("group:")}
    dimmed = set()
    for node_id, data in snapshot.graph.nodes(data=True):
        module = data["node"].module
        item = _drawn(module, items, node_id, layout.collapsed)
        if item in lit or node_id in only:
            continue
        if not any(_within(module, m.path) for m in changed):
            dimmed.add(item)
    return Layer(dimmed=frozenset(dimmed - lit), badges=MappingProxyType(badges))
