"""Layouts of models written as people write them: modules called several times, containers.

At every depth (0, 1, 2, everything expanded): one item (folded) or one group (expanded) per call
of a module, no edge segment running upward, every edge's ends inside the layout's bounds, and
the folded item graph acyclic. "Upward" is measured on `Layout.edge_points`: the polyline of
edge k runs from its source's bottom to its target's top, and y grows downward, so every point's
y must be at least the previous point's.
"""

from __future__ import annotations

from collections import Counter

import networkx as nx
import numpy as np
import pytest
import torch
from torch import nn

from graphviewer.core.capture import capture_model
from graphviewer.core.labels import group_label, module_label
from graphviewer.core.layout import default_collapsed, layout_graph
from graphviewer.core.model_file import load_model_file
from graphviewer.core.types import GraphSnapshot, Layout, collapsed_id
from tests.conftest import SAMPLES
from tests.core.layout_fixtures import layout_resnet
from tests.core.test_layout import check_invariants

EPS = 1e-6
DEPTHS = (0, 1, 2, None)  # None: nothing folded


class WordLM(nn.Module):
    """pytorch/examples' word language model: one `drop` applied before and after the RNN."""

    def __init__(self) -> None:
        super().__init__()
        self.drop = nn.Dropout(0.5)
        self.encoder = nn.Embedding(50, 8)
        self.rnn = nn.GRU(8, 8)
        self.decoder = nn.Linear(8, 50)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        emb = self.drop(self.encoder(x))
        out, _ = self.rnn(emb)
        return self.decoder(self.drop(out))


