"""The Legend dock names every kind of op by its colour and says what a folded module's card
shows, in the theme the user picked."""

from __future__ import annotations

from PySide6.QtWidgets import QListWidget

from graphviewer.core.categories import CATEGORY_LABELS
from graphviewer.ui.main_window import MainWindow
from graphviewer.ui.panels.legend import CARD_LABEL
from graphviewer.ui.settings import THEME_CHOICES


def _rows(window: MainWindow) -> QListWidget:
    return window.legend.findChild(QListWidget)


def test_legend_lists_the_kinds_and_the_folded_card(window: MainWindow) -> None:
    labels = window.legend.labels()
    assert labels[: len(CATEGORY_LABELS)] == list(CATEGORY_LABELS.values())
    assert labels[-1] == CARD_LABEL
    card = _rows(window).item(len(labels) - 1)
    assert "tinted" in card.toolTip() and "bar" in card.toolTip()
    assert not card.icon().isNull()


def test_legend_card_follows_the_theme(window: MainWindow) -> None:
    rows = _rows(window)
    seen = set()
    for action, choice in zip(window._theme_actions, THEME_CHOICES, strict=True):
        if choice == "system":
            continue
        action.trigger()
        image = rows.item(rows.count() - 1).icon().pixmap(22, 14).toImage()
        seen.add(image.pixelColor(11, 5).name())  # the card's tinted fill
        assert window.legend.labels()[-1] == CARD_LABEL
    assert len(seen) == 2  # light and dark cards differ
