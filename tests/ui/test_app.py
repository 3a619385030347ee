"""Launch paths and application habits: CLI, start page, drop, file watching, settings, show()."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPoint, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from graphviewer.ui.actions import shortcut_rows
from graphviewer.ui.main_window import MainWindow
from tests.conftest import SAMPLES
from tests.ui.conftest import OpenAndWait


def test_cli_without_command_opens_the_window(monkeypatch: pytest.MonkeyPatch) -> None:
    import graphviewer.ui.app as app
    from graphviewer.cli import main

    calls: list[tuple] = []
    monkeypatch.setattr(app, "run_window", lambda *a, **k: calls.append((a, k)) or 0)
    assert main([]) == 0
    assert main(["model.py", "--mode", "eval", "--input-shape", "2,3"]) == 0
    assert calls[0][0] == (None,)
    assert calls[0][1]["mode"] == "train" and not calls[0][1]["expand_all"]
    assert calls[1][0] == ("model.py",)
    assert calls[1][1]["mode"] == "eval" and calls[1][1]["input_shape"] == (2, 3)
    main(["model.py", "--expand", "all"])
    assert calls[2][1]["expand_all"]
    main(["model.py", "--device", "meta"])
    assert calls[3][1]["device"] == "meta"


def test_start_page_opens_a_sample(window: MainWindow, qtbot: QtBot) -> None:
    assert window.stack.currentWidget() is window.start_page
    names = [
        window.start_page.samples.item(i).text() for i in range(window.start_page.samples.count())
    ]
    assert any(n.startswith("mlp.py") for n in names)
    item = next(
        window.start_page.samples.item(i)
        for i in range(len(names))
        if names[i].startswith("mlp.py")
    )
    with qtbot.waitSignal(window.session.opened, timeout=30_000):
        window.start_page.samples.itemClicked.emit(item)
    assert window.stack.currentWidget() is window.canvas


def test_drop_a_file_opens_it(window: MainWindow, qtbot: QtBot) -> None:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(SAMPLES / "mlp.py"))])
    event = QDropEvent(
        QPoint(100, 100).toPointF(),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    with qtbot.waitSignal(window.session.opened, timeout=30_000):
        window.dropEvent(event)


def test_changed_file_offers_reload(
    window: MainWindow, open_and_wait: OpenAndWait, qtbot: QtBot, tmp_path: Path
) -> None:
    path = tmp_path / "model.py"
    shutil.copy(SAMPLES / "mlp.py", path)
    open_and_wait(path)
    path.write_text(path.read_text().replace("hidden: int = 64", "hidden: int = 32"))
    qtbot.waitUntil(lambda: window.message_bar.kind == "info", timeout=10_000)
    assert "changed on disk" in window.message_bar.text()
    with qtbot.waitSignal(window.session.opened, timeout=30_000) as blocker:
        window.session.reload()
    assert blocker.args[0].snapshot.modules["layer1"].output_shapes == ((16, 32),)


def test_settings_remember_window_and_theme(window: MainWindow) -> None:
    window._on_theme_chosen("dark")
    assert window.theme.name == "dark"
    window.close()
    again = MainWindow()
    assert again.settings.theme() == "dark"
    assert again.settings.geometry() is not None
    again.close()


def test_shortcuts_are_listed(window: MainWindow) -> None:
    rows = dict(shortcut_rows(window.actions_))
    assert rows["Find"] == "Ctrl+F"
    assert rows["Reload"] == "F5"
    assert "F" in rows["Fit to window"] and "Ctrl+0" in rows["Fit to window"]
    assert rows["Export"] == "Ctrl+E"


def test_show_live_model_blocks_until_closed(qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> None:
    import torch

    import graphviewer
    import graphviewer.ui.app as app

    windows: list[MainWindow] = []
    real_make = app.make_window
    monkeypatch.setattr(app, "make_window", lambda: windows.append(real_make()) or windows[-1])

    def fake_exec() -> int:  # stands for the user looking, then closing the window
        qtbot.waitUntil(lambda: windows[0].session.current is not None, timeout=30_000)
        windows[0].close()
        return 0

    monkeypatch.setattr(QApplication, "exec", staticmethod(fake_exec))
    model = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.Tanh())
    graphviewer.show(model, torch.randn(2, 4))
    snap = windows[0].session.current.snapshot
    assert snap.modules["0"].output_shapes == ((2, 3),)
    assert windows[0].session.current.request.title == "Sequential"


def test_export_action_opens_the_export_dialog(
    window: MainWindow, open_and_wait: OpenAndWait, monkeypatch: pytest.MonkeyPatch
) -> None:
    from graphviewer.ui import export_dialog

    shown: list[object] = []
    monkeypatch.setattr(export_dialog.ExportDialog, "exec", lambda self: shown.append(self) or 0)
    open_and_wait(SAMPLES / "mlp.py")
    window.actions_.export.trigger()
    assert shown


def test_theme_follows_the_system_switching_live(window: MainWindow) -> None:
    """With View ▸ Theme ▸ System, the OS switching to dark and back repaints the window."""
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtWidgets import QApplication

    hints = QGuiApplication.styleHints()
    window._on_theme_chosen("system")
    hints.colorSchemeChanged.emit(Qt.ColorScheme.Dark)
    assert window.theme.name == "dark"
    assert QApplication.palette().window().color().lightnessF() < 0.5
    assert window.canvas._theme.name == "dark"
    hints.colorSchemeChanged.emit(Qt.ColorScheme.Light)
    assert window.theme.name == "light"
    window._on_theme_chosen("dark")  # a theme picked by hand stays whatever the OS does
    hints.colorSchemeChanged.emit(Qt.ColorScheme.Light)
    assert window.theme.name == "dark"