class ListNet(nn.Module):
    """A `ModuleList` used as storage: the root iterates it, the list itself is never called."""

    def __init__(self) -> None:
        super().__init__()
        self.layers = nn.ModuleList([nn.Sequential(nn.Linear(6, 6), nn.Tanh()) for _ in range(3)])
        self.head = nn.Linear(6, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for layer in self.layers:
            x = x + layer(x)
        return self.head(x)


def _sample(name: str) -> GraphSnapshot:
    spec = load_model_file(SAMPLES / name)
    assert spec.model is not None
    return capture_model(spec.model, spec.args, stats=False)


def _layout(snap: GraphSnapshot, depth: int | None) -> Layout:
    folded = frozenset() if depth is None else default_collapsed(snap.graph, snap.modules, depth)
    return layout_graph(snap.graph, snap.modules, collapsed=folded)


def check_drawn_right(graph: nx.DiGraph, layout: Layout, where: str) -> None:
    """No upward segment, ends inside the bounds, an acyclic item graph, the usual invariants."""
    x, y, w, h = layout.bounds
    off = layout.edge_offsets
    for k in range(len(layout.edge_src)):
        pts = layout.edge_points[off[k] : off[k + 1]]
        src, dst = layout.items[layout.edge_src[k]], layout.items[layout.edge_dst[k]]
        assert np.all(np.diff(pts[:, 1]) >= -EPS), f"{where}: edge {src} → {dst} runs upward"
        for px, py in (pts[0], pts[-1]):
            assert x - EPS <= px <= x + w + EPS and y - EPS <= py <= y + h + EPS, (
                f"{where}: edge {src} → {dst} ends at ({px:.0f}, {py:.0f}) outside the layout"
            )
    items = nx.DiGraph()
    items.add_nodes_from(range(len(layout.items)))
    items.add_edges_from(zip(layout.edge_src.tolist(), layout.edge_dst.tolist(), strict=True))
    assert nx.is_directed_acyclic_graph(items), (
        f"{where}: a cycle through {nx.find_cycle(items)} in the drawn items"
    )
    check_invariants(graph, layout)


def _folded_items(layout: Layout) -> Counter[str]:
    return Counter(
        item.removeprefix(collapsed_id(""))
        for item, stub in zip(layout.items, layout.is_stub.tolist(), strict=True)
        if item.startswith(collapsed_id("")) and not stub
    )


@pytest.mark.parametrize("depth", DEPTHS)
def test_layout_calls_shared_relu_one_item_per_call(depth: int | None) -> None:
    snap = _sample("shared_relu.py")
    layout = _layout(snap, depth)
    check_drawn_right(snap.graph, layout, f"shared_relu.py at depth {depth}")
    if depth == 0:
        assert _folded_items(layout) == Counter(
            {"relu": 3, "conv1": 1, "conv2": 1, "conv3": 1, "conv4": 1, "pixel_shuffle": 1}
        )
        # a chain, as the forward reads: conv1 → relu → conv2 → relu → … → pixel_shuffle
        order = [layout.items[k].removeprefix("module:") for k in np.argsort(layout.boxes[:, 1])]
        assert order == [
            "conv1", "relu", "conv2", "relu", "conv3", "relu", "conv4", "pixel_shuffle"
        ]  # fmt: skip
    else:
        assert Counter(layout.group_paths)["relu"] == 3


def test_layout_calls_recorder_notes_each_call() -> None:
    snap = _sample("shared_relu.py")
    relus = sorted(
        (n.calls for n in snap.nodes.values() if n.module == "relu"), key=lambda c: c[-1][1]
    )
    assert [c[-1] for c in relus] == [("relu", 1), ("relu", 2), ("relu", 3)]
    assert all(c[0] == ("", 1) for c in relus)


@pytest.mark.parametrize("depth", DEPTHS)
def test_layout_calls_shared_dropout_folds_per_call(depth: int | None) -> None:
    torch.manual_seed(0)
    snap = capture_model(WordLM(), torch.randint(0, 50, (5, 2)), stats=False)
    layout = _layout(snap, depth)
    check_drawn_right(snap.graph, layout, f"WordLM at depth {depth}")
    if depth == 0:
        assert _folded_items(layout)["drop"] == 2
        # rnn and decoder are drawn one after the other, not side by side
        y = {layout.items[k]: layout.boxes[k, 1] for k in range(len(layout.items))}
        assert y[collapsed_id("rnn")] < y[collapsed_id("decoder")]


@pytest.mark.parametrize("depth", DEPTHS)
def test_layout_calls_module_dict_container_is_no_block(depth: int | None) -> None:
    snap = _sample("tiny_gpt.py")
    layout = _layout(snap, depth)
    check_drawn_right(snap.graph, layout, f"tiny_gpt.py at depth {depth}")
    assert not {"transformer", "transformer.h"} & set(layout.group_paths)
    assert not {"transformer", "transformer.h"} & set(_folded_items(layout))
    if depth == 0:
        assert set(_folded_items(layout)) == {
            "transformer.wte",
            "transformer.wpe",
            "transformer.drop",
            "transformer.h.0",
            "transformer.h.1",
            "transformer.ln_f",
            "lm_head",
        }
    if depth == 1:  # the blocks open, their parts folded
        assert {"transformer.h.0", "transformer.h.1"} <= set(layout.group_paths)
        assert "transformer.h.0.attn" in _folded_items(layout)


@pytest.mark.parametrize("depth", DEPTHS)
def test_layout_calls_module_list_iterated_by_root(depth: int | None) -> None:
    torch.manual_seed(0)
    snap = capture_model(ListNet(), torch.randn(4, 6), stats=False)
    layout = _layout(snap, depth)
    check_drawn_right(snap.graph, layout, f"ListNet at depth {depth}")
    assert "layers" not in layout.group_paths
    if depth == 0:
        assert set(_folded_items(layout)) == {"layers.0", "layers.1", "layers.2", "head"}
    if depth == 1:
        assert {"layers.0", "layers.1", "layers.2"} <= set(layout.group_paths)


def test_layout_calls_member_of_uncalled_container_is_titled_by_its_path() -> None:
    """A ModuleList member's box says "layers.1", not "1": its container draws no box."""
    snap = _sample("tiny_gpt.py")
    block, attn = snap.modules["transformer.h.1"], snap.modules["transformer.h.1.attn"]
    assert module_label(block).split("\n")[0] == "transformer.h.1"
    assert group_label(block, block.path) == "transformer.h.1 · Block"
    assert group_label(attn, attn.path) == "attn · CausalSelfAttention"  # its parent has a box
    listed = capture_model(ListNet(), torch.randn(4, 6), stats=False)
    assert module_label(listed.modules["layers.2"]).split("\n")[0] == "layers.2"
    assert module_label(listed.modules["head"]).split("\n")[0] == "head"


def test_layout_calls_unrecorded_graph_folds_per_connected_call() -> None:
    """A graph without recorded calls (hand-built, TorchScript) splits calls by connectivity."""
    graph, modules = layout_resnet(2)
    folded = frozenset(p for p in modules if p.endswith(".relu"))
    layout = layout_graph(graph, modules, collapsed=folded)
    check_drawn_right(graph, layout, "resnet fixture with its relus folded")
    assert _folded_items(layout) == Counter({"layer.0.relu": 3, "layer.1.relu": 3})


def test_layout_calls_folding_a_container_folds_each_called_member() -> None:
    """Double-clicking `transformer` in the module tree folds wte, wpe, drop, h.0, … each."""
    snap = _sample("tiny_gpt.py")
    layout = layout_graph(snap.graph, snap.modules, collapsed={"transformer.h"})
    check_drawn_right(snap.graph, layout, "tiny_gpt.py with transformer.h folded")
    assert Counter(_folded_items(layout)) == Counter({"transformer.h.0": 1, "transformer.h.1": 1})
    layout = layout_graph(snap.graph, snap.modules, collapsed={"transformer"})
    assert set(_folded_items(layout)) == {
        "transformer.wte",
        "transformer.wpe",
        "transformer.drop",
        "transformer.h.0",
        "transformer.h.1",
        "transformer.ln_f",
    }


def test_layout_calls_label_leaves_out_shapes_that_vary_per_call() -> None:
    """The third relu sees 8 channels, the first 16: one text on every box must not say 16."""
    relu = _sample("shared_relu.py").modules["relu"]
    assert relu.shapes_vary
    assert module_label(relu) == "relu\nReLU"
    torch.manual_seed(0)
    drop = capture_model(WordLM(), torch.randint(0, 50, (5, 2)), stats=False).modules["drop"]
    assert not drop.shapes_vary  # the same 5×2×8 both times: its shapes stay on the box
    assert module_label(drop).endswith("5×2×8 → 5×2×8")
