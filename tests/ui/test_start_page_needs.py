"""A sample that needs a package the user lacks says so on the start page and in the menu."""

from __future__ import annotations

import pytest
from pytestqt.qtbot import QtBot

from graphviewer.core import resources
from graphviewer.ui.app import create_app
from graphviewer.ui.start_page import StartPage, samples_menu


def test_start_page_marks_samples_that_need_a_missing_package(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    create_app()
    real = resources.importlib.util.find_spec
    monkeypatch.setattr(
        resources.importlib.util,
        "find_spec",
        lambda name, *a: None if name == "transformers" else real(name, *a),
    )
    page = StartPage()
    qtbot.addWidget(page)
    items = [page.samples.item(i) for i in range(page.samples.count())]
    gpt2 = next(i for i in items if i.text().startswith("gpt2.py"))
    assert gpt2.text() == "gpt2.py — needs transformers"
    assert 'pip install "graphviewer[transformers]"' in gpt2.toolTip()
    mlp = next(i for i in items if i.text().startswith("mlp.py"))
    assert "needs" not in mlp.text() and "A small MLP" in mlp.text()
    menu = samples_menu(page, lambda path: None)
    action = next(a for a in menu.actions() if a.text().startswith("gpt2.py"))
    assert (
        action.text() == "gpt2.py (needs a package)"
        and "graphviewer[transformers]" in action.toolTip()
    )


def test_long_sample_lines_end_in_an_ellipsis_not_a_sideways_scroll(qtbot: QtBot) -> None:
    create_app()
    page = StartPage()
    qtbot.addWidget(page)
    page.resize(700, 500)
    page.show()
    qtbot.waitExposed(page)
    samples = page.samples
    longest = max(
        samples.fontMetrics().horizontalAdvance(samples.item(i).text())
        for i in range(samples.count())
    )
    assert longest > samples.viewport().width()  # the lines are longer than the list is wide
    assert not samples.horizontalScrollBar().isVisible()
    first = samples.item(0)
    description = first.text().split(" — ", 1)[1]
    assert description in first.toolTip()  # the whole line is one hover away
