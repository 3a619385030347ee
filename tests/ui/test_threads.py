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
