"""View ▸ Direction: the graph flowing top to bottom or left to right, remembered in the
settings and applied to the open graph at once (laid out again, then fitted)."""

from __future__ import annotations

from PySide6.QtCore import QObject, QSettings
from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import QMenu

from graphviewer.core.layout.direction import DIRECTIONS, Direction
from graphviewer.ui.jobs import OpenedGraph
from graphviewer.ui.session import ModelSession

SETTING = "view/direction"
NAMES: dict[Direction, str] = {"TB": "&Top to Bottom", "LR": "&Left to Right"}
SHORTCUT = "Ctrl+Shift+D"  # toggles between the two


def saved_direction() -> Direction:
    """The direction last chosen (top to bottom at first)."""
    value = str(QSettings().value(SETTING, "TB"))
    return value if value in DIRECTIONS else "TB"  # type: ignore[return-value]


class DirectionMenu(QObject):
    """The View ▸ Direction submenu and what it does to the session and the canvas."""

    def __init__(self, view: QMenu, session: ModelSession, fit: object) -> None:
        super().__init__(view)
        self._session, self._fit = session, fit
        self._refit = False
        menu = view.addMenu("&Direction")
        menu.setObjectName("directionMenu")
        group = QActionGroup(menu)
        self.actions: dict[Direction, QAction] = {}
        for direction in DIRECTIONS:
            action = QAction(NAMES[direction], menu, checkable=True)
            action.setObjectName(f"direction{direction}")
            action.triggered.connect(lambda _=False, d=direction: self.choose(d))
            group.addAction(action)
            menu.addAction(action)
            self.actions[direction] = action
        self.toggle = QAction("Switch Direction", view)
        self.toggle.setObjectName("directionToggle")
        self.toggle.setShortcut(SHORTCUT)
        self.toggle.triggered.connect(
            lambda: self.choose("LR" if session.direction == "TB" else "TB")
        )
        menu.addSeparator()
        menu.addAction(self.toggle)
        session.relaid.connect(self._on_session_relaid)
        start = saved_direction()
        session.direction = start
        self.actions[start].setChecked(True)

    def choose(self, direction: Direction) -> None:
        """Flow the graphs `direction`, remember it, and lay the open one out again."""
        self.actions[direction].setChecked(True)
        QSettings().setValue(SETTING, direction)
        if self._session.direction == direction:
            return
        self._refit = True
        self._session.set_direction(direction)

    def _on_session_relaid(self, opened: OpenedGraph, _anchor: str) -> None:
        if self._refit and opened.layout.direction == self._session.direction:
            self._refit = False
            self._fit()  # type: ignore[operator]


def install_direction_menu(view: QMenu, session: ModelSession, fit: object) -> DirectionMenu:
    """Add View ▸ Direction (and its Ctrl+Shift+D toggle) for `session`; `fit()` fits the
    canvas once a graph has been laid out in the new direction."""
    return DirectionMenu(view, session, fit)
