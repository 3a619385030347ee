"""The module tree's columns fit: the In → Out shapes are never cut off."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from graphviewer.ui.main_window import MainWindow
from tests.ui.conftest import OpenAndWait

SAMPLES = Path(__file__).resolve().parents[2] / "samples"


def test_every_column_shows_its_whole_text(
    window: MainWindow, open_and_wait: OpenAndWait, qtbot: QtBot
) -> None:
    open_and_wait(SAMPLES / "transformer_block.py")
    tree = window.module_tree.tree
    header = tree.header()
    for column in range(3):
        assert header.sectionSize(column) >= tree.sizeHintForColumn(column)
    item = tree.topLevelItem(0).child(0)
    assert "→" in item.toolTip(2) and item.toolTip(2) == item.text(2)
    dock = next(d for d in window.docks if d.widget() is window.module_tree)
    # The dock grew to show the columns whole (as far as 35 % of the window allows).
    want = min(window.module_tree.width_for_columns(), int(window.width() * 0.35))
    qtbot.waitUntil(lambda: dock.width() >= want - 4, timeout=2000)


def test_a_narrow_dock_scrolls_sideways_instead_of_cutting(
    window: MainWindow, open_and_wait: OpenAndWait, qtbot: QtBot
) -> None:
    open_and_wait(SAMPLES / "transformer_block.py")
    dock = next(d for d in window.docks if d.widget() is window.module_tree)
    window.resizeDocks([dock], [120], window.module_tree.tree.header().orientation())
    tree = window.module_tree.tree
    qtbot.waitUntil(lambda: tree.horizontalScrollBar().maximum() > 0, timeout=2000)
