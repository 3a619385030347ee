"""Fixtures for render tests: a real captured MLP and a small hand-made layout of it.

The layout here is deliberately simple (longest-path layers, boxes in a row per layer, straight
edges) so the render tests do not depend on the layout engine's choices.
"""

from __future__ import annotations

import numpy as np
import pytest

from graphviewer.core.types import GraphSnapshot, Layout


def grid_layout(snapshot: GraphSnapshot, *, gap: float = 30.0) -> Layout:
    """Lay `snapshot` out naively: one row per longest-path layer, groups around modules."""
    import networkx as nx

    from graphviewer.render.text import item_text, text_measurer

    measure = text_measurer()
    graph = snapshot.graph
    layer: dict[str, int] = {}
    for n in nx.topological_sort(graph):
        layer[n] = max((layer[p] + 1 for p in graph.predecessors(n)), default=0)
    items = sorted(graph.nodes, key=lambda n: (layer[n], n))
    sizes = [measure(item_text(snapshot, n)) for n in items]
    boxes = np.zeros((len(items), 4))
    x_at: dict[int, float] = {}
    for k, (n, (w, h)) in enumerate(zip(items, sizes, strict=True)):
        row = layer[n]
        x = x_at.get(row, 0.0)
        boxes[k] = (x, row * 80.0 + 40, w + 16, h + 8)
        x_at[row] = x + w + 16 + gap
    index = {n: k for k, n in enumerate(items)}
    src, dst, pts, off = [], [], [], [0]
    for a, b in graph.edges:
        i, j = index[a], index[b]
        src.append(i)
        dst.append(j)
        pts += [
            (boxes[i, 0] + boxes[i, 2] / 2, boxes[i, 1] + boxes[i, 3]),
            (boxes[j, 0] + boxes[j, 2] / 2, boxes[j, 1]),
        ]
        off.append(len(pts))
    paths, gboxes, depths = [], [], []
    for path, info in snapshot.modules.items():
        if not path:
            continue
        members = [
            index[n]
            for n in items
            if (m := graph.nodes[n]["node"].module) == path or m.startswith(path + ".")
        ]
        if not members:
            continue
        b = boxes[members]
        x0, y0 = b[:, 0].min() - 8, b[:, 1].min() - 22
        x1, y1 = (b[:, 0] + b[:, 2]).max() + 8, (b[:, 1] + b[:, 3]).max() + 8
        paths.append(path)
        gboxes.append((x0, y0, x1 - x0, y1 - y0))
        depths.append(info.depth)
    return Layout(
        items=tuple(items),
        boxes=boxes,
        is_stub=np.zeros(len(items), dtype=bool),
        layers=np.array([layer[n] for n in items], dtype=np.int32),
        edge_src=np.array(src, dtype=np.int32),
        edge_dst=np.array(dst, dtype=np.int32),
        edge_points=np.array(pts, dtype=np.float64).reshape(-1, 2),
        edge_offsets=np.array(off, dtype=np.int64),
        group_paths=tuple(paths),
        group_boxes=np.array(gboxes, dtype=np.float64).reshape(-1, 4),
        group_depths=np.array(depths, dtype=np.int32),
        collapsed=frozenset(),
    )


@pytest.fixture(scope="session")
def mlp_snapshot() -> GraphSnapshot:
    """The MLP sample captured in train mode."""
    from graphviewer.core.capture import capture_graph
    from graphviewer.core.jobs import run_job
    from graphviewer.core.model_file import load_model_file
    from tests.conftest import SAMPLES

    return run_job(capture_graph(load_model_file(SAMPLES / "mlp.py"), "train"))


@pytest.fixture(scope="session")
def mlp_layout(mlp_snapshot: GraphSnapshot, qapp: object) -> Layout:
    return grid_layout(mlp_snapshot)


def synthetic(n: int, columns: int = 100) -> tuple[GraphSnapshot, Layout]:
    """A snapshot of `n` op nodes in a grid of `columns`, each fed by the one above it."""
    import networkx as nx

    from graphviewer.core.types import GraphNode, ModuleInfo

    graph = nx.DiGraph()
    ops = ("addmm", "relu", "add", "view", "native_layer_norm", "sum")
    for k in range(n):
        node = GraphNode(f"n{k}", "op", "X", ops[k % len(ops)], "", shape=(16, 64))
        graph.add_node(node.id, node=node)
        if k >= columns:
            graph.add_edge(f"n{k - columns}", node.id, shape=(16, 64))
    modules = {"": ModuleInfo("", "Net", None, ())}
    snap = GraphSnapshot("synthetic", "train", None, graph, modules, {}, (f"n{n - 1}",))
    items = tuple(f"n{k}" for k in range(n))
    col, row = np.arange(n) % columns, np.arange(n) // columns
    boxes = np.stack([col * 140.0, row * 70.0, np.full(n, 110.0), np.full(n, 38.0)], axis=1)
    src = np.arange(n - columns, dtype=np.int32) if n > columns else np.zeros(0, np.int32)
    dst = src + columns
    starts = np.stack([boxes[src, 0] + 55, boxes[src, 1] + 38], axis=1)
    ends = np.stack([boxes[dst, 0] + 55, boxes[dst, 1]], axis=1)
    points = np.stack([starts, ends], axis=1).reshape(-1, 2)
    layout = Layout(
        items=items,
        boxes=boxes,
        is_stub=np.zeros(n, dtype=bool),
        layers=row.astype(np.int32),
        edge_src=src,
        edge_dst=dst,
        edge_points=points,
        edge_offsets=np.arange(0, 2 * len(src) + 1, 2, dtype=np.int64),
        group_paths=(),
        group_boxes=np.zeros((0, 4)),
        group_depths=np.zeros(0, dtype=np.int32),
        collapsed=frozenset(),
    )
    return snap, layout
