"""The Backward dock driven as a user would: show it, step with the keyboard, click a node."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from graphviewer.ui.main_window import MainWindow
from tests.conftest import SAMPLES
from tests.ui.conftest import OpenAndWait
from tests.ui.test_window import _screen_point


def _show_backward(window: MainWindow, qtbot: QtBot) -> None:
    """Open the Backward dock with its shortcut, as a user would, and wait for the record."""
    ctl = window.backward
    qtbot.keyClick(window.canvas, Qt.Key.Key_B, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(
        lambda: ctl.panel.record is not None or "Could not" in ctl.panel.header.text(),
        timeout=60_000,
    )
    assert ctl.panel.record is not None, ctl.panel.header.text()


def test_backward_dock_starts_closed_and_opens_tabbed_behind_details(
    window: MainWindow, open_and_wait: OpenAndWait, qtbot: QtBot
) -> None:
    open_and_wait(SAMPLES / "mlp.py")
    ctl = window.backward
    assert not ctl.dock.isVisible()
    assert ctl.record is None  # nothing recorded until the user looks at it
    assert ctl.dock.toggleViewAction() in window.menuBar().actions()[1].menu().actions()
    width = window.canvas.width()
    _show_backward(window, qtbot)
    assert ctl.dock in window.tabifiedDockWidgets(window.docks[2])
    assert ctl.dock.isVisible() and window.canvas.width() == width


def test_backward_keyboard_steps_through_the_mlp(
    window: MainWindow, open_and_wait: OpenAndWait, qtbot: QtBot
) -> None:
    opened = open_and_wait(SAMPLES / "mlp.py")
    window.session.set_collapsed(frozenset())
    qtbot.waitUntil(lambda: not window.session.current.layout.collapsed, timeout=5000)
    _show_backward(window, qtbot)
    panel, snap = window.backward.panel, opened.snapshot
    record = panel.record
    assert record.loss_source == "loss_fn(output)"
    assert "Loss = " in panel.header.text() and "loss_fn(output)" in panel.header.text()
    assert panel.step == 0 and panel.position.text() == f"step 1 / {len(record.steps)}"
    panel.steps_list.setFocus()
    qtbot.keyClick(panel.steps_list, Qt.Key.Key_Right)
    qtbot.keyClick(panel.steps_list, Qt.Key.Key_Right)
    assert panel.step == 2
    step = record.steps[2]
    assert window.inspector.selected == {step.node_id}
    layer = window.canvas.layers["backward"]
    assert layer.badges[step.node_id].text == "step 3"
    later = {s.node_id for s in record.steps[3:]} - {s.node_id for s in record.steps[:3]}
    assert later and later <= layer.dimmed
    assert step.node_id not in layer.dimmed
    assert layer.flow_edges == {
        f"{p}->{step.node_id}" for p in snap.graph.predecessors(step.node_id)
    }
    # the table shows this step's gradients and their numbers
    assert panel.grads.item(0, 0).text().startswith("in (w.r.t. output 0)")
    assert panel.grads.item(0, 3).text() == f"{step.grads_in[0].norm:.4g}"
    with qtbot.waitSignal(panel.gradient_selected) as picked:
        qtbot.keyClick(panel.steps_list, Qt.Key.Key_Left)
    assert panel.step == 1
    title, stats = picked.args
    assert title.startswith("step 2 ") and stats is record.steps[1].grads_in[0].stats
    qtbot.keyClick(panel.steps_list, Qt.Key.Key_End)
    assert panel.step == len(record.steps) - 1
    assert not window.canvas.layers["backward"].dimmed
    qtbot.keyClick(panel.steps_list, Qt.Key.Key_Home)
    assert panel.step == 0


def test_backward_click_a_node_lands_on_its_step(
    window: MainWindow, open_and_wait: OpenAndWait, qtbot: QtBot
) -> None:
    opened = open_and_wait(SAMPLES / "mlp.py")
    window.session.set_collapsed(frozenset())
    qtbot.waitUntil(lambda: not window.session.current.layout.collapsed, timeout=5000)
    _show_backward(window, qtbot)
    addmm = next(
        n for n in opened.snapshot.nodes.values() if n.op == "addmm" and n.module == "layer1"
    )
    window.canvas.focus_rect(window.canvas.box_rect(addmm.id), min_scale=1.0)
    qtbot.mouseClick(window.canvas, Qt.MouseButton.LeftButton, pos=_screen_point(window, addmm.id))
    panel = window.backward.panel
    assert panel.record.steps[panel.step].node_id == addmm.id
    assert "AddmmBackward0" in panel.steps_list.currentItem().text()


def test_backward_scalar_example_reads_right_in_the_panel(
    window: MainWindow, open_and_wait: OpenAndWait, qtbot: QtBot
) -> None:
    open_and_wait(SAMPLES / "autograd_scalar.py")
    _show_backward(window, qtbot)
    panel = window.backward.panel
    rows = [panel.steps_list.item(i).text() for i in range(panel.steps_list.count())]
    assert [r.split()[1] for r in rows] == [
        "PowBackward0", "AddBackward0", "AccumulateGrad", "SumBackward0", "MulBackward0",
        "AccumulateGrad", "AccumulateGrad",
    ]  # fmt: skip
    assert rows[2].endswith("→ b") and rows[5].endswith("→ x") and rows[6].endswith("→ w")
    assert "Loss = <b>0.49</b>" in panel.header.text()
    cells = [panel.grads.item(r, 2).text() for r in range(panel.grads.rowCount())]
    assert "[-0.7]" in cells  # PowBackward0 saved z
    panel.steps_list.setFocus()
    qtbot.keyClick(panel.steps_list, Qt.Key.Key_End)
    assert panel.grads.item(0, 2).text() == "[-2.8, -4.2, -5.6]"  # dL/dw
    qtbot.keyClick(panel.steps_list, Qt.Key.Key_Left)
    assert panel.grads.item(0, 2).text() == "[-0.7, 1.4, -0.42]"  # dL/dx


def test_backward_overlay_and_no_grad(
    window: MainWindow, open_and_wait: OpenAndWait, qtbot: QtBot
) -> None:
    open_and_wait(SAMPLES / "mlp.py")
    _show_backward(window, qtbot)
    panel = window.backward.panel
    qtbot.mouseClick(panel.overlay_box, Qt.MouseButton.LeftButton)
    overlay = window.canvas.layers["backward"].overlay
    assert overlay is not None and overlay.log and overlay.values
    bar = window.activations.colour_bar  # the canvas's one colour bar follows this overlay too
    assert bar.isVisible() and bar.overlay is overlay
    qtbot.mouseClick(panel.overlay_box, Qt.MouseButton.LeftButton)
    assert not bar.isVisible()
    open_and_wait(SAMPLES / "mlp.py", mode="no_grad")
    assert "Under no_grad" in panel.header.text()
    assert "backward" not in window.canvas.layers
    assert not panel.record_button.isEnabled()


INPLACE = """
import torch
from torch import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 4)

    def forward(self, x):
        h = torch.sigmoid(self.fc(x))
        h.mul_(2)
        return h


