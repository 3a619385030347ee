"""Finding one's way around a huge graph: fit, the overview, paging, the zoom readout."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QPointF, QRectF, Qt
from pytestqt.qtbot import QtBot

from graphviewer.ui.main_window import MainWindow
from graphviewer.ui.minimap import MIN_SIDE
from graphviewer.ui.status import zoom_text
from tests.conftest import SAMPLES
from tests.ui.conftest import OpenAndWait

TALL_MODEL = '''"""One long chain of elementwise ops: a graph far taller than it is wide."""
import torch
from torch import nn


class Chain(nn.Module):
    def forward(self, x):
        for _ in range(1500):
            x = torch.tanh(x) * 1.01
        return x


def build_model():
    return Chain()


def example_input():
    return torch.randn(2, 3, requires_grad=True)
'''


@pytest.fixture
def tall_window(
    window: MainWindow, open_and_wait: OpenAndWait, tmp_path: Path, qtbot: QtBot
) -> MainWindow:
    """The window showing a 3,000-node chain, about 200,000 scene units tall."""
    path = tmp_path / "tall.py"
    path.write_text(TALL_MODEL)
    open_and_wait(path)
    bounds = window.canvas.scene.bounds
    assert bounds.height() > 200 * bounds.width()
    qtbot.waitUntil(window.canvas.minimap.isVisible, timeout=2000)
    return window


def test_navigation_fit_shows_all_of_a_very_tall_graph(
    tall_window: MainWindow, qtbot: QtBot
) -> None:
    window = tall_window
    qtbot.keyClick(window, Qt.Key.Key_F)
    canvas = window.canvas
    assert canvas.visible_rect().contains(canvas.scene.bounds)
    assert window.status.zoom.text() not in ("0 %", "")
    canvas.zoom_out()  # zooming out stops at half the fit, not at a fixed floor
    assert canvas.scale >= canvas.min_scale()


def test_navigation_overview_of_a_tall_graph_is_usable(
    tall_window: MainWindow, qtbot: QtBot
) -> None:
    canvas, minimap = tall_window.canvas, tall_window.canvas.minimap
    assert minimap.width() >= MIN_SIDE  # not a sliver
    assert minimap.height() > canvas.height() / 2  # a tall graph uses the canvas's height
    frame = minimap.frame_rect()
    assert frame.height() >= 6 and frame.top() < minimap.height() / 4  # the view is at the top
    bottom = QPoint(minimap.width() // 2, minimap.height() - 4)
    qtbot.mouseClick(minimap, Qt.MouseButton.LeftButton, pos=bottom)
    visible = canvas.visible_rect()
    assert visible.bottom() > canvas.scene.bounds.bottom() - visible.height()
    assert minimap.frame_rect().bottom() > minimap.height() * 3 / 4


def test_navigation_keys_page_through_the_graph(tall_window: MainWindow, qtbot: QtBot) -> None:
    canvas = tall_window.canvas
    assert canvas.hasFocus()  # the canvas takes the keys as soon as the graph opens
    top = canvas.visible_rect().top()
    qtbot.keyClick(canvas, Qt.Key.Key_PageDown)
    assert canvas.visible_rect().top() > top + canvas.visible_rect().height() / 2
    qtbot.keyClick(canvas, Qt.Key.Key_End)
    bounds = canvas.scene.bounds
    assert canvas.visible_rect().contains(QPointF(bounds.center().x(), bounds.bottom()))
    qtbot.keyClick(canvas, Qt.Key.Key_Home)
    assert canvas.visible_rect().contains(QPointF(bounds.center().x(), bounds.top()))


def test_navigation_status_names_boxes_and_zoom(
    window: MainWindow, open_and_wait: OpenAndWait, qtbot: QtBot
) -> None:
    open_and_wait(SAMPLES / "mlp.py")
    window.module_tree.tree.setCurrentItem(window.module_tree._items["layer1"])
    with qtbot.waitSignal(window.session.relaid, timeout=10_000) as blocker:
        window.module_tree.module_activated.emit("layer1")  # double-click in the tree folds
    items = len(blocker.args[0].layout.items)
    assert f"13 nodes · 12 edges · {items} boxes drawn" in window.status.counts.text()
    assert zoom_text(1.0) == "100 %" and zoom_text(0.001) == "0.1 %"


def test_navigation_long_panning_does_not_abort(
    window: MainWindow, open_and_wait: OpenAndWait
) -> None:
    """PySide6 6.12.0 on CPython 3.11 loses a reference to None per void call and to True per
    emit, and the process aborts after ~2,000 frames of panning ("none_dealloc"): the PySide6
    this project pins must not leak (10,000 calls would lose 10,000 references)."""
    import gc
    import sys

    from PySide6.QtCore import QRectF

    open_and_wait(SAMPLES / "mlp.py")
    canvas = window.canvas
    for _ in range(300):
        canvas.offset += QPointF(0, -3)  # what a drag does
        canvas.view_changed.emit()
        canvas.repaint()
    rect = QRectF()
    gc.disable()  # no collection frees references to None/True in the middle of the count
    try:
        before = sys.getrefcount(None), sys.getrefcount(True)
        for _ in range(10_000):
            rect.setX(1.0)  # a void call
            canvas.view_changed.emit()  # an emit with a receiver
        after = sys.getrefcount(None), sys.getrefcount(True)
    finally:
        gc.enable()
    assert before[0] - after[0] < 5_000 and before[1] - after[1] < 5_000, (before, after)


def test_navigation_selecting_thousands_of_nodes_stays_drawable(
    tall_window: MainWindow, qtbot: QtBot
) -> None:
    """Clicking the loop's line selects its 3,000 nodes; the painter outlines them in one path
    (one painter call per node took 7.5 s a frame for the LSTM's 20,811) and still shows them."""
    from PySide6.QtGui import QColor

    window = tall_window
    canvas, snap = window.canvas, window.session.current.snapshot
    file = snap.source_path
    line = max(
        {n.source.line for n in snap.nodes.values() if n.source and n.source.file == file},
        key=lambda ln: sum(1 for n in snap.nodes.values() if n.source and n.source.line == ln),
    )
    frames: list[float] = []
    canvas.painted.connect(frames.append)
    window.source.line_clicked.emit(file, line)
    assert len(window.inspector.selected) > 1000
    assert "nodes made by this line" in window.details.text()
    image = canvas.grab().toImage()
    assert frames and max(frames) < 0.5, frames
    selection = QColor(window.theme.selection).rgb() & 0xFFFFFF
    step = 4
    found = any(
        image.pixel(x, y) & 0xFFFFFF == selection
        for x in range(0, image.width(), step)
        for y in range(0, image.height(), step)
    )
    assert found  # the outlines are drawn


def test_navigation_search_in_a_big_graph_counts_every_match(
    tall_window: MainWindow, qtbot: QtBot
) -> None:
    window = tall_window
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(window.search_bar.field, "tanh")
    assert window.search_bar.count.text() == "1 of 1500"
    qtbot.keyClick(window.search_bar.field, Qt.Key.Key_Return)
    assert window.search_bar.count.text() == "2 of 1500"


def test_navigation_overview_never_covers_the_selection(
    tall_window: MainWindow, qtbot: QtBot
) -> None:
    """Selecting a node drawn under the overview moves the overview to a clear corner."""
    window = tall_window
    canvas, minimap = window.canvas, window.canvas.minimap
    node = next(iter(canvas.snapshot.nodes))
    box = canvas.box_rect(node)
    canvas.scale = 1.0
    # the node right under the overview: its screen position inside the overview's rectangle
    target = QPointF(minimap.geometry().center())
    canvas.offset = target - box.center() * canvas.scale
    canvas.center_at(canvas.to_scene(QPointF(canvas.width() / 2, canvas.height() / 2)))  # redraw
    under = QRectF(minimap.geometry()).intersects(
        QRectF(box.topLeft() * canvas.scale + canvas.offset, box.size() * canvas.scale)
    )
    assert under, "the test did not put the node under the overview"
    window.inspector.select_nodes([node], zoom=False)
    qtbot.waitUntil(minimap.isVisible, timeout=2000)
    drawn = QRectF(box.topLeft() * canvas.scale + canvas.offset, box.size() * canvas.scale)
    assert not QRectF(minimap.geometry()).intersects(drawn), "the overview covers the selection"
