"""What the layouts of one graph share: its node list, call tree and edge list are worked out
once per graph, and the items and blocks of the last few foldings are kept, so that laying the
same folding out in the other direction, or trying the depths a slide fits, repeats no walk.

Kept per graph object, weakly (a graph that is dropped takes its entries with it), and checked
against the graph's node count and the module table's identity and size, so a graph given
nodes after a layout, or laid out with other modules, is walked again.
"""

from __future__ import annotations

import weakref
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from graphviewer.core.layout.blocks import Compound, build_blocks
from graphviewer.core.layout.calls import CallTree, Chain, call_tree
from graphviewer.core.layout.items import ItemGraph, build_items
from graphviewer.core.types import GraphNode, ModuleInfo

FOLDINGS_KEPT = 6  # items and blocks of this many foldings per graph
# Foldings with more items are not kept: laying them out takes seconds, next to which the walk
# saved is little, and their items and blocks would hold megabytes for as long as the graph
KEPT_MAX_ITEMS = 5_000


@dataclass
class GraphIndex:
    """A graph's nodes in creation order, their call tree, and its edges (as node positions)."""

    nodes: list[GraphNode]
    tree: CallTree
    edges: np.ndarray  # (E, 2) int64
    chains: list[Chain]  # the distinct chains of `tree`, in order of first use
    chain_of: list[int]  # per node, its chain's place in `chains`


@dataclass
class _Entry:
    guard: tuple[int, int, int]
    graph_index: GraphIndex
    foldings: OrderedDict[frozenset[str], tuple[ItemGraph, Compound]] = field(
        default_factory=OrderedDict
    )


_entries: weakref.WeakKeyDictionary[Any, _Entry] = weakref.WeakKeyDictionary()


def index_graph(graph: Any, modules: Mapping[str, ModuleInfo]) -> GraphIndex:
    """Walk `graph` (a DiGraph with a GraphNode under "node") once: nodes, call tree, edges."""
    nodes: list[GraphNode] = [d["node"] for _, d in graph.nodes(data=True)]
    index = {n.id: i for i, n in enumerate(nodes)}
    num_edges = graph.number_of_edges()
    flat = (index[end] for edge in graph.edges() for end in edge)
    edges = np.fromiter(flat, dtype=np.int64, count=2 * num_edges).reshape(-1, 2)
    tree = call_tree(nodes, graph, modules, index)
    place: dict[int, int] = {}  # by identity: one tuple per call (`call_tree`)
    chains: list[Chain] = []
    chain_of: list[int] = []
    for chain in tree.chains:
        k = place.get(id(chain))
        if k is None:
            k = place[id(chain)] = len(chains)
            chains.append(chain)
        chain_of.append(k)
    return GraphIndex(nodes, tree, edges, chains, chain_of)


def items_and_blocks(
    graph: Any, modules: Mapping[str, ModuleInfo], collapsed: frozenset[str]
) -> tuple[ItemGraph, Compound]:
    """`build_items` and `build_blocks` of `graph` folded as `collapsed`, from the graph's
    entry when it has one (both are read-only to their users)."""
    entry = _entry(graph, modules)
    if entry is None:
        items = build_items(index_graph(graph, modules), modules, collapsed)
        return items, build_blocks(items)
    kept = entry.foldings.get(collapsed)
    if kept is None:
        items = build_items(entry.graph_index, modules, collapsed)
        kept = (items, build_blocks(items))
        if len(items.ids) <= KEPT_MAX_ITEMS:
            entry.foldings[collapsed] = kept
            while len(entry.foldings) > FOLDINGS_KEPT:
                entry.foldings.popitem(last=False)
    else:
        entry.foldings.move_to_end(collapsed)
    return kept


def _entry(graph: Any, modules: Mapping[str, ModuleInfo]) -> _Entry | None:
    # the node count and the modules' identity (counting edges would walk every node)
    guard = (id(modules), graph.number_of_nodes(), len(modules))
    try:
        entry = _entries.get(graph)
    except TypeError:  # not weakly referable: walked each time
        return None
    if entry is None or entry.guard != guard:
        entry = _Entry(guard, index_graph(graph, modules))
        _entries[graph] = entry
    return entry


def forget(graph: Any) -> None:
    """Drop what was kept for `graph` (benchmarks time a first layout this way)."""
    _entries.pop(graph, None)
