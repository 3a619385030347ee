"""Docks appear when they have something to show: the start page shows none of them.

The window restores the user's dock layout at launch, then `hide_for_start` hides every dock
while the start page is up, remembering which were open; the first graph shown brings those
back (`show_docks`). Closing the window before any graph was shown saves the layout the user
had, not the empty one (`show_docks` again, just before the state is saved).
"""

from __future__ import annotations

from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QApplication, QDockWidget, QMainWindow


class DockPresence:
    def __init__(self, window: QMainWindow) -> None:
        self._window = window
        self._waiting: list[QDockWidget] | None = None

    @property
    def hiding(self) -> bool:
        return self._waiting is not None

    def hide_for_start(self) -> None:
        """Hide the open docks (they would be empty) until `show_docks`."""
        docks = [d for d in self._window.findChildren(QDockWidget) if not d.isHidden()]
        for dock in docks:
            dock.hide()
        self._waiting = docks

    def show_docks(self) -> None:
        """Bring back the docks the start page hid (once; later calls do nothing)."""
        waiting, self._waiting = self._waiting, None
        for dock in waiting or ():
            dock.show()
        if waiting:
            settle_layout(self._window)


def settle_layout(window: QMainWindow) -> None:
    """Lay the window out now (docks shown or resized), so that the canvas has its final size
    before a graph is fitted into it; else the view would shift when the layout catches up."""
    window.layout().activate()
    QApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)  # the nested layouts too
