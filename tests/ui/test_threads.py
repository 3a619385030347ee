"""Jobs that overlap: a second open while one runs, and the signal order the window sees."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from pytestqt.qtbot import QtBot

from graphviewer.ui.main_window import MainWindow
from tests.ui.test_cancel import SLOW

SESSION_SIGNALS = ("loading", "opened", "failed", "needs_trust", "needs_input", "cancelled", "idle")


def _record(window: MainWindow) -> list[str]:
    seen: list[str] = []
    for name in SESSION_SIGNALS:
        getattr(window.session, name).connect(lambda *_a, n=name: seen.append(n))
    return seen


def _wait_forward(window: MainWindow, qtbot: QtBot) -> None:
    stages: list[str] = []
    window.session.progress.connect(lambda p: stages.append(p.stage))
    qtbot.waitUntil(lambda: "running forward" in stages, timeout=30_000)


def test_open_superseding_a_running_one_asks_for_trust(
    window: MainWindow, qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from graphviewer.ui import dialogs

    slow = tmp_path / "slow_model.py"
    slow.write_text(SLOW)
    pickle = tmp_path / "seq.pt"
    torch.save(torch.nn.Sequential(torch.nn.Linear(8, 4)), pickle)
    asked: list[Path] = []
    monkeypatch.setattr(dialogs, "ask_trust", lambda _parent, path: asked.append(path) or False)
    seen = _record(window)
    window.open_path(slow)
    _wait_forward(window, qtbot)
    s = window.session
    with qtbot.waitSignals([s.loading, s.needs_trust, s.idle], order="strict", timeout=30_000):
        window.open_path(pickle)
    assert seen == ["loading", "loading", "needs_trust", "idle"], f"test_threads.py: {seen}"
    assert asked == [pickle.resolve()]
    assert not s.busy and s.pending is None


def test_status_stays_busy_while_the_superseding_open_runs(
    window: MainWindow, qtbot: QtBot, tmp_path: Path
) -> None:
    first, second = tmp_path / "first.py", tmp_path / "second.py"
    first.write_text(SLOW)
    second.write_text(SLOW)
    window.open_path(first)
    _wait_forward(window, qtbot)
    window.open_path(second)
    qtbot.wait(300)  # the first job's thread has ended by now; the second still runs
    assert window.session.busy and window.session.pending is not None
    assert window.status.cancel.isVisible(), "test_threads.py: status bar went idle"
    assert window.session.pending.path == second.resolve()


def test_layout_measures_text_on_the_job_thread(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The font metrics the layout uses are made on the thread that uses them."""
    import threading

    from graphviewer.render import text
    from graphviewer.ui import main_window
    from graphviewer.ui.app import create_app
    from tests.conftest import SAMPLES

    made: list[int] = []
    used: set[int] = set()
    real = text.text_measurer

    def recording(*args: object) -> object:
        made.append(threading.get_ident())
        measure = real(*args)  # type: ignore[arg-type]

        def measured(label: str) -> tuple[float, float]:
            used.add(threading.get_ident())
            return measure(label)

        return measured

    monkeypatch.setattr(main_window, "text_measurer", recording)
    create_app()
    win = main_window.MainWindow()
    qtbot.addWidget(win)
    with qtbot.waitSignal(win.session.opened, timeout=60_000):
        win.open_path(SAMPLES / "mlp.py")
    assert used, "test_threads.py: the layout measured nothing"
    assert used <= set(made), f"test_threads.py: metrics made on {made}, used on {used}"
    assert threading.get_ident() not in used, "test_threads.py: measured on the GUI thread"
    assert win.session.wait_idle(10.0)


def test_reopen_after_the_input_prompt_keeps_depth_and_folding(
    window: MainWindow, qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from PySide6.QtWidgets import QInputDialog, QMessageBox

    from graphviewer.ui.jobs import OpenRequest

    path = tmp_path / "deep.pt"
    inner = torch.nn.Sequential(torch.nn.Linear(8, 8), torch.nn.Sequential(torch.nn.ReLU()))
    torch.save(torch.nn.Sequential(inner, torch.nn.Linear(8, 2)), path)
    monkeypatch.setattr(
        QMessageBox, "warning", staticmethod(lambda *a: QMessageBox.StandardButton.Open)
    )
    monkeypatch.setattr(QInputDialog, "getText", staticmethod(lambda *a, **k: ("3,8", True)))
    request = OpenRequest(path=path, mode="eval", depth=1, collapsed=frozenset({"0"}))
    with qtbot.waitSignal(window.session.opened, timeout=60_000) as blocker:
        window.open_request(request)
    opened = blocker.args[0]
    assert opened.request.trust and opened.request.input_shape == (3, 8)
    assert opened.request.mode == "eval" and opened.request.depth == 1
    assert opened.layout.collapsed == frozenset({"0"}), "test_threads.py: folding was dropped"
