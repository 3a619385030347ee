"""The Activations dock driven as a user would: click a module, read its histogram and units."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from pytestqt.qtbot import QtBot

from graphviewer.ui.graph_items import module_key
from graphviewer.ui.main_window import MainWindow
from tests.conftest import SAMPLES
from tests.ui.conftest import OpenAndWait


def click_module(window: MainWindow, qtbot: QtBot, module: str) -> None:
    """Bring a module's drawn box on screen and click it (a group box by its title strip,
    above the nodes inside it)."""
    layout = window.session.current.layout
    key = module_key(layout, module)
    rect = window.canvas.box_rect(key)
    assert rect is not None, key
    window.canvas.focus_rect(rect, min_scale=1.0)
    spot = rect.center() if key.startswith("module:") else rect.topLeft() + QPointF(12, 5)
    point = (spot * window.canvas.scale + window.canvas.offset).toPoint()
    qtbot.mouseClick(window.canvas, Qt.MouseButton.LeftButton, pos=point)


def click_node(window: MainWindow, qtbot: QtBot, node_id: str) -> None:
    rect = window.canvas.box_rect(node_id)
    assert rect is not None, node_id
    window.canvas.focus_rect(rect, min_scale=1.0)
    point = (rect.center() * window.canvas.scale + window.canvas.offset).toPoint()
    qtbot.mouseClick(window.canvas, Qt.MouseButton.LeftButton, pos=point)


def test_activations_dead_relu_says_how_many_units_are_dead(
    window: MainWindow, open_and_wait: OpenAndWait, qtbot: QtBot
) -> None:
    open_and_wait(SAMPLES / "dead_relu.py")
    panel = window.activations.panel
    click_module(window, qtbot, "relu")
    qtbot.waitUntil(lambda: panel.target is not None and panel.target.name == "relu")
    assert panel.cell("dead units") == "48 of 64"
    assert "relu: 48 of 64 units dead for every sample" in panel.note.text()
    assert panel.units.view == "active" and panel.units.dead == 48
    assert panel.histogram.series  # drawn
    assert panel.cell("shape") == "32×64"


def test_activations_batchnorm_in_train_mode_is_normalised(
    window: MainWindow, open_and_wait: OpenAndWait, qtbot: QtBot
) -> None:
    open_and_wait(SAMPLES / "mlp.py", mode="train")
    panel = window.activations.panel
    click_module(window, qtbot, "bn1")
    qtbot.waitUntil(lambda: panel.target is not None and panel.target.name == "bn1")
    assert float(panel.cell("mean")) == pytest.approx(0.0, abs=1e-4)
    assert float(panel.cell("std")) == pytest.approx(1.0, abs=1e-2)
    assert panel.units.view == "norm"
    assert "mean 0.000 (0 expected)" in panel.note.text()


def test_activations_log_hover_pin_and_save(
    window: MainWindow, open_and_wait: OpenAndWait, qtbot: QtBot, tmp_path
) -> None:
    open_and_wait(SAMPLES / "mlp.py", mode="train")
    panel = window.activations.panel
    click_module(window, qtbot, "bn1")
    qtbot.waitUntil(lambda: panel.target is not None and panel.target.name == "bn1")
    qtbot.mouseClick(panel.log_box, Qt.MouseButton.LeftButton)
    assert (
        panel.histogram.log and "log10" in panel.histogram.getPlotItem().getAxis("left").labelText
    )
    # hover the middle of the plot: the bar under the mouse says its range and count
    view = panel.histogram.getPlotItem().getViewBox()
    qtbot.waitUntil(lambda: view.viewRect().width() != 1.0, timeout=5000)  # ranged to the bars
    centre = view.mapViewToScene(view.viewRect().center())
    point = panel.histogram.mapFromScene(centre)
    # What pyqtgraph's scene reports when the mouse moves there (the offscreen platform does
    # not always route a synthetic move to a QGraphicsView inside a dock).
    qtbot.mouseMove(panel.histogram.viewport(), QPoint(point.x(), point.y()))
    panel.histogram.scene().sigMouseMoved.emit(centre)
    qtbot.waitUntil(lambda: "values" in panel.hover.text(), timeout=2000)
    assert panel.hover.text().startswith("[")
    # pin bn1, select relu: both histograms and both columns
    qtbot.mouseClick(panel.pin_button, Qt.MouseButton.LeftButton)
    click_module(window, qtbot, "layer1")
    qtbot.waitUntil(lambda: panel.target is not None and panel.target.name == "layer1")
    assert len(panel.histogram.series) == 2
    assert panel.table.columnCount() == 2
    assert panel.table.horizontalHeaderItem(1).text() == "pinned: bn1"
    written = panel.save_plots(tmp_path / "h.svg")
    assert all(p.stat().st_size > 500 for p in written)
    assert "<svg" in written[0].read_text()
    written = panel.save_plots(tmp_path / "h.png")
    assert written[0].read_bytes()[:4] == b"\x89PNG"


def test_problems_first_nan_op_is_badged_listed_and_jumped_to(
    window: MainWindow, open_and_wait: OpenAndWait, qtbot: QtBot
) -> None:
    opened = open_and_wait(SAMPLES / "nan_inf.py")
    snap = opened.snapshot
    nan = next(w for w in snap.warnings if w.kind == "nan")
    problems = window.activations.problems
    rows = problems.rows()
    assert rows and rows[0].startswith(f"NaN · {nan.where}")
    badges = window.canvas.state.badges
    assert "NaN" in {b.text for b in badges.values()}
    item = problems.list.item(0)
    rect = problems.list.visualItemRect(item)
    qtbot.mouseClick(problems.list.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    node_id = nan.where.rsplit("(", 1)[1].rstrip(")")
    qtbot.waitUntil(lambda: window.activations.panel.target is not None)
    assert node_id in window.activations.panel.target.title
    assert int(window.activations.panel.cell("NaN").replace(",", "")) > 0
    assert window.canvas.state.selected


def test_overlay_colours_every_node_by_a_statistic(
    window: MainWindow, open_and_wait: OpenAndWait, qtbot: QtBot
) -> None:
    opened = open_and_wait(SAMPLES / "dead_relu.py")
    box = window.activations.overlay_box
    box.setCurrentText("zeros %")  # as choosing it in the toolbar's list does
    overlay = window.canvas.state.overlay
    assert overlay is not None and overlay.label == "zeros % of output"
    relu = next(n for n in opened.snapshot.nodes.values() if n.op == "relu")
    assert overlay.values[relu.id] == pytest.approx(75.0)
    assert window.activations.colour_bar.isVisible()
    window.canvas.repaint()  # paints with the overlay and its colour bar
    box.setCurrentText("saved bytes")
    assert window.canvas.state.overlay.values[relu.id] == 32 * 64 * 4
    box.setCurrentText("none")
    assert window.canvas.state.overlay is None and not window.activations.colour_bar.isVisible()
    assert window.session.current.layout is opened.layout  # colours only: no re-layout


def test_activations_show_a_module_inside_a_folded_one(
    window: MainWindow, open_and_wait: OpenAndWait, qtbot: QtBot
) -> None:
    opened = open_and_wait(SAMPLES / "tiny_gpt.py")
    snap = opened.snapshot
    inner = next(
        p for p, info in snap.modules.items() if info.parent and snap.stats.get(f"module:{p}")
    )
    outer = snap.modules[inner].parent
    window.session.set_collapsed(frozenset({outer}))  # as a double-click on it folds it
    qtbot.waitUntil(lambda: outer in window.session.current.layout.collapsed, timeout=5000)
    window.inspector.select_module(inner)  # what a click on it in the module tree does
    panel = window.activations.panel
    qtbot.waitUntil(lambda: panel.target is not None and panel.target.name == inner)


def test_activations_pick_the_output_and_the_call(
    window: MainWindow, open_and_wait: OpenAndWait, qtbot: QtBot
) -> None:
    panel = window.activations.panel
    open_and_wait(SAMPLES / "lstm.py")
    window.inspector.select_module("lstm")  # what a click on it in the module tree does
    qtbot.waitUntil(lambda: panel.target is not None and panel.target.name == "lstm")
    box = panel.output_box
    assert box.isVisible() and [box.itemText(k) for k in range(box.count())] == [
        "output 0",
        "output 1",
        "output 2",
    ]
    first = panel.cell("shape")
    box.setCurrentIndex(1)  # h
    assert panel.cell("shape") != first and panel.table.horizontalHeaderItem(0).text() == (
        "lstm output 1"
    )
    open_and_wait(SAMPLES / "shared_relu.py")
    window.inspector.select_module("relu")
    qtbot.waitUntil(lambda: panel.target is not None and panel.target.name == "relu")
    labels = [box.itemText(k) for k in range(box.count())]
    assert labels[:3] == ["call 1", "call 2", "call 3"]
    shapes = set()
    for k in range(box.count()):
        box.setCurrentIndex(k)
        shapes.add(panel.cell("shape"))
    assert len(shapes) > 1  # a shared ReLU after convolutions of different widths


def test_overlay_saved_bytes_of_a_folded_module_sum_its_nodes(
    window: MainWindow, open_and_wait: OpenAndWait, qtbot: QtBot
) -> None:
    opened = open_and_wait(SAMPLES / "mlp.py", mode="train")
    window.session.set_collapsed(frozenset({"bn1"}))  # as a double-click on it folds it
    qtbot.waitUntil(lambda: "bn1" in window.session.current.layout.collapsed, timeout=5000)
    window.activations.overlay_box.setCurrentText("saved bytes")
    values = window.canvas.state.overlay.values
    inside = sum(n.saved_bytes for n in opened.snapshot.nodes.values() if n.module == "bn1")
    assert inside > 0 and values["module:bn1"] == inside
