"""The window's train / eval / no_grad: cached switching, the compare view, the Changes list."""

from __future__ import annotations

from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import QToolBar
from pytestqt.qtbot import QtBot

from graphviewer.ui.main_window import MainWindow
from tests.conftest import SAMPLES
from tests.ui.conftest import OpenAndWait

CTRL = Qt.KeyboardModifier.ControlModifier


def _open_compare(window: MainWindow, qtbot: QtBot) -> None:
    """Ctrl+M, and wait for the comparison to be drawn."""
    with qtbot.waitSignal(window.session.opened, timeout=60_000):
        qtbot.keyClick(window, Qt.Key.Key_M, CTRL)
    qtbot.waitUntil(lambda: "modes" in window.canvas.layers, timeout=5000)


def test_modes_switch_back_to_a_cached_mode_starts_no_job(
    window: MainWindow, open_and_wait: OpenAndWait, qtbot: QtBot
) -> None:
    first = open_and_wait(SAMPLES / "mlp.py")
    with qtbot.waitSignal(window.session.opened, timeout=30_000) as blocker:
        window.mode_box.setCurrentText("eval")  # the selector: captured once
    assert blocker.args[0].snapshot.mode == "eval"
    window.canvas.zoom_by(1.7)
    view = (window.canvas.scale, QPointF(window.canvas.offset))
    started: list[object] = []
    window.session.loading.connect(started.append)
    with qtbot.waitSignal(window.session.opened, timeout=1000) as blocker:
        qtbot.keyClick(window, Qt.Key.Key_1, CTRL)  # Ctrl+1: train, kept from the first open
    assert blocker.args[0].snapshot is first.snapshot
    assert started == [] and not window.session.busy
    assert window.mode_box.currentText() == "train"
    assert (window.canvas.scale, window.canvas.offset) == view  # the view stays
    with qtbot.waitSignal(window.session.opened, timeout=1000):
        qtbot.keyClick(window, Qt.Key.Key_2, CTRL)  # Ctrl+2: eval, cached too
    assert started == [] and window.session.current.snapshot.mode == "eval"
    assert "mode: eval" in window.status.mode.text()


def test_modes_compare_view_marks_changes_and_lists_them(
    window: MainWindow, open_and_wait: OpenAndWait, qtbot: QtBot
) -> None:
    open_and_wait(SAMPLES / "mlp.py")
    bar = window.findChild(QToolBar, "main-toolbar")
    assert window.modes.compare in bar.actions()  # the toolbar button
    _open_compare(window, qtbot)
    assert window.modes.compare.isChecked() and window.modes.dock.isVisible()
    snap = window.session.current.snapshot
    assert snap.mode == "train"
    layer = window.canvas.layers["modes"]
    badges = {k: b.text for k, b in layer.badges.items()}
    assert "train only" in badges.values()
    assert any(t.startswith("Δ ") for t in badges.values())
    assert layer.dimmed  # layer1 did not change
    rows = window.modes.panel.rows()
    assert rows[0] == "train only: mul (MulBackward0) in drop1"
    assert any(r.startswith("bn1 (BatchNorm1d): Δ") for r in rows)
    assert "allclose" in window.modes.panel.summary.text()
    assert "compared with eval" in window.windowTitle()
    # every mode is cached now: switching is instant, and the layer follows the drawn mode
    started: list[object] = []
    window.session.loading.connect(started.append)
    qtbot.keyClick(window, Qt.Key.Key_2, CTRL)
    assert started == [] and window.session.current.snapshot.mode == "eval"
    assert window.modes.other == "train"
    assert (
        window.modes.panel.rows()[0]
        == "train only: mul (MulBackward0) in drop1 (switches to train)"
    )


