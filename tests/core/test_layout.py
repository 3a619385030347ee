"""Layout invariants on synthetic graphs: boxes, edges, groups, order, determinism, stubs."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest

from graphviewer.core.labels import module_label, node_label
from graphviewer.core.layout import default_collapsed, layout_graph, layout_to_json
from graphviewer.core.types import Layout, collapsed_id
from tests.core.layout_fixtures import (
    layout_mlp,
    layout_random,
    layout_resnet,
    layout_rnn,
    layout_transformer,
)

EPS = 1e-6


def overlapping(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(len(a), len(b)) mask of boxes whose interiors intersect."""
    ax0, ay0, ax1, ay1 = a[:, 0], a[:, 1], a[:, 0] + a[:, 2], a[:, 1] + a[:, 3]
    bx0, by0, bx1, by1 = b[:, 0], b[:, 1], b[:, 0] + b[:, 2], b[:, 1] + b[:, 3]
    return (
        (ax0[:, None] < bx1[None] - EPS)
        & (bx0[None] < ax1[:, None] - EPS)
        & (ay0[:, None] < by1[None] - EPS)
        & (by0[None] < ay1[:, None] - EPS)
    )


def inside(inner: np.ndarray, outer: np.ndarray) -> bool:
    return bool(
        inner[0] >= outer[0] - EPS
        and inner[1] >= outer[1] - EPS
        and inner[0] + inner[2] <= outer[0] + outer[2] + EPS
        and inner[1] + inner[3] <= outer[1] + outer[3] + EPS
    )


def segment_hits_box(p: np.ndarray, q: np.ndarray, box: np.ndarray) -> bool:
    """Whether segment p-q passes through the interior of box (Liang-Barsky clipping)."""
    x0, y0, x1, y1 = box[0] + 0.5, box[1] + 0.5, box[0] + box[2] - 0.5, box[1] + box[3] - 0.5
    if x1 <= x0 or y1 <= y0:
        return False
    d = q - p
    t0, t1 = 0.0, 1.0
    for delta, lo, hi, start in ((d[0], x0, x1, p[0]), (d[1], y0, y1, p[1])):
        if abs(delta) < 1e-12:
            if not lo < start < hi:
                return False
            continue
        a, b = (lo - start) / delta, (hi - start) / delta
        t0, t1 = max(t0, min(a, b)), min(t1, max(a, b))
        if t0 >= t1:
            return False
    return True


def member_items(graph, layout: Layout) -> list[set[int]]:
    """For each group box, the item indices that belong to it (at any depth)."""
    module_of: list[str] = []
    for item, _ in zip(layout.items, layout.is_stub, strict=True):
        if item.startswith("module:"):
            module_of.append(item.removeprefix("module:"))
        else:
            module_of.append(graph.nodes[item]["node"].module)
    # a stub belongs to its consumer's (or producer's) group: take the item it is joined to
    for k in np.nonzero(layout.is_stub)[0]:
        partner = np.concatenate(
            [layout.edge_dst[layout.edge_src == k], layout.edge_src[layout.edge_dst == k]]
        )
        module_of[k] = module_of[int(partner[0])]
    members = []
    for path in layout.group_paths:
        members.append(
            {k for k, m in enumerate(module_of) if m == path or m.startswith(path + ".")}
        )
    return members


def check_invariants(graph, layout: Layout, *, routes_avoid_boxes: bool = True) -> None:
    boxes = layout.boxes
    n = len(layout.items)
    assert boxes.shape == (n, 4)
    # no two item boxes overlap
    hits = overlapping(boxes, boxes)
    np.fill_diagonal(hits, False)
    assert not hits.any(), f"overlapping items: {np.argwhere(hits)[:5].tolist()}"
    # every edge goes downward, from its source's bottom to its target's top
    off = layout.edge_offsets
    assert len(off) == len(layout.edge_src) + 1
    for k, (s, t) in enumerate(zip(layout.edge_src, layout.edge_dst, strict=True)):
        pts = layout.edge_points[off[k] : off[k + 1]]
        assert len(pts) >= 2
        assert np.all(np.diff(pts[:, 1]) >= -EPS), f"edge {k} goes up"
        sb, tb = boxes[s], boxes[t]
        assert abs(pts[0, 1] - (sb[1] + sb[3])) < EPS and sb[0] <= pts[0, 0] <= sb[0] + sb[2]
        assert abs(pts[-1, 1] - tb[1]) < EPS and tb[0] <= pts[-1, 0] <= tb[0] + tb[2]
        if routes_avoid_boxes:
            for p, q in itertools.pairwise(pts):
                for j in range(n):
                    if j not in (s, t):
                        assert not segment_hits_box(p, q, boxes[j]), f"edge {k} crosses item {j}"
    # group boxes contain exactly their members and nest; a module called several times has
    # one box per call (its path repeats): each member is inside one of them
    members = member_items(graph, layout)
    gb = layout.group_boxes
    boxes_of: dict[str, list[int]] = {}
    for g, path in enumerate(layout.group_paths):
        boxes_of.setdefault(path, []).append(g)
    for g, path in enumerate(layout.group_paths):
        for k in range(n):
            if k in members[g]:
                assert any(inside(boxes[k], gb[h]) for h in boxes_of[path]), (
                    f"{layout.items[k]} outside group {path!r}"
                )
            else:
                assert not overlapping(boxes[k : k + 1], gb[g : g + 1])[0, 0], (
                    f"{layout.items[k]} inside foreign group {path!r}"
                )
        for h, other in enumerate(layout.group_paths):
            if other.startswith(path + "."):
                assert any(inside(gb[h], gb[p]) for p in boxes_of[path])
            elif h != g and not path.startswith(other + "."):
                assert not overlapping(gb[h : h + 1], gb[g : g + 1])[0, 0], (path, other)