def build_model():
    return Net()


def example_input():
    return torch.randn(2, 4)
"""


def test_backward_that_raises_says_why_in_one_sentence(
    window: MainWindow, open_and_wait: OpenAndWait, qtbot: QtBot, tmp_path: Path
) -> None:
    path = tmp_path / "inplace.py"
    path.write_text(INPLACE)
    open_and_wait(path)
    ctl = window.backward
    qtbot.keyClick(window.canvas, Qt.Key.Key_B, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: "Could not" in ctl.panel.header.text(), timeout=60_000)
    text = ctl.panel.header.text()
    assert "inplace.py" in text and "SigmoidBackward0" in text
    assert "h = torch.sigmoid(self.fc(x))" in text
    assert window.canvas.scene is not None  # the graph stays
    assert "backward" not in window.canvas.layers


SLOW = """
import time

import torch
from torch import nn


class Slow(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return x.clone()

    @staticmethod
    def backward(ctx, g):
        time.sleep(0.1)
        return g


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 4)

    def forward(self, x):
        h = self.fc(x)
        for _ in range(200):
            h = Slow.apply(h)
        return h


def build_model():
    return Net()


def example_input():
    return torch.randn(2, 4)
"""


def test_backward_recording_stops_on_esc(
    window: MainWindow, open_and_wait: OpenAndWait, qtbot: QtBot, tmp_path: Path
) -> None:
    path = tmp_path / "slow.py"
    path.write_text(SLOW)
    open_and_wait(path)
    ctl = window.backward
    qtbot.keyClick(window.canvas, Qt.Key.Key_B, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: "recording backward 2/" in ctl.panel.header.text(), timeout=30_000)
    with qtbot.waitSignal(ctl.worker.cancelled, timeout=5_000):
        qtbot.keyClick(window.canvas, Qt.Key.Key_Escape)
    assert ctl.panel.header.text() == "Recording cancelled."
    assert ctl.panel.record_button.isEnabled()  # and it can be recorded again
    assert window.canvas.scene is not None


def test_backward_play_steps_at_the_chosen_speed_and_pauses(
    window: MainWindow, open_and_wait: OpenAndWait, qtbot: QtBot
) -> None:
    open_and_wait(SAMPLES / "mlp.py")
    _show_backward(window, qtbot)
    panel = window.backward.panel
    panel.speed.setCurrentIndex(panel.speed.count() - 1)  # 20 steps/s
    qtbot.mouseClick(panel.play_button, Qt.MouseButton.LeftButton)
    assert panel.playing
    qtbot.waitUntil(lambda: panel.step >= 3, timeout=5000)
    panel.steps_list.setFocus()
    qtbot.keyClick(panel.steps_list, Qt.Key.Key_Space)
    assert not panel.playing
    at = panel.step
    qtbot.wait(200)
    assert panel.step == at
    qtbot.mouseClick(panel.play_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not panel.playing, timeout=10_000)  # stops at the last step
    assert panel.step == len(panel.record.steps) - 1


def test_a_backward_step_shows_its_gradient_in_the_activations_histogram(
    window: MainWindow, open_and_wait: OpenAndWait, qtbot: QtBot
) -> None:
    open_and_wait(SAMPLES / "mlp.py")
    _show_backward(window, qtbot)
    panel = window.backward.panel
    panel.steps_list.setFocus()
    qtbot.keyClick(panel.steps_list, Qt.Key.Key_Right)  # step 2: a gradient flows in
    activations = window.activations.panel
    qtbot.waitUntil(lambda: activations.title.text().startswith("gradient · step 2"), timeout=3000)
    shown = activations.current
    assert shown is not None and sum(shown.hist_counts) > 0
    assert activations.histogram.series  # drawn as a histogram, not only numbers
