"""What gets drawn: graph nodes and collapsed modules as items, their edges, stubs, and groups.

A node is hidden by the outermost collapsed module among the blocks holding it and shown as that
module's item (`collapsed_id(path)`). Edges are lifted to items, self-loops dropped and
duplicates merged. A many-use leaf (a source item with several consumers: a parameter reused by
every timestep), and any item with very many consumers (an `unbind` feeding every timestep), keeps
one real edge to its first consumer and gets a stub item next to each other consumer, which is
what keeps an unrolled LSTM from needing millions of dummy nodes.

Blocks are module calls (`calls`): a module called several times gets one group, or one folded
item, per call (the items repeat the id `collapsed_id(path)`, as stubs repeat theirs), and a
container that was never called is no group at all.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from graphviewer.core.labels import module_label, module_stub_label, node_label, stub_label
from graphviewer.core.layout.calls import ancestor_paths, module_path
from graphviewer.core.types import GraphNode, ModuleInfo, collapsed_id

if TYPE_CHECKING:
    from graphviewer.core.layout.memo import GraphIndex

__all__ = ["ItemGraph", "ancestor_paths", "build_items", "module_path"]

STUB_MIN_USES = 2  # a source item (leaf) with at least this many consumers gets stubs
HUB_MIN_USES = 16  # so does any other item with this many (an unbind feeding every timestep)


@dataclass
class ItemGraph:
    """The drawn items (stubs last) with their groups, labels and order keys, and their edges."""

    ids: list[str]
    stub: list[bool]
    group: list[str]  # innermost expanded block (module call) holding the item ("" = top level)
    label: list[str]
    key: np.ndarray  # (N,) float64: creation order, for deterministic initial orders
    src: np.ndarray  # (E,) int64
    dst: np.ndarray  # (E,) int64
    num_nodes: int  # graph nodes (before collapsing)
    parent: dict[str, str]  # block name -> the block enclosing it ("" = top level)


def build_items(
    walked: GraphIndex,
    modules: Mapping[str, ModuleInfo],
    collapsed: Collection[str],
) -> ItemGraph:
    """Collapse a graph, as walked by `memo.index_graph`, into items, edges and stubs."""
    collapsed = frozenset(collapsed)
    node_data, tree = walked.nodes, walked.tree
    everything = "" in collapsed  # the root folded: one item

    def fold(chain: tuple[tuple[str, str], ...]) -> tuple[str, str, str] | None:
        """(block name, module path, enclosing block) of the outermost folded block, if any."""
        above, above_path = "", ""
        for path, name in chain:
            # folding a container never called itself (a ModuleDict) folds each called
            # module in it: the paths skipped since the enclosing block count too
            skipped = ancestor_paths(path)[len(ancestor_paths(above_path)) :]
            if any(p in collapsed for p in skipped):
                return (name, path, above)
            above, above_path = name, path
        return None

    # once per distinct chain (the nodes of one call share theirs), then looked up per node
    if everything:
        hides: list[tuple[str, str, str] | None] = [("", "", "")] * len(walked.chains)
    elif collapsed:
        hides = [fold(chain) for chain in walked.chains]
    else:
        hides = [None] * len(walked.chains)
    ids: list[str] = []
    group: list[str] = []
    label: list[str] = []
    key: list[float] = []
    item_of: dict[str, int] = {}
    node_item = np.empty(len(node_data), dtype=np.int64)
    for i, (node, c) in enumerate(zip(node_data, walked.chain_of, strict=True)):
        hide = hides[c]
        item_key = node.id if hide is None else collapsed_id(hide[0])
        k = item_of.get(item_key)
        if k is None:
            k = item_of[item_key] = len(ids)
            key.append(float(i))
            if hide is None:
                ids.append(node.id)
                chain = tree.chains[i]
                group.append(chain[-1][1] if chain else "")
                label.append(node_label(node))
            else:
                ids.append(collapsed_id(hide[1]))
                group.append(hide[2])
                info = modules.get(hide[1])
                label.append(module_label(info) if info is not None else hide[1] or "(root)")
        node_item[i] = k

    e = walked.edges
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
    return ItemGraph(ids, stub, group, label, key_arr, src, dst, len(node_data), tree.parent)


def _stub_text(
    item: int, ids: list[str], is_node: np.ndarray, nodes: list[GraphNode], key: np.ndarray
) -> str:
    if is_node[item]:
        return stub_label(nodes[int(key[item])])
    return module_stub_label(ids[item].removeprefix("module:"))
