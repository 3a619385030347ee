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
    centre = view.mapViewToScene(view.viewRect().center())
    point = panel.histogram.mapFromScene(centre)
    qtbot.mouseMove(panel.histogram.viewport(), QPoint(point.x(), point.y()))
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