def drawn_crossings(layout: Layout) -> int:
    """Proper intersections between segments of different edges' polylines, pair by pair."""
    off = layout.edge_offsets
    seg, owner = [], []
    for k in range(len(layout.edge_src)):
        pts = layout.edge_points[off[k] : off[k + 1]]
        seg.extend(np.hstack([pts[:-1], pts[1:]]))
        owner.extend([k] * (len(pts) - 1))
    if len(seg) < 2:
        return 0
    s, e = np.array(seg), np.array(owner)
    p, r = s[:, None, :2], s[:, None, 2:] - s[:, None, :2]
    q, t = s[None, :, :2], s[None, :, 2:] - s[None, :, :2]

    def cross(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return a[..., 0] * b[..., 1] - a[..., 1] * b[..., 0]

    denom = cross(r, t)
    with np.errstate(divide="ignore", invalid="ignore"):
        u = cross(q - p, t) / denom
        v = cross(q - p, r) / denom
    hit = (np.abs(denom) > 1e-9) & (u > 1e-6) & (u < 1 - 1e-6) & (v > 1e-6) & (v < 1 - 1e-6)
    return int((hit & (e[:, None] != e[None, :])).sum()) // 2


@pytest.mark.parametrize(
    "make",
    [layout_mlp, layout_transformer, lambda: layout_rnn(12), layout_resnet],
    ids=["mlp", "tf", "rnn", "resnet"],
)
def test_layout_invariants_expanded(make) -> None:
    graph, modules = make()
    layout = layout_graph(graph, modules)
    check_invariants(graph, layout)
    assert layout.collapsed == frozenset()


@pytest.mark.parametrize("seed", range(6))
def test_layout_invariants_random(seed: int) -> None:
    graph, modules = layout_random(seed)
    check_invariants(graph, layout_graph(graph, modules))
    folded = default_collapsed(graph, modules, depth=1)
    check_invariants(graph, layout_graph(graph, modules, collapsed=folded))


@pytest.mark.parametrize(
    "make", [layout_resnet, lambda: layout_transformer(4)], ids=["resnet", "transformer"]
)
def test_layout_no_crossings_on_chains_with_skips(make) -> None:
    graph, modules = make()
    layout = layout_graph(graph, modules)
    check_invariants(graph, layout)
    assert layout.crossings == 0 == drawn_crossings(layout)


def test_layout_module_called_thrice_gets_a_box_per_call() -> None:
    graph, modules = layout_resnet(2)
    layout = layout_graph(graph, modules)
    assert layout.group_paths.count("layer.1.relu") == 3
    assert "layer.1.relu" in layout.group_paths and "@" not in "".join(layout.group_paths)


@pytest.mark.parametrize("seed", range(4))
def test_layout_crossings_match_drawn_polylines(seed: int) -> None:
    graph, modules = layout_random(seed)
    for folded in ((), default_collapsed(graph, modules, depth=1)):
        layout = layout_graph(graph, modules, collapsed=folded)
        assert layout.crossings == drawn_crossings(layout) > 0
    graph, modules = layout_rnn(12)
    layout = layout_graph(graph, modules)
    assert layout.crossings == drawn_crossings(layout)


def test_layout_output_below_sources() -> None:
    graph, modules = layout_transformer()
    layout = layout_graph(graph, modules)
    index = {item: k for k, item in enumerate(layout.items) if not layout.is_stub[k]}
    out = layout.boxes[index[next(n for n in graph if graph.out_degree(n) == 0)]]
    sources = [index[n] for n in graph if graph.in_degree(n) == 0]
    assert (out[1] > layout.boxes[sources, 1] + layout.boxes[sources, 3] - EPS).all()


def test_layout_deterministic() -> None:
    graph, modules = layout_random(7, 200)
    a, b = layout_graph(graph, modules), layout_graph(graph, modules)
    assert a.items == b.items
    for field in ("boxes", "edge_points", "edge_offsets", "group_boxes", "edge_src"):
        assert np.array_equal(getattr(a, field), getattr(b, field))
    assert a.crossings == b.crossings


def test_layout_collapsed_module_is_one_labelled_item() -> None:
    graph, modules = layout_transformer()
    folded = {"enc.h.1", "enc.h.1.attn"}
    layout = layout_graph(graph, modules, collapsed=folded)
    check_invariants(graph, layout)
    assert collapsed_id("enc.h.1") in layout.items
    assert collapsed_id("enc.h.1.attn") not in layout.items  # hidden inside its folded parent
    assert not any(
        graph.nodes[i]["node"].module.startswith("enc.h.1") for i in layout.items if i in graph
    )
    assert "enc.h.1" not in layout.group_paths and "enc.h.0" in layout.group_paths
    text = module_label(modules["enc.h.1"])
    assert "Block" in text and "1×8 → 1×8" in text


def test_layout_stubs_for_high_fan_out() -> None:
    graph, modules = layout_rnn(60)
    layout = layout_graph(graph, modules)
    check_invariants(graph, layout, routes_avoid_boxes=False)
    stubs = layout.is_stub
    stubbed = {layout.items[k] for k in np.nonzero(stubs)[0]}
    w_hh = next(n for n in graph if graph.nodes[n]["node"].param == "rnn.weight_hh")
    unbind = next(n for n in graph if graph.nodes[n]["node"].op == "unbind")
    stack = next(n for n in graph if graph.nodes[n]["node"].op == "stack")
    assert {w_hh, unbind, stack} <= stubbed
    assert layout.items.count(w_hh) == 60  # drawn once, plus a stub at 59 other consumers
    assert layout.dummies < 60  # without stubs: thousands
    # every stub sits next to its partner: one layer apart
    for k in np.nonzero(stubs)[0][:20]:
        partner = np.concatenate(
            [layout.edge_dst[layout.edge_src == k], layout.edge_src[layout.edge_dst == k]]
        )
        assert len(partner) == 1
        assert abs(int(layout.layers[k]) - int(layout.layers[partner[0]])) <= 2


def test_default_collapsed_depths() -> None:
    graph, modules = layout_transformer(2)
    assert default_collapsed(graph, modules, depth=0) >= {"enc", "enc.h", "enc.h.0"}
    two = default_collapsed(graph, modules, depth=2)
    assert "enc.h" not in two and "enc.h.0" in two and "enc.h.0.attn.q" in two
    auto = default_collapsed(graph, modules)
    assert auto == frozenset()  # a small graph is shown whole
    rnn, rnn_modules = layout_rnn(400)
    assert default_collapsed(rnn, rnn_modules) == {"rnn"}


def test_layout_expand_keeps_other_positions() -> None:
    graph, modules = layout_transformer(4)
    folded = default_collapsed(graph, modules, depth=2)
    before = layout_graph(graph, modules, collapsed=folded)
    after = layout_graph(graph, modules, collapsed=folded - {"enc.h.2"}, previous=before)
    check_invariants(graph, after)
    # the unfolded module's box keeps its top centre
    k = before.items.index(collapsed_id("enc.h.2"))
    g = after.group_paths.index("enc.h.2")
    centre = before.boxes[k, 0] + before.boxes[k, 2] / 2
    assert np.allclose(
        [centre, before.boxes[k, 1]],
        [after.group_boxes[g, 0] + after.group_boxes[g, 2] / 2, after.group_boxes[g, 1]],
    )
    # the blocks above it do not move, the ones below keep their shape
    for path in ("enc.h.0", "enc.h.1"):
        k0, k1 = before.items.index(collapsed_id(path)), after.items.index(collapsed_id(path))
        assert np.allclose(before.boxes[k0], after.boxes[k1]), path
    k0, k1 = before.items.index(collapsed_id("enc.h.3")), after.items.index(collapsed_id("enc.h.3"))
    assert np.allclose(before.boxes[k0, 2:], after.boxes[k1, 2:])
    back = layout_graph(graph, modules, collapsed=folded, previous=after)
    assert np.allclose(back.boxes, before.boxes)


@pytest.mark.parametrize("target", ["enc.h.2.attn", "enc.h.1.mlp", "enc.h.3"])
def test_layout_unfold_moves_only_what_must(target: str) -> None:
    graph, modules = layout_transformer(4)
    folded = default_collapsed(graph, modules, depth=3) | {"enc.h.3"}
    before = layout_graph(graph, modules, collapsed=folded)
    after = layout_graph(graph, modules, collapsed=folded - {target}, previous=before)
    check_invariants(graph, after)
    top = before.boxes[before.items.index(collapsed_id(target)), 1]
    index = {item: k for k, item in enumerate(after.items) if not after.is_stub[k]}
    for k, item in enumerate(before.items):
        if before.is_stub[k] or item not in index:
            continue
        old, new = before.boxes[k], after.boxes[index[item]]
        # nothing moves sideways (the unfolded box has room in its layer here); nothing above
        # the unfolded module moves at all; what is below only moves down
        assert abs(old[0] - new[0]) < EPS, item
        assert new[1] >= old[1] - EPS, item
        if old[1] + old[3] <= top + EPS:
            assert np.allclose(old, new), item
    back = layout_graph(graph, modules, collapsed=folded, previous=after)
    assert np.allclose(back.boxes, before.boxes) and np.allclose(
        back.edge_points, before.edge_points
    )


def test_layout_to_json_schema() -> None:
    graph, modules = layout_mlp()
    layout = layout_graph(graph, modules)
    doc = json.loads(json.dumps(layout_to_json(layout), allow_nan=False))
    assert len(doc["items"]) == len(layout.items)
    assert {"id", "stub", "x", "y", "width", "height", "layer"} <= set(doc["items"][0])
    assert {g["module"] for g in doc["groups"]} == set(layout.group_paths)
    assert all(len(e["points"]) >= 2 for e in doc["edges"])
    assert doc["seconds"] > 0 and doc["crossings"] == layout.crossings


def test_layout_uses_measure() -> None:
    graph, modules = layout_mlp()
    wide = layout_graph(graph, modules, measure=lambda text: (200.0, 40.0))
    narrow = layout_graph(graph, modules)
    assert (wide.boxes[:, 2] >= 200).all() and (narrow.boxes[:, 2] < 200).all()
    node = graph.nodes["n0"]["node"]
    assert node_label(node).startswith("input")


def test_layout_empty_graph() -> None:
    import networkx as nx

    layout = layout_graph(nx.DiGraph(), {})
    assert layout.items == () and layout.boxes.shape == (0, 4)


def test_layout_single_node_and_module_called_twice() -> None:
    from tests.core.layout_fixtures import GraphBuilder

    g = GraphBuilder()
    g.node("input", kind="input")
    one = layout_graph(g.graph, g.modules())
    assert one.boxes.shape == (1, 4) and len(one.edge_src) == 0
    # a shared module called twice: folding it makes a cycle, which must still lay out
    g = GraphBuilder()
    x = g.node("input", kind="input")
    a = g.node("relu", g.module("act", "ReLU"), [x])
    b = g.node("neg", "", [a])
    c = g.node("relu", "act", [b])
    g.node("sum", "", [c], kind="output", shape=())
    for folded in ((), ("act",)):
        layout = layout_graph(g.graph, g.modules(), collapsed=folded)
        hits = overlapping(layout.boxes, layout.boxes)
        np.fill_diagonal(hits, False)
        assert not hits.any()
        assert len(layout.edge_offsets) == len(layout.edge_src) + 1


def test_layout_boxes_sized_from_item_label() -> None:
    from graphviewer.core.labels import approx_measure, item_label
    from graphviewer.core.layout.place import NODE_PAD, STUB_PAD

    for graph, modules, folded in (
        (*layout_rnn(20), ()),
        (*layout_transformer(), ("enc.h.1", "enc.h.2.attn")),
    ):
        layout = layout_graph(graph, modules, collapsed=folded)
        for k, item in enumerate(layout.items):
            stub = bool(layout.is_stub[k])
            node = graph.nodes[item]["node"] if item in graph else None
            module = modules.get(item.removeprefix("module:"))
            w, h = approx_measure(item_label(item, stub=stub, node=node, module=module))
            pad = STUB_PAD if stub else NODE_PAD
            assert np.allclose(layout.boxes[k, 2:], (w + pad[0], h + pad[1])), item
            if stub and node is not None:
                assert "\n" not in item_label(item, stub=True, node=node, module=None)
