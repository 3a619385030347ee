"""The compare layer: what changed badged, the rest dimmed, for expanded and folded modules."""

from __future__ import annotations

import pytest

from graphviewer.core.jobs import run_job
from graphviewer.core.layout import layout_graph
from graphviewer.core.mode_diff import ModeDiff, diff_modes
from graphviewer.core.model_file import load_model_file
from graphviewer.core.modes import ModeRun, capture_modes
from graphviewer.render.mode_layer import compare_layer
from tests.conftest import SAMPLES


@pytest.fixture(scope="module")
def run_and_diff() -> tuple[ModeRun, ModeDiff]:
    run = run_job(capture_modes(load_model_file(SAMPLES / "mlp.py")))
    return run, diff_modes(run, "train", "eval")


def test_mode_layer_expanded_marks_nodes_and_groups(run_and_diff: tuple[ModeRun, ModeDiff]) -> None:
    run, diff = run_and_diff
    snap = run.captures["train"].snapshot
    layer = compare_layer(diff, snap, layout_graph(snap.graph, snap.modules, collapsed=frozenset()))
    mul = next(n.id for n in snap.nodes.values() if n.module == "drop1")
    assert layer.badges[mul].text == "train only" and layer.badges[mul].level == "error"
    assert layer.badges["group:bn1"].text.startswith("Δ 1.49 · ")
    assert "group:layer1" not in layer.badges  # unchanged
    layer1 = {n.id for n in snap.nodes.values() if n.module == "layer1"}
    assert layer1 <= layer.dimmed and mul not in layer.dimmed
    assert not {n.id for n in snap.nodes.values() if n.module == "bn1"} & layer.dimmed


def test_mode_layer_folded_module_keeps_its_delta_and_counts_what_it_hides(
    run_and_diff: tuple[ModeRun, ModeDiff],
) -> None:
    run, diff = run_and_diff
    snap = run.captures["train"].snapshot
    folded = frozenset({"drop1", "layer1"})
    layer = compare_layer(diff, snap, layout_graph(snap.graph, snap.modules, collapsed=folded))
    badge = layer.badges["module:drop1"]
    assert badge.text.startswith("Δ 2.09 · ") and badge.text.endswith("· 1 node train only")
    assert "module:layer1" in layer.dimmed and "module:drop1" not in layer.dimmed


def test_mode_layer_on_the_eval_graph_marks_no_train_node(
    run_and_diff: tuple[ModeRun, ModeDiff],
) -> None:
    run, diff = run_and_diff
    snap = run.captures["eval"].snapshot
    layout = layout_graph(snap.graph, snap.modules, collapsed=frozenset())
    layer = compare_layer(diff, snap, layout)
    assert all(b.level == "warning" for b in layer.badges.values())  # only Δ badges
    assert "group:bn1" in layer.badges
    # in eval Dropout makes no node, so it has no box to badge: the Changes list names it
    assert "drop1" not in layout.group_paths and "group:drop1" not in layer.badges