def test_modes_changes_list_jumps_to_each_change(
    window: MainWindow, open_and_wait: OpenAndWait, qtbot: QtBot
) -> None:
    open_and_wait(SAMPLES / "mlp.py")
    _open_compare(window, qtbot)
    panel = window.modes.panel
    bn_row = next(k for k, r in enumerate(panel.rows()) if r.startswith("bn1 (BatchNorm1d)"))
    item = panel.changes.item(bn_row)
    rect = panel.changes.visualItemRect(item)
    qtbot.mouseClick(panel.changes.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert window.module_tree.selected_path() == "bn1"
    details = window.details.text()
    assert "train against eval" in details and "normalises with the batch's statistics" in details
    assert "momentum 0.1" in panel.module_text.toPlainText()
    assert panel._plot is not None and panel._plot.isVisible()  # batch vs running, per channel
    # the train-only node: selected on the canvas
    qtbot.mouseClick(
        panel.changes.viewport(),
        Qt.MouseButton.LeftButton,
        pos=panel.changes.visualItemRect(panel.changes.item(0)).center(),
    )
    mul = next(n for n in window.session.current.snapshot.nodes.values() if n.op == "mul")
    assert window.inspector.selected == frozenset({mul.id})
    assert window.module_tree.selected_path() == "drop1"
    # Ctrl+M again: the marks go, the dock closes
    qtbot.keyClick(window, Qt.Key.Key_M, CTRL)
    assert "modes" not in window.canvas.layers and not window.modes.dock.isVisible()


def test_modes_no_grad_says_what_was_not_kept(
    window: MainWindow, open_and_wait: OpenAndWait, qtbot: QtBot
) -> None:
    open_and_wait(SAMPLES / "mlp.py")
    with qtbot.waitSignal(window.session.opened, timeout=30_000):
        qtbot.keyClick(window, Qt.Key.Key_3, CTRL)  # Ctrl+3: no_grad
    assert window.session.current.snapshot.num_nodes == 0
    qtbot.waitUntil(lambda: "16.5 KB" in window.canvas._empty_text, timeout=60_000)
    text = window.canvas._empty_text
    assert "0 nodes" in text and "no_grad keeps none of them" in text


def test_modes_compare_of_a_failing_forward_says_so(window: MainWindow, qtbot: QtBot) -> None:
    with qtbot.waitSignal(window.session.failed, timeout=60_000):
        window.open_path(SAMPLES / "shape_mismatch.py")  # its partial graph is shown
    qtbot.waitUntil(lambda: window.session.current is not None, timeout=5000)
    qtbot.keyClick(window, Qt.Key.Key_M, CTRL)
    qtbot.waitUntil(
        lambda: "Compare modes failed" in window.message_bar._label.text(), timeout=60_000
    )
    assert "in train mode: forward raised RuntimeError" in window.message_bar._label.text()
    assert "modes" not in window.canvas.layers
    assert window.modes.panel.title.text().startswith("Could not compare the modes")


def test_modes_esc_cancels_a_comparison(
    window: MainWindow, open_and_wait: OpenAndWait, qtbot: QtBot
) -> None:
    open_and_wait(SAMPLES / "mlp.py")
    with qtbot.waitSignal(window.modes.worker.cancelled, timeout=5000):
        qtbot.keyClick(window, Qt.Key.Key_M, CTRL)
        qtbot.keyClick(window, Qt.Key.Key_Escape)
    assert window.modes.wait_idle(10.0)
    qtbot.wait(50)
    assert "cancelled" in window.modes.panel.title.text()
    assert "modes" not in window.canvas.layers and not window.status.bar.isVisible()


def test_modes_shortcuts_are_listed_in_help(window: MainWindow) -> None:
    from graphviewer.ui.actions import shortcut_rows

    rows = dict(shortcut_rows(window.actions_, window.actions()))
    assert rows["Compare modes"] == "Ctrl+M"
    assert (rows["Show train"], rows["Show eval"], rows["Show no_grad"]) == (
        "Ctrl+1",
        "Ctrl+2",
        "Ctrl+3",
    )
    assert list(rows).count("Find") == 1  # the table's own are not listed twice


def test_modes_reload_while_comparing_compares_again(
    window: MainWindow, open_and_wait: OpenAndWait, qtbot: QtBot
) -> None:
    open_and_wait(SAMPLES / "mlp.py")
    _open_compare(window, qtbot)
    before = window.modes.compared
    with qtbot.waitSignal(window.modes.worker.finished, timeout=60_000):
        qtbot.keyClick(window, Qt.Key.Key_F5)  # the file may have changed: every mode again
    qtbot.waitUntil(lambda: window.modes.compared is not before, timeout=5000)
    qtbot.waitUntil(lambda: "modes" in window.canvas.layers, timeout=5000)
    assert window.modes._valid_for(window.session.current)
    assert window.modes.panel.rows()[0] == "train only: mul (MulBackward0) in drop1"
