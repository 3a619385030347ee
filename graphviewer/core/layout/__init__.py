"""Layered, module-grouped, top-to-bottom layout of an autograd graph (Qt-free, numpy).

Public API::

    layout_graph(graph, modules, *, collapsed=(), measure=None, previous=None) -> Layout
    default_collapsed(graph, modules, depth=None) -> frozenset[str]
    layout_to_json(layout) -> dict

`graph` is a `GraphSnapshot.graph` (producer → consumer edges, a `GraphNode` under "node"),
`modules` its module tree. `collapsed` lists module paths drawn as one item each (a node is
hidden by its outermost collapsed ancestor). `measure(text) -> (width, height)` sizes label
texts from `core.labels` (default: `labels.approx_measure`); boxes add padding around them.
`previous` is the layout being replaced: unchanged groups are reused, the groups around the
folded or unfolded module keep their layers, order and x (only what must make room moves), and
that module keeps its place.

The pipeline, one module each: `calls` (the blocks are module calls: one per call of a module
called several times, none for a container never called itself), `items` (collapse, one folded
item per call, stubs for many-use leaves), `blocks` (one local graph per expanded group, with ports
where edges cross a group's border), `layering` (longest path, dummies, a sink post-order),
`ordering` (vectorised barycenter and median sweeps, adjacent transposes, port-aware ends, the
best ordering kept), `crossings` (counts per ordering and as drawn), `coords` (x by projected
neighbour means, y per layer), `place` (one block), `engine` (all blocks, composed), `collapse`
(default folding), `export` (JSON).

`Layout.crossings` is the number of proper crossings between the drawn edge polylines, counted
the way `benchmarks/bench_layout.py` counts them on Graphviz `dot`'s drawing.
"""

from __future__ import annotations

from graphviewer.core.layout.collapse import default_collapsed
from graphviewer.core.layout.engine import layout_graph
from graphviewer.core.layout.export import layout_to_json

__all__ = ["default_collapsed", "layout_graph", "layout_to_json"]
