"""A long flow folded into columns (TB) or rows (LR): nothing overlaps, every module's members
stay inside its pieces, edges still join their ends, and the picture gets wider."""

from __future__ import annotations

import numpy as np
import pytest

from graphviewer.core.layout import default_collapsed, layout_graph
from graphviewer.core.layout.direction import transposed
from graphviewer.core.layout.fit import TARGETS, arrange, scale_on
from graphviewer.core.layout.wrap import cut_places, wrap_layout
from graphviewer.core.types import Layout
from tests.core.layout_fixtures import layout_mlp, layout_resnet, layout_transformer
from tests.core.test_layout import inside, member_items, overlapping

EPS = 1e-6


def check_wrapped(graph, layout: Layout) -> None:  # type: ignore[no-untyped-def]
    """The invariants of a wrapped top-to-bottom layout."""
    boxes, n = layout.boxes, len(layout.items)
    hits = overlapping(boxes, boxes)
    np.fill_diagonal(hits, False)
    assert not hits.any(), f"overlapping items: {np.argwhere(hits)[:5].tolist()}"
    off = layout.edge_offsets
    for k, (s, t) in enumerate(zip(layout.edge_src, layout.edge_dst, strict=True)):
        pts = layout.edge_points[off[k] : off[k + 1]]
        sb, tb = boxes[s], boxes[t]
        assert abs(pts[0, 1] - (sb[1] + sb[3])) < EPS and sb[0] <= pts[0, 0] <= sb[0] + sb[2]
        assert abs(pts[-1, 1] - tb[1]) < EPS and tb[0] <= pts[-1, 0] <= tb[0] + tb[2]
        # every step is along the flow or across it in the empty room round the columns
        steps = np.diff(pts, axis=0)
        assert np.all((steps[:, 1] >= -EPS) | (np.abs(steps[:, 0]) < EPS)), k
    members = member_items(graph, layout)
    gb = layout.group_boxes
    pieces: dict[str, list[int]] = {}
    for g, path in enumerate(layout.group_paths):
        pieces.setdefault(path, []).append(g)
    for g, path in enumerate(layout.group_paths):
        for k in range(n):
            if k in members[g]:
                assert any(inside(boxes[k], gb[h]) for h in pieces[path]), layout.items[k]
            else:
                assert not overlapping(boxes[k : k + 1], gb[g : g + 1])[0, 0], (k, path)
        for h, other in enumerate(layout.group_paths):
            if other.startswith(path + "."):
                assert any(inside(gb[h], gb[p]) for p in pieces[path]), (other, path)


@pytest.mark.parametrize("columns", [2, 3, 4])
def test_wrap_folds_a_chain_into_columns(columns: int) -> None:
    graph, modules = layout_resnet(8)
    plain = layout_graph(graph, modules)
    wrapped = wrap_layout(plain, columns)
    assert wrapped.wrapped == columns
    check_wrapped(graph, wrapped)
    _, _, w0, h0 = plain.bounds
    _, _, w1, h1 = wrapped.bounds
    assert h1 < h0 * 0.8 and w1 > w0 * 1.5  # shorter and wider
    assert wrapped.crossings == plain.crossings


def test_wrap_splits_module_boxes_into_titled_pieces() -> None:
    graph, modules = layout_transformer(6)
    plain = layout_graph(graph, modules, collapsed=default_collapsed(graph, modules, depth=2))
    wrapped = wrap_layout(plain, 3)
    check_wrapped(graph, wrapped)
    assert len(wrapped.group_paths) > len(plain.group_paths)  # the outer box is in pieces
    assert set(wrapped.group_paths) == set(plain.group_paths)


def test_wrap_lr_folds_into_rows() -> None:
    graph, modules = layout_resnet(8)
    plain = layout_graph(graph, modules, direction="LR")
    wrapped = wrap_layout(plain, 3)
    assert wrapped.direction == "LR" and wrapped.wrapped == 3
    check_wrapped(graph, transposed(wrapped, "TB"))
    assert wrapped.bounds[3] > plain.bounds[3] * 2  # rows stacked: taller


def test_wrap_never_cuts_through_a_box() -> None:
    graph, modules = layout_transformer(4)
    plain = layout_graph(graph, modules)
    b = plain.boxes
    for y in cut_places(plain):
        assert not ((b[:, 1] < y) & (y < b[:, 1] + b[:, 3])).any()


def test_arrange_for_a_slide_is_landscape_and_larger() -> None:
    graph, modules = layout_resnet(8)

    def lay_out(direction):  # type: ignore[no-untyped-def]
        return layout_graph(graph, modules, direction=direction)

    plain = lay_out("TB")
    slide = arrange(lay_out, "slide")
    _, _, w, h = slide.bounds
    assert w > h
    assert scale_on(slide, TARGETS["slide"]) > scale_on(plain, TARGETS["slide"])
    assert arrange(lay_out, "none").bounds == plain.bounds
    page = arrange(lay_out, "page")
    assert page.bounds[3] >= page.bounds[2]  # a portrait page


def test_wrap_of_a_short_graph_is_unchanged() -> None:
    graph, modules = layout_mlp()
    plain = layout_graph(graph, modules)
    assert wrap_layout(plain, 1) is plain
