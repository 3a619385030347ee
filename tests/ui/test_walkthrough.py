"""What a new user trips on, walked through as they would: menus, the start page, the status bar."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QPointF, Qt
from pytestqt.qtbot import QtBot

from graphviewer.core.resources import sample_files
from graphviewer.ui.main_window import MainWindow
from tests.conftest import SAMPLES
from tests.ui.conftest import OpenAndWait


def _menu_action(window: MainWindow, *path: str):  # type: ignore[no-untyped-def]
    """The action at File ▸ … following menu titles (ampersands ignored)."""
    actions = window.menuBar().actions()
    for title in path:
        action = next(a for a in actions if a.text().replace("&", "") == title)
        if action.menu() is None:
            return action
        actions = action.menu().actions()
    return action


def test_walkthrough_samples_stay_reachable_after_a_graph_opened(
    window: MainWindow, open_and_wait: OpenAndWait, qtbot: QtBot
) -> None:
    open_and_wait(SAMPLES / "mlp.py")  # the start page is gone now
    assert window.stack.currentWidget() is window.canvas
    action = _menu_action(window, "File", "Open Sample", "cnn.py")
    assert action.isEnabled() and "CNN" in action.toolTip()
    with qtbot.waitSignal(window.session.opened, timeout=60_000) as blocker:
        action.trigger()
    assert blocker.args[0].request.path.name == "cnn.py"
    assert "cnn.py" in window.windowTitle()


def test_walkthrough_start_page_tooltips_hold_the_whole_description(window: MainWindow) -> None:
    docs = {s.path: s.summary for s in sample_files()}
    samples = window.start_page.samples
    item = next(
        samples.item(i) for i in range(samples.count()) if "gpt2.py" in samples.item(i).text()
    )
    gpt2 = next(doc for path, doc in docs.items() if path.name == "gpt2.py")
    assert gpt2 in item.toolTip()  # the list cuts long lines; the tooltip does not


def test_walkthrough_status_bar_stays_short(
    window: MainWindow, open_and_wait: OpenAndWait, qtbot: QtBot
) -> None:
    opened = open_and_wait(SAMPLES / "mlp.py")
    status = window.status
    assert status.times.text().startswith("opened in ")
    assert len(status.times.text()) < 20  # the stages would push the counts out of the bar
    assert "forward" in status.times.toolTip() and "layout" in status.times.toolTip()
    total = sum(opened.timings.values())
    assert status.times.text().endswith(f"{total:.1f} s" if total >= 1 else f"{total * 1e3:.0f} ms")
    labels = (status.counts, status.mode, status.times, status.zoom)
    qtbot.waitUntil(  # nothing cut off, once the bar has laid itself out
        lambda: all(label.width() >= label.sizeHint().width() for label in labels), timeout=2000
    )


def test_walkthrough_mode_switch_keeps_the_view(
    window: MainWindow, open_and_wait: OpenAndWait, qtbot: QtBot
) -> None:
    """Comparing train and eval means looking at the same place: the view must not jump."""
    open_and_wait(SAMPLES / "transformer_block.py")
    canvas = window.canvas
    canvas.zoom_in()
    qtbot.keyClick(canvas, Qt.Key.Key_PageDown)
    scale, offset = canvas.scale, QPointF(canvas.offset)
    with qtbot.waitSignal(window.session.opened, timeout=30_000):
        window.mode_box.setCurrentText("eval")
    assert canvas.scale == scale and canvas.offset == offset
    with qtbot.waitSignal(window.session.opened, timeout=30_000):
        window.actions_.reload.trigger()
    assert canvas.scale == scale and canvas.offset == offset
    with qtbot.waitSignal(window.session.opened, timeout=30_000):
        window.open_path(SAMPLES / "mlp.py")  # another model: its own first view
    assert (canvas.scale, canvas.offset) != (scale, offset)


def _wheel(canvas, dx: int, dy: int) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtGui import QWheelEvent
    from PySide6.QtWidgets import QApplication

    centre = QPointF(canvas.width() / 2, canvas.height() / 2)
    event = QWheelEvent(
        centre,
        canvas.mapToGlobal(centre),
        QPoint(0, 0),
        QPoint(dx, dy),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(canvas, event)


def test_walkthrough_wheel_zooms_and_sideways_swipe_pans(
    window: MainWindow, open_and_wait: OpenAndWait
) -> None:
    open_and_wait(SAMPLES / "mlp.py")
    canvas = window.canvas
    scale = canvas.scale
    _wheel(canvas, 0, 120)  # one notch up: zoom in around the cursor
    assert canvas.scale > scale
    scale, offset = canvas.scale, QPointF(canvas.offset)
    _wheel(canvas, -120, 0)  # a trackpad's sideways swipe
    assert canvas.scale == scale
    assert canvas.offset.x() < offset.x() and canvas.offset.y() == offset.y()
