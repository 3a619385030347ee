"""The window's commands as `QAction`s with shortcuts, and the menus and toolbar holding them.

One table of actions feeds the menus, the toolbar and Help ▸ Shortcuts, so the list of
shortcuts a user reads is the list that works.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QComboBox, QMainWindow, QMenu, QToolBar

from graphviewer.core.types import MODES
from graphviewer.ui.icons import icon
from graphviewer.ui.panels.backward import KEYS as BACKWARD_KEYS

Std = QKeySequence.StandardKey


@dataclass
class Actions:
    """Every command of the main window."""

    open: QAction
    reload: QAction
    export: QAction
    quit: QAction
    cancel: QAction
    fit: QAction
    zoom_in: QAction
    zoom_out: QAction
    find: QAction
    find_next: QAction
    find_previous: QAction
    fold_default: QAction
    expand_all: QAction
    shortcuts: QAction
    show_log: QAction
    about: QAction

    def all(self) -> list[QAction]:
        return [getattr(self, f.name) for f in fields(self)]


def _action(
    window: QMainWindow, text: str, keys: tuple[str | Std, ...] = (), icon_name: str = ""
) -> QAction:
    action = QAction(text, window)
    action.setShortcuts([QKeySequence(k) for k in keys])
    if icon_name:
        action.setIcon(icon(icon_name))
    if keys:
        action.setToolTip(f"{text.replace('…', '').replace('&', '')} ({_keys_text(action)})")
    window.addAction(action)  # shortcuts work even when the menu bar is hidden
    return action


def _keys_text(action: QAction) -> str:
    return ", ".join(k.toString(QKeySequence.SequenceFormat.NativeText) for k in action.shortcuts())


def build_actions(window: QMainWindow) -> Actions:
    """Create the window's actions (not yet connected to anything)."""
    return Actions(
        open=_action(window, "&Open…", (Std.Open,), "open"),
        reload=_action(window, "&Reload", ("F5",), "reload"),
        export=_action(window, "&Export…", ("Ctrl+E",), "export"),
        quit=_action(window, "&Quit", ("Ctrl+Q",)),
        cancel=_action(window, "&Cancel", ("Esc",), "cancel"),
        fit=_action(window, "&Fit to window", ("F", "Ctrl+0"), "fit"),
        zoom_in=_action(window, "Zoom &in", ("+", "=", "Ctrl++"), "zoom-in"),
        zoom_out=_action(window, "Zoom &out", ("-", "Ctrl+-"), "zoom-out"),
        find=_action(window, "&Find…", (Std.Find,), "search"),
        find_next=_action(window, "Find &next", (Std.FindNext,), "next"),
        find_previous=_action(window, "Find &previous", (Std.FindPrevious,), "previous"),
        fold_default=_action(window, "&Collapse to default depth", ("Ctrl+Shift+C",)),
        expand_all=_action(window, "E&xpand all modules", ("Ctrl+Shift+X",)),
        shortcuts=_action(window, "&Keyboard shortcuts", ("F1",)),
        show_log=_action(window, "Show &Log"),
        about=_action(window, "&About graphviewer"),
    )


def shortcut_rows(actions: Actions, extra: Iterable[QAction] = ()) -> list[tuple[str, str]]:
    """(command, keys) for Help ▸ Shortcuts: the table's, then `extra` (the window's actions
    that panels added), plus the mouse gestures of the canvas."""
    table = actions.all()
    shown = table + [a for a in extra if a not in table]
    rows = [
        (a.text().replace("&", "").replace("…", ""), _keys_text(a)) for a in shown if a.shortcuts()
    ]
    rows += [
        ("Zoom around the cursor", "mouse wheel"),
        ("Pan", "drag, arrow keys, sideways swipe, or drag in the overview"),
        ("Page down / up the graph", "Page Down, Page Up"),
        ("Go to the top / bottom of the graph", "Home, End"),
        ("Select node, module or edge", "click"),
        ("Collapse / expand a module", "double-click its box"),
        ("Select the nodes a line made", "click the line in Source"),
        *BACKWARD_KEYS,
    ]
    return rows


def build_menus(window: QMainWindow, actions: Actions, recent: QMenu, samples: QMenu) -> QMenu:
    """Fill the menu bar; returns the View menu so the window can add dock toggles to it."""
    bar = window.menuBar()
    file = bar.addMenu("&File")
    file.addAction(actions.open)
    file.addMenu(recent)
    file.addMenu(samples)
    file.addAction(actions.reload)
    file.addSeparator()
    file.addAction(actions.export)
    file.addSeparator()
    file.addAction(actions.quit)
    view = bar.addMenu("&View")
    for action in (actions.fit, actions.zoom_in, actions.zoom_out):
        view.addAction(action)
    view.addSeparator()
    for action in (actions.find, actions.find_next, actions.find_previous):
        view.addAction(action)
    view.addSeparator()
    view.addAction(actions.fold_default)
    view.addAction(actions.expand_all)
    view.addSeparator()
    help_ = bar.addMenu("&Help")
    help_.addAction(actions.shortcuts)
    help_.addAction(actions.show_log)
    help_.addAction(actions.about)
    return view


def build_toolbar(window: QMainWindow, actions: Actions) -> QComboBox:
    """The main toolbar; returns its mode selector (train / eval / no_grad)."""
    bar = QToolBar("Main", window)
    bar.setObjectName("main-toolbar")
    bar.setMovable(False)
    bar.addAction(actions.open)
    bar.addAction(actions.reload)
    bar.addSeparator()
    mode = QComboBox(bar)
    mode.addItems(list(MODES))
    mode.setToolTip("Run the forward in train mode, eval mode, or eval under no_grad")
    bar.addWidget(mode)
    bar.addSeparator()
    for action in (actions.fit, actions.zoom_in, actions.zoom_out, actions.find, actions.export):
        bar.addAction(action)
    window.addToolBar(bar)
    return mode
