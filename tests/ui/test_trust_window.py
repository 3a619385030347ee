"""The window's trust prompt for files that can run code: a hostile `.pt2`, a sibling `.py`."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from graphviewer.ui.main_window import MainWindow
from tests.core import hostile_files as hostile


@pytest.fixture
def export_file(saved_formats: dict[str, Path]) -> Path:
    return saved_formats["export"]


def _answer(monkeypatch: pytest.MonkeyPatch, button: QMessageBox.StandardButton) -> list[str]:
    asked: list[str] = []

    def warning(parent: object, title: str, text: str, *args: object) -> object:
        asked.append(text)
        return button

    monkeypatch.setattr(QMessageBox, "warning", staticmethod(warning))
    return asked


def test_window_hostile_pt2_refused_runs_nothing(
    window: MainWindow,
    qtbot: QtBot,
    export_file: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    marker = tmp_path / "ran.marker"
    bad = hostile.pt2_pickled_sample_inputs(export_file, tmp_path / "trojan.pt2", marker)
    asked = _answer(monkeypatch, QMessageBox.StandardButton.Cancel)
    status: list[tuple[str, bool]] = []  # what the status bar said while the prompt was up
    original = QMessageBox.warning

    def warning(*args: object) -> object:
        status.append((window.status.stage.text(), window.status.bar.isVisibleTo(window)))
        return original(*args)

    monkeypatch.setattr(QMessageBox, "warning", staticmethod(warning))
    with qtbot.waitSignal(window.session.idle, timeout=60_000):
        window.open_path(bad)
    qtbot.wait(50)
    assert asked and "torch.export program that carries code" in asked[0]
    assert not marker.exists() and window.session.current is None
    assert status == [("", False)], f"trojan.pt2: the status bar said {status} under the prompt"
    assert "asking whether to trust" in window.statusBar().currentMessage()


def test_window_hostile_pt2_trusted_opens(
    window: MainWindow,
    qtbot: QtBot,
    export_file: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    marker = tmp_path / "ran.marker"
    bad = hostile.pt2_guard_code(export_file, tmp_path / "guarded.pt2", marker)
    asked = _answer(monkeypatch, QMessageBox.StandardButton.Open)
    with qtbot.waitSignal(window.session.opened, timeout=60_000) as blocker:
        window.open_path(bad)
    assert asked and blocker.args[0].request.trust
    assert marker.exists() and blocker.args[0].snapshot.num_nodes > 0


def test_window_sibling_py_asks_before_it_runs(
    window: MainWindow,
    qtbot: QtBot,
    export_file: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    script = export_file.with_name("mlp_script.pt")
    archive = tmp_path / "net.pt"
    shutil.copyfile(script, archive)
    marker = tmp_path / "sibling.marker"
    archive.with_suffix(".py").write_text(
        "import pathlib, torch\n"
        f"pathlib.Path({str(marker)!r}).touch()\n"
        "def example_input():\n    return torch.randn(16, 20)\n"
    )
    asked = _answer(monkeypatch, QMessageBox.StandardButton.Cancel)
    with qtbot.waitSignal(window.session.idle, timeout=60_000):
        window.open_path(archive)
    qtbot.wait(50)
    assert asked and not marker.exists()
