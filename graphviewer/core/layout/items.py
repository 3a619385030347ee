"""What gets drawn: graph nodes and collapsed modules as items, their edges, stubs, and groups.

A node is hidden by the outermost collapsed module among its module's ancestors and shown as that
module's item (`collapsed_id(path)`). Edges are lifted to items, self-loops dropped and
duplicates merged. A many-use leaf (a source item with several consumers: a parameter reused by
every timestep), and any item with very many consumers (an `unbind` feeding every timestep), keeps
one real edge to its first consumer and gets a stub item next to each other consumer, which is
what keeps an unrolled LSTM from needing millions of dummy nodes.

A module called several times (ResNet's shared `relu`, an RNN cell stepped in a loop) gets one
group per call: its items are split into the connected pieces they form, each a group named
`path@k` (`CALL_MARK`; `module_path` strips it). One box holding every call would sit on a cycle
(out of the box, through the caller, back into it) and force edges upward.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

import numpy as np

from graphviewer.core.labels import module_label, module_stub_label, node_label, stub_label
from graphviewer.core.types import GraphNode, ModuleInfo, collapsed_id

STUB_MIN_USES = 2  # a source item (leaf) with at least this many consumers gets stubs
HUB_MIN_USES = 16  # so does any other item with this many (an unbind feeding every timestep)
CALL_MARK = "@"  # "relu@2": the second call's group of module "relu"


def module_path(group: str) -> str:
    """The module path of a group ("a.relu@2" → "a.relu")."""
    if CALL_MARK not in group:
        return group
    return ".".join(part.split(CALL_MARK, 1)[0] for part in group.split("."))


def parent_path(path: str) -> str:
    """The enclosing module path ("a.b" → "a", "a" → "", "" → "")."""
    return path.rsplit(".", 1)[0] if "." in path else ""


def ancestor_paths(path: str) -> list[str]:
    """`"a.b"` → `["", "a", "a.b"]`: the module and its parents, outermost first."""
    if not path:
        return [""]
    parts = path.split(".")
    return ["", *(".".join(parts[: i + 1]) for i in range(len(parts)))]


@dataclass
class ItemGraph:
    """The drawn items (stubs last) with their groups, labels and order keys, and their edges."""

    ids: list[str]
    stub: list[bool]
    group: list[str]  # innermost expanded module path holding the item ("" = top level)
    label: list[str]
    key: np.ndarray  # (N,) float64: creation order, for deterministic initial orders
    src: np.ndarray  # (E,) int64
    dst: np.ndarray  # (E,) int64
    num_nodes: int  # graph nodes (before collapsing)


def build_items(
    graph: object,
    modules: Mapping[str, ModuleInfo],
    collapsed: Collection[str],
) -> ItemGraph:
    """Collapse `graph` (a DiGraph with a GraphNode under "node") into items, edges and stubs."""
    collapsed = frozenset(collapsed)
    node_data: list[GraphNode] = [d["node"] for _, d in graph.nodes(data=True)]  # type: ignore[attr-defined]
    index = {n.id: i for i, n in enumerate(node_data)}
    hider: dict[str, str | None] = {}

    def hidden_by(module: str) -> str | None:
        hit = hider.get(module, "?")
        if hit == "?":
            hit = next((p for p in ancestor_paths(module) if p in collapsed), None)
            hider[module] = hit
        return hit

    ids: list[str] = []
    group: list[str] = []
    label: list[str] = []
    key: list[float] = []
    item_of_id: dict[str, int] = {}
    node_item = np.empty(len(node_data), dtype=np.int64)
    for i, node in enumerate(node_data):
        hide = hidden_by(node.module) if collapsed else None
        item_id = node.id if hide is None else collapsed_id(hide)
        k = item_of_id.get(item_id)
        if k is None:
            k = item_of_id[item_id] = len(ids)
            ids.append(item_id)
            key.append(float(i))
            if hide is None:
                group.append(node.module)
                label.append(node_label(node))
            else:
                group.append(parent_path(hide))
                info = modules.get(hide)
                label.append(module_label(info) if info is not None else hide or "(root)")
        node_item[i] = k

    num_edges = graph.number_of_edges()  # type: ignore[attr-defined]
    flat = (index[end] for edge in graph.edges() for end in edge)  # type: ignore[attr-defined]
    e = np.fromiter(flat, dtype=np.int64, count=2 * num_edges).reshape(-1, 2)
    eu, ev = node_item[e[:, 0]], node_item[e[:, 1]]
    keep = eu != ev
    n = len(ids)
    pairs = np.unique(eu[keep] * n + ev[keep])
    src, dst = pairs // n, pairs % n

    # Stubs: every consumer of a many-use item but its first gets a stub of that item; every
    # producer feeding a many-input item (a `stack` of all timesteps) but its last gets one too.
    indeg = np.bincount(dst, minlength=n)
    outdeg = np.bincount(src, minlength=n)
    is_node = np.array([not i.startswith("module:") for i in ids], dtype=bool)
    fan_out = ((indeg == 0) & (outdeg >= STUB_MIN_USES) & is_node) | (outdeg >= HUB_MIN_USES)
    fan_in = indeg >= HUB_MIN_USES
    src, dst = src.copy(), dst.copy()
    key_arr = np.array(key, dtype=np.float64)
    for hub_side, other_side, hubs, last in ((src, dst, fan_out, False), (dst, src, fan_in, True)):
        cand = np.nonzero(hubs[hub_side])[0]
        if not len(cand):
            continue
        rank = key_arr[other_side[cand]] * (-1 if last else 1)
        order = cand[np.lexsort((rank, hub_side[cand]))]
        first = np.ones(len(order), dtype=bool)
        first[1:] = hub_side[order][1:] != hub_side[order][:-1]
        moved = np.sort(order[~first])
        hub_items = hub_side[moved].tolist()
        neighbours = other_side[moved].tolist()
        hub_side[moved] = len(ids) + np.arange(len(moved))
        texts = {h: _stub_text(h, ids, is_node, node_data, key_arr) for h in set(hub_items)}
        for h, near in zip(hub_items, neighbours, strict=True):
            ids.append(ids[h])
            group.append(group[near])
            label.append(texts[h])
        key_arr = np.concatenate([key_arr, key_arr[neighbours] + (0.5 if last else -0.5)])
    stub = [False] * n + [True] * (len(ids) - n)
    group = _split_calls(group, src, dst, key_arr, modules)
    return ItemGraph(ids, stub, group, label, key_arr, src, dst, len(node_data))


def _split_calls(
    group: list[str],
    src: np.ndarray,
    dst: np.ndarray,
    key: np.ndarray,
    modules: Mapping[str, ModuleInfo],
) -> list[str]:
    """Groups of items inside modules called more than once, renamed per call (`path@k`).

    Only the outermost such modules are split; a call is a weakly connected piece of the items
    inside the module (edges between them only), numbered by its earliest item.
    """
    multi = sorted(p for p, m in modules.items() if p and m.calls > 1)
    outer = [p for p in multi if not any(a in multi for a in ancestor_paths(p)[1:-1])]
    if not outer:
        return group
    outer_set = set(outer)
    owner_of: dict[str, str | None] = {}
    for g in set(group):
        owner_of[g] = next((a for a in ancestor_paths(g)[1:] if a in outer_set), None)
    owner = [owner_of[g] for g in group]
    root = list(range(len(group)))

    def find(k: int) -> int:
        while root[k] != k:
            root[k] = root[root[k]]
            k = root[k]
        return k

    for s, t in zip(src.tolist(), dst.tolist(), strict=True):
        if owner[s] is not None and owner[s] == owner[t]:
            a, b = find(s), find(t)
            if a != b:
                root[max(a, b)] = min(a, b)
    pieces: dict[str, dict[int, list[int]]] = {}
    for k, path in enumerate(owner):
        if path is not None:
            pieces.setdefault(path, {}).setdefault(find(k), []).append(k)
    group = list(group)
    for path, parts in pieces.items():
        if len(parts) < 2:
            continue
        ordered = sorted(parts.values(), key=lambda ks: float(key[ks].min()))
        for call, members in enumerate(ordered, start=1):
            for k in members:
                group[k] = f"{path}{CALL_MARK}{call}{group[k][len(path) :]}"
    return group


def _stub_text(
    item: int, ids: list[str], is_node: np.ndarray, nodes: list[GraphNode], key: np.ndarray
) -> str:
    if is_node[item]:
        return stub_label(nodes[int(key[item])])
    return module_stub_label(ids[item].removeprefix("module:"))
