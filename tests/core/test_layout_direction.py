"""Left-to-right layouts: the top-to-bottom invariants hold once mirrored back, crossings are
the same, and group boxes keep room for their titles on top."""

from __future__ import annotations

import numpy as np
import pytest

from graphviewer.core.labels import approx_measure, group_label
from graphviewer.core.layout import default_collapsed, layout_graph
from graphviewer.core.layout.direction import transposed
from tests.core.layout_fixtures import layout_mlp, layout_random, layout_resnet, layout_transformer
from tests.core.test_layout import check_invariants, drawn_crossings

FIXTURES = [layout_mlp, layout_transformer, layout_resnet, lambda: layout_random(3)]


@pytest.mark.parametrize("make", FIXTURES, ids=["mlp", "tf", "resnet", "random"])
def test_layout_lr_keeps_the_invariants(make) -> None:
    graph, modules = make()
    for folded in ((), default_collapsed(graph, modules, depth=1)):
        lr = layout_graph(graph, modules, collapsed=folded, direction="LR")
        assert lr.direction == "LR"
        check_invariants(graph, transposed(lr, "TB"))
        tb = layout_graph(graph, modules, collapsed=folded)
        assert lr.crossings == drawn_crossings(lr)
        assert lr.crossings <= tb.crossings + 1


def test_layout_lr_runs_left_to_right_with_real_box_sizes() -> None:
    graph, modules = layout_mlp()
    tb = layout_graph(graph, modules)
    lr = layout_graph(graph, modules, direction="LR")
    _, _, tw, th = tb.bounds
    _, _, lw, lh = lr.bounds
    assert th > tw and lw > lh  # a tall chain becomes a wide one
    # boxes keep their (horizontal) text sizes: the same width and height per item
    order = {i: k for k, i in enumerate(tb.items)}
    same = np.array([order[i] for i in lr.items])
    assert np.allclose(lr.boxes[:, 2:], tb.boxes[same, 2:])
    # every edge leaves its source's right side and enters its target's left side
    for k, (s, t) in enumerate(zip(lr.edge_src, lr.edge_dst, strict=True)):
        pts = lr.edge_points[lr.edge_offsets[k] : lr.edge_offsets[k + 1]]
        assert abs(pts[0, 0] - (lr.boxes[s, 0] + lr.boxes[s, 2])) < 1e-6
        assert abs(pts[-1, 0] - lr.boxes[t, 0]) < 1e-6


def test_layout_lr_group_titles_sit_above_their_content() -> None:
    graph, modules = layout_transformer()
    lr = layout_graph(graph, modules, direction="LR")
    for path, box in zip(lr.group_paths, lr.group_boxes, strict=True):
        tw, th = approx_measure(group_label(modules.get(path), path))
        assert box[2] >= tw  # the title fits across the top
        inner = [
            b
            for i, b in zip(lr.items, lr.boxes, strict=True)
            if inside_group(i, graph, path) and b[0] >= box[0] and b[0] < box[0] + box[2]
        ]
        if inner:
            assert min(b[1] for b in inner) >= box[1] + th  # nothing under the title


def inside_group(item: str, graph, path: str) -> bool:  # type: ignore[no-untyped-def]
    if item.startswith("module:"):
        module = item.removeprefix("module:")
    else:
        module = graph.nodes[item]["node"].module
    return module == path or module.startswith(path + ".")


def test_layout_rejects_an_unknown_direction() -> None:
    graph, modules = layout_mlp()
    with pytest.raises(ValueError, match="TB or LR"):
        layout_graph(graph, modules, direction="BT")  # type: ignore[arg-type]
