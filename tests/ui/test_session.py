"""A long session in one window: many opens in a row leave no thread, no hook, no leak."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from benchmarks.bench_session import Session, rss_mb
from graphviewer.ui.main_window import MainWindow


@pytest.mark.slow
def test_many_opens_in_one_window_leave_nothing_behind(
    window: MainWindow, qtbot: QtBot, tmp_path: Path
) -> None:
    session = Session(window, tmp_path)
    after5 = 0.0
    for k in range(21):  # three rounds of the plan: files, modes, cancel, failure, live
        session.step(k)
        if k == 4:
            gc.collect()
            after5 = rss_mb()
    session.check_clean()
    assert session.ends.get("cancelled", 0) >= 3, session.ends
    assert session.ends.get("failed", 0) >= 3, session.ends
    assert len(session.live) == 3
    gc.collect()
    growth = rss_mb() - after5
    assert growth < 150, f"test_session.py: resident memory grew {growth:.0f} MB over 16 opens"
