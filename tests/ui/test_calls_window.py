"""A module called several times, in the window: folding it draws one box per call, and
selecting it marks every one of them."""

from __future__ import annotations

from PySide6.QtCore import QPointF, Qt
from pytestqt.qtbot import QtBot

from graphviewer.core.types import collapsed_id
from graphviewer.ui.graph_items import item_boxes
from graphviewer.ui.main_window import MainWindow
from tests.conftest import SAMPLES
from tests.ui.conftest import OpenAndWait


def _screen(window: MainWindow, box: tuple[float, float, float, float], dy: float) -> QPointF:
    """A point `dy` pixels below the top of a scene box, near its left side (the edges of a
    chain run down its middle), in canvas coordinates."""
    canvas = window.canvas
    return QPointF(box[0], box[1]) * canvas.scale + canvas.offset + QPointF(8, dy)


def test_calls_window_fold_shared_relu_and_select_every_call(
    window: MainWindow, open_and_wait: OpenAndWait, qtbot: QtBot
) -> None:
    opened = open_and_wait(SAMPLES / "shared_relu.py")
    groups = item_boxes(opened.layout, "relu")
    assert len(groups) == 3, "shared_relu.py: expected one group box per relu call"
    point = _screen(window, groups[1], 3).toPoint()  # the second call's title band
    with qtbot.waitSignal(window.session.relaid, timeout=10_000):
        qtbot.mouseDClick(window.canvas, Qt.MouseButton.LeftButton, pos=point)
    layout = window.session.current.layout
    assert "relu" in layout.collapsed
    folded = item_boxes(layout, collapsed_id("relu"))
    assert len(folded) == 3, "shared_relu.py folded: expected one relu box per call"
    ys = sorted(b[1] for b in folded)
    assert ys[0] < ys[1] < ys[2]  # one above the other, in call order

    qtbot.mouseClick(
        window.canvas, Qt.MouseButton.LeftButton, pos=_screen(window, folded[2], 5).toPoint()
    )
    assert window.inspector.selected == {collapsed_id("relu")}
    assert "ReLU" in window.details.text()
    marked = window.canvas.scene.item_boxes(collapsed_id("relu"))
    assert sorted(map(tuple, marked.tolist())) == sorted(folded)
