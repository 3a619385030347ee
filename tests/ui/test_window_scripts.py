"""The window on scripts: the stop at the first forward is said, and `--model` and the input
prompt serve a `.py` whose model class needs arguments and has no input."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from graphviewer.ui.jobs import OpenRequest
from graphviewer.ui.main_window import MainWindow
from graphviewer.ui.session import suggested_shape

TRAINS = """
import torch
from torch import nn

model = nn.Sequential(nn.Linear(6, 8), nn.ReLU(), nn.Linear(8, 1))
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
x = torch.randn(4, 6)
for step in range(10**9):
    loss = model(x).pow(2).mean()
    loss.backward()
    optimizer.step()
"""

NEEDS_ARGS = """
from torch import nn

class Net(nn.Module):
    def __init__(self, width):
        super().__init__()
        self.fc = nn.Linear(width, 2)

    def forward(self, x):  # wants (width, batch): the guess from fc, (16, width), fails
        return self.fc(x.t())
"""


def test_window_says_it_stopped_a_training_script(
    window: MainWindow, qtbot: QtBot, tmp_path: Path
) -> None:
    path = tmp_path / "train.py"
    path.write_text(textwrap.dedent(TRAINS))
    stages: list[str] = []
    window.session.progress.connect(lambda p: stages.append(p.stage))
    with qtbot.waitSignal(window.session.opened, timeout=60_000):
        window.open_path(path)
    assert window.message_bar.kind == "info"
    text = window.message_bar.text()
    assert "stopped the script at its first forward of Sequential (line 9)" in text
    assert "--run-script" in text
    assert "running train.py" in stages  # the status bar said what was happening


def test_window_runs_a_stopped_script_to_its_end_on_request(
    window: MainWindow, qtbot: QtBot, tmp_path: Path
) -> None:
    from PySide6.QtWidgets import QPushButton

    path = tmp_path / "train.py"
    path.write_text(textwrap.dedent(TRAINS).replace("10**9", "3") + "print('done training')\n")
    with qtbot.waitSignal(window.session.opened, timeout=60_000):
        window.open_path(path)
    buttons = [b for b in window.message_bar.findChildren(QPushButton) if b.isVisible()]
    button = next(b for b in buttons if b.text() == "Run it to its end")
    with qtbot.waitSignal(window.session.opened, timeout=60_000) as blocker:
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    opened = blocker.args[0]
    assert opened.request.run_script and not opened.snapshot.notice
    assert "done training" in opened.snapshot.log


def test_window_model_call_then_input_prompt_opens_the_class(
    window: MainWindow, qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from PySide6.QtWidgets import QInputDialog

    path = tmp_path / "model.py"
    path.write_text(textwrap.dedent(NEEDS_ARGS))
    asked: list[str] = []

    def get_text(parent, title, label, text="", **kwargs):
        asked.append(text)
        return "5,3", True

    monkeypatch.setattr(QInputDialog, "getText", staticmethod(get_text))
    with qtbot.waitSignal(window.session.opened, timeout=60_000) as blocker:
        window.open_request(OpenRequest(path.resolve(), model="Net(width=5)"))
    opened = blocker.args[0]
    assert asked == ["16,5"]  # the prompt came, with the shape the loader suggests
    assert opened.request.model == "Net(width=5)" and opened.request.input_shape == (5, 3)
    assert opened.snapshot.modules["fc"].input_shapes == ((3, 5),)


def test_window_class_needing_arguments_says_how_to_pass_them(
    window: MainWindow, qtbot: QtBot, tmp_path: Path
) -> None:
    path = tmp_path / "model.py"
    path.write_text(textwrap.dedent(NEEDS_ARGS))
    with qtbot.waitSignal(window.session.failed, timeout=60_000):
        window.open_path(path)
    assert window.message_bar.kind == "error"
    assert "--model 'Net(width=...)'" in window.message_bar.text()


def test_suggested_shape_reads_any_hint() -> None:
    assert suggested_shape("pass --input-shape 1,3,32,32") == "1,3,32,32"
    assert suggested_shape("define example_input() or pass --input-shape 16,20") == "16,20"
    assert suggested_shape("pass --input-shape 1,16 --input-dtype int64") == "1,16"
    assert suggested_shape("") == ""


def test_window_command_line_takes_model_and_run_script(monkeypatch: pytest.MonkeyPatch) -> None:
    import graphviewer.ui.app as app
    from graphviewer.cli import main

    seen: dict[str, object] = {}
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    monkeypatch.setattr(app, "run_window", lambda path, **kw: seen.update(kw, path=path) or 0)
    assert main(["model.py", "--model", "Net(upscale_factor=3)", "--run-script"]) == 0
    assert seen["path"] == "model.py" and seen["model"] == "Net(upscale_factor=3)"
    assert seen["run_script"] is True


GUESSABLE = """
from torch import nn

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(6, 2)

    def forward(self, x):
        return self.fc(x)
"""


def test_window_says_the_input_was_guessed_and_lets_the_user_choose(
    window: MainWindow, qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from PySide6.QtWidgets import QInputDialog, QPushButton

    path = tmp_path / "net.py"
    path.write_text(textwrap.dedent(GUESSABLE))
    with qtbot.waitSignal(window.session.opened, timeout=60_000) as blocker:
        window.open_path(path)
    assert blocker.args[0].snapshot.modules["fc"].input_shapes == ((16, 6),)
    assert window.message_bar.kind == "info"
    assert "holds no input" in window.message_bar.text()
    buttons = {b.text(): b for b in window.message_bar.findChildren(QPushButton) if b.isVisible()}
    assert "Run it to its end" not in buttons  # that is for a stopped training script
    asked: list[str] = []

    def get_text(parent, title, label, text="", **kwargs):
        asked.append(text)
        return "3,6", True

    monkeypatch.setattr(QInputDialog, "getText", staticmethod(get_text))
    with qtbot.waitSignal(window.session.opened, timeout=60_000) as blocker:
        qtbot.mouseClick(buttons["Choose input shape…"], Qt.MouseButton.LeftButton)
    assert asked == ["16,6"]  # offered the shape it guessed
    assert blocker.args[0].snapshot.modules["fc"].input_shapes == ((3, 6),)
    assert not blocker.args[0].snapshot.notice
