"""The slide fit skips a direction only when it could not win: `reach` bounds from above the
scale any wrapping of the other direction reaches, and the layouts of one graph share its walk."""

from __future__ import annotations

import networkx as nx
import pytest

from graphviewer.core.layout import default_collapsed, layout_graph
from graphviewer.core.layout.direction import DIRECTIONS
from graphviewer.core.layout.fit import MAX_WRAP, TARGETS, arrange, scale_on
from graphviewer.core.layout.memo import forget, items_and_blocks
from graphviewer.core.layout.reach import reach
from graphviewer.core.layout.wrap import wrapper
from tests.core.layout_fixtures import (
    layout_mlp,
    layout_random,
    layout_resnet,
    layout_rnn,
    layout_transformer,
)

GRAPHS = {
    "mlp": layout_mlp,
    "resnet": lambda: layout_resnet(8),
    "transformer": lambda: layout_transformer(6),
    "rnn": lambda: layout_rnn(30),
    **{f"random{seed}": (lambda seed=seed: layout_random(seed, 150)) for seed in range(6)},
}


def largest(layout, target) -> float:  # type: ignore[no-untyped-def]
    """The largest scale any number of columns (1..MAX_WRAP) draws `layout` at on `target`."""
    wrap = wrapper(layout)
    return max(scale_on(wrap(k), target) for k in range(1, MAX_WRAP + 1))


@pytest.mark.parametrize("name", sorted(GRAPHS))
@pytest.mark.parametrize("fit", ["slide", "page"])
def test_reach_bounds_every_wrapping_of_the_other_direction(name: str, fit: str) -> None:
    graph, modules = GRAPHS[name]()
    target = TARGETS[fit]
    for depth in (None, 0, 1):
        collapsed = default_collapsed(graph, modules, depth=depth)
        laid = {
            d: layout_graph(graph, modules, collapsed=collapsed, direction=d) for d in DIRECTIONS
        }
        for here in DIRECTIONS:
            for there in DIRECTIONS:
                bound = reach(laid[here], there, target, MAX_WRAP)
                assert bound >= largest(laid[there], target) - 1e-9, (depth, here, there)


def test_arrange_skips_a_direction_that_cannot_reach_the_floor() -> None:
    graph, modules = layout_transformer(12)
    asked: list[str] = []

    def lay_out(direction):  # type: ignore[no-untyped-def]
        asked.append(direction)
        return layout_graph(graph, modules, direction=direction)

    target = TARGETS["slide"]
    first = lay_out("TB")
    floor = reach(first, "LR", target, MAX_WRAP) * 1.01
    asked.clear()
    arrange(lay_out, "slide", floor=floor)
    assert asked == ["TB"]
    asked.clear()
    arrange(lay_out, "slide")
    assert asked == ["TB", "LR"]


def test_layouts_of_one_graph_share_its_walk_until_it_changes() -> None:
    graph, modules = layout_transformer(3)
    forget(graph)
    collapsed = default_collapsed(graph, modules, depth=1)
    items, _ = items_and_blocks(graph, modules, collapsed)
    assert items_and_blocks(graph, modules, collapsed)[0] is items
    tb = layout_graph(graph, modules, collapsed=collapsed)
    lr = layout_graph(graph, modules, collapsed=collapsed, direction="LR")
    assert tb.items == lr.items == tuple(items.ids)
    # a node added after a layout is walked again
    last = list(graph.nodes)[-1]
    node = graph.nodes[last]["node"]
    graph.add_node("extra", node=node._replace(id="extra"))
    graph.add_edge(last, "extra")
    again = items_and_blocks(graph, modules, collapsed)[0]
    assert again is not items and "extra" in again.ids
    assert nx.is_directed_acyclic_graph(graph)
