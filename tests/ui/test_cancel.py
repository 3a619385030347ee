"""Slow and stuck forwards: the window stays responsive, Esc cancels, and a stuck loop is broken."""

from __future__ import annotations

import itertools
import time
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from pytestqt.qtbot import QtBot

from graphviewer.ui.main_window import MainWindow

SLOW = """
import itertools
import time
import torch
from torch import nn


class Step(nn.Module):
    def forward(self, x):
        time.sleep(0.05)
        return x * 2


class Chain(nn.Module):
    def __init__(self):
        super().__init__()
        self.steps = nn.ModuleList(Step() for _ in range(400))

    def forward(self, x):
        for step in self.steps:
            x = step(x)
        return x


def build_model():
    return Chain()


def example_input():
    return torch.randn(2, 2, requires_grad=True)
"""

LOOPS = """
import torch
from torch import nn


class Forever(nn.Module):
    def forward(self, x):
        n = 0
        while True:  # a bug in the user's forward: it never returns
            n += 1
        return x


def build_model():
    return Forever()


def example_input():
    return torch.randn(2, 2)
"""


@pytest.fixture
def slow_file(tmp_path: Path) -> Path:
    path = tmp_path / "slow_model.py"
    path.write_text(SLOW)
    return path


def _wait_running_forward(window: MainWindow, qtbot: QtBot) -> None:
    stages: list[str] = []
    window.session.progress.connect(lambda p: stages.append(p.stage))
    qtbot.waitUntil(lambda: "running forward" in stages, timeout=30_000)


def test_cancel_slow_capture_lands_within_one_module_call(
    window: MainWindow, qtbot: QtBot, slow_file: Path
) -> None:
    window.open_path(slow_file)
    _wait_running_forward(window, qtbot)
    qtbot.wait(200)
    assert window.status.cancel.isVisible()
    with qtbot.waitSignal(window.session.cancelled, timeout=2000):
        qtbot.keyClick(window, Qt.Key.Key_Escape)
    start = time.monotonic()
    assert window.session.wait_idle(2.0)
    assert time.monotonic() - start < 0.5  # one Step sleeps 0.05 s
    assert not window.status.cancel.isVisible()
    assert window.session.current is None


def test_event_loop_keeps_running_during_slow_forward(
    window: MainWindow, qtbot: QtBot, slow_file: Path
) -> None:
    ticks: list[float] = []
    timer = QTimer(window)
    timer.setInterval(20)
    timer.timeout.connect(lambda: ticks.append(time.monotonic()))
    window.open_path(slow_file)
    _wait_running_forward(window, qtbot)
    timer.start()
    qtbot.wait(600)
    timer.stop()
    assert window.session.busy  # the forward is still running
    assert len(ticks) >= 15, ticks
    assert max(b - a for a, b in itertools.pairwise(ticks)) < 0.25
    window.session.cancel()


def test_cancel_interrupts_an_infinite_python_loop(
    window: MainWindow, qtbot: QtBot, tmp_path: Path
) -> None:
    path = tmp_path / "loops.py"
    path.write_text(LOOPS)
    window.session._opener._grace_ms = 200
    window.open_path(path)
    _wait_running_forward(window, qtbot)
    qtbot.wait(300)
    assert window.session.busy
    window.actions_.cancel.trigger()
    assert window.session.wait_idle(5.0), "the looping thread was not interrupted"


def test_new_open_supersedes_a_slow_one(window: MainWindow, qtbot: QtBot, slow_file: Path) -> None:
    from tests.conftest import SAMPLES

    window.open_path(slow_file)
    _wait_running_forward(window, qtbot)
    with qtbot.waitSignal(window.session.opened, timeout=30_000) as blocker:
        window.open_path(SAMPLES / "mlp.py")
    assert blocker.args[0].request.path.name == "mlp.py"
