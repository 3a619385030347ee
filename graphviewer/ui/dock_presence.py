"""Docks appear when they have something to show: the start page shows none of them.

The window restores the user's dock layout at launch, then `hide_for_start` hides every dock
while the start page is up, remembering which were open; the first graph shown brings those
back (`show_docks`). Closing the window before any graph was shown saves the layout the user
had, not the empty one (`show_docks` again, just before the state is saved).
"""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QEvent
from PySide6.QtWidgets import QApplication, QDockWidget, QMainWindow


class DockPresence:
    def __init__(self, window: QMainWindow) -> None:
        self._window = window
        self._state: QByteArray | None = None  # the dock layout the start page put away

    def hide_for_start(self) -> None:
        """Hide the open docks (they would be empty) until `show_docks`. The whole dock
        layout is kept (`saveState`): which docks were open, their tab groups and which tab
        was in front, their sizes."""
        self._state = self._window.saveState()
        for dock in self._window.findChildren(QDockWidget):
            dock.hide()

    def show_docks(self) -> None:
        """Bring back the docks the start page hid (once; later calls do nothing)."""
        state, self._state = self._state, None
        if state is None:
            return
        self._window.restoreState(state)
        settle_layout(self._window)


def settle_layout(window: QMainWindow) -> None:
    """Lay the window out now (docks shown or resized), so that the canvas has its final size
    before a graph is fitted into it; else the view would shift when the layout catches up."""
    window.layout().activate()
    QApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)  # the nested layouts too
