"""The main window: composes the canvas, docks, menus and status bar; it computes nothing.

Jobs run in `ModelSession` (through `JobWorker`), selections flow through `Inspector`, and this
class only connects their signals to the widgets that show them. Panels to come (activations,
backward stepping, train/eval comparison) are further docks added in `_build_docks`.
"""

from __future__ import annotations

import html
from dataclasses import replace
from functools import reduce
from pathlib import Path

from PySide6.QtCore import QFileSystemWatcher, QRectF, Qt
from PySide6.QtGui import QCloseEvent, QColor, QDragEnterEvent, QDropEvent, QGuiApplication
from PySide6.QtWidgets import (
    QDockWidget,
    QMainWindow,
    QMenu,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from graphviewer.core.categories import CATEGORY_LABELS
from graphviewer.core.fake import META_SUGGESTION
from graphviewer.core.jobs import Progress
from graphviewer.core.types import GraphSnapshot, Mode
from graphviewer.render.modules import legend_card
from graphviewer.render.scene import Hit, text_measurer
from graphviewer.render.theme import theme_named
from graphviewer.ui import dialogs
from graphviewer.ui.actions import build_actions, build_menus, build_toolbar, shortcut_rows
from graphviewer.ui.activations_controller import install_activations
from graphviewer.ui.backward_controller import install_backward
from graphviewer.ui.canvas import GraphCanvas
from graphviewer.ui.direction_menu import install_direction_menu
from graphviewer.ui.dock_presence import DockPresence, settle_layout
from graphviewer.ui.graph_items import drawn_item, module_key, module_of_item, toggle_fold
from graphviewer.ui.icons import icon
from graphviewer.ui.inspector import Inspector
from graphviewer.ui.jobs import OpenedGraph, OpenRequest
from graphviewer.ui.lessons_controller import LessonsController
from graphviewer.ui.message_bar import MessageBar, failure_html
from graphviewer.ui.modes_controller import install_modes
from graphviewer.ui.notice_actions import notice_actions
from graphviewer.ui.panels.details import DetailsPanel
from graphviewer.ui.panels.legend import Legend
from graphviewer.ui.panels.module_tree import ModuleTree
from graphviewer.ui.panels.source_view import SourceView
from graphviewer.ui.search import SearchBar, SearchController
from graphviewer.ui.session import ModelSession
from graphviewer.ui.settings import THEME_CHOICES, AppSettings, ThemeChoice
from graphviewer.ui.start_page import StartPage, fill_recent_menu, samples_menu
from graphviewer.ui.status import StatusBar
from graphviewer.ui.theming import apply_palette, resolve_theme

# The docks' saved arrangement is reused only when it was saved by a window with the same set
# of docks: a new panel (Activations, Backward, Modes, Lesson) would otherwise land wherever an
# older layout leaves room. Raise it whenever the default docks change.
DOCK_LAYOUT_VERSION = 2


class MainWindow(QMainWindow):
    """graphviewer's window: start page or canvas in the middle, panels docked around it."""

    def __init__(self) -> None:
        super().__init__()
        self.setWindowTitle("graphviewer")
        self.setWindowIcon(icon("graphviewer"))
        self.setAcceptDrops(True)
        self.resize(1400, 900)
        self.settings = AppSettings()
        self.theme = theme_named(resolve_theme(self.settings.theme()))
        self.session = ModelSession(text_measurer, self)  # each job measures on its thread
        self.actions_ = build_actions(self)
        self.search = SearchController()
        self._build_central()
        self._build_docks()
        self.backward = install_backward(self)  # the Backward dock, tabbed behind Details
        self._recent_menu = QMenu("Open &Recent", self)
        samples = samples_menu(self, self.open_path)
        view_menu = build_menus(self, self.actions_, self._recent_menu, samples)
        self._build_view_menu(view_menu)
        self.mode_box = build_toolbar(self, self.actions_)
        self.status = StatusBar(self)
        self.setStatusBar(self.status)
        self.inspector = Inspector(self.canvas, self.module_tree, self.details, self.source, self)
        self.watcher = QFileSystemWatcher(self)
        self._shown_path: Path | None = None
        self._connect()
        self.direction_menu = install_direction_menu(view_menu, self.session, self.canvas.fit)
        self.activations = install_activations(self)
        self.modes = install_modes(self)  # View ▸ Compare modes, Ctrl+1/2/3, the Modes dock
        # The panels share one tab group under Details (the right column would else need
        # more height than a laptop screen has).
        self.tabifyDockWidget(self.activations.dock, self.modes.dock)
        self.activations.dock.raise_()
        # A gradient picked in the Backward dock shows in the Activations dock's histogram.
        self.backward.panel.gradient_selected.connect(self.activations.show_gradient)
        QGuiApplication.styleHints().colorSchemeChanged.connect(self._on_system_scheme_changed)
        self._apply_theme(self.settings.theme())
        self._refresh_recent()
        self._update_enabled()
        self._restore_window()
        self.dock_presence = DockPresence(self)
        self.dock_presence.hide_for_start()  # back with the first graph
        self.lessons = LessonsController(self)  # Help ▸ Lessons, File ▸ Open Lesson…

    # -- building ------------------------------------------------------------------------------
    def _build_central(self) -> None:
        self.message_bar = MessageBar(self)
        self.search_bar = SearchBar(self)
        self.search_bar.hide()
        self.canvas = GraphCanvas(self.theme, self)
        self.start_page = StartPage(self)
        self.stack = QStackedWidget(self)
        self.stack.addWidget(self.start_page)
        self.stack.addWidget(self.canvas)
        central = QWidget(self)
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.message_bar)
        layout.addWidget(self.search_bar)
        layout.addWidget(self.stack, 1)
        self.setCentralWidget(central)

    def _dock(self, title: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(f"dock-{title.lower()}")  # saveState needs stable names
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        return dock

    def _build_docks(self) -> None:
        left, right = Qt.DockWidgetArea.LeftDockWidgetArea, Qt.DockWidgetArea.RightDockWidgetArea
        self.module_tree = ModuleTree(self)
        self.legend = Legend(self)
        self.details = DetailsPanel(self)
        self.source = SourceView(self)
        self.docks = [
            self._dock("Modules", self.module_tree, left),
            self._dock("Legend", self.legend, left),
            self._dock("Details", self.details, right),
            self._dock("Source", self.source, right),
        ]
        self.resizeDocks(self.docks[:2], [560, 200], Qt.Orientation.Vertical)
        self.resizeDocks([self.docks[0], self.docks[2]], [360, 380], Qt.Orientation.Horizontal)

    def _build_view_menu(self, view: QMenu) -> None:
        for dock in self.docks:
            view.addAction(dock.toggleViewAction())
        view.addSeparator()
        themes = view.addMenu("&Theme")
        for choice in THEME_CHOICES:
            action = themes.addAction(choice.capitalize())
            action.setCheckable(True)
            action.setChecked(choice == self.settings.theme())
            action.triggered.connect(lambda _=False, c=choice: self._on_theme_chosen(c))
        self._theme_actions = themes.actions()

    def _connect(self) -> None:
        a = self.actions_
        a.open.triggered.connect(self._on_open_triggered)
        a.reload.triggered.connect(self.session.reload)
        a.export.triggered.connect(self._on_export_triggered)
        a.quit.triggered.connect(self.close)
        a.cancel.triggered.connect(self._on_cancel_triggered)
        a.fit.triggered.connect(self.canvas.fit)
        a.zoom_in.triggered.connect(self.canvas.zoom_in)
        a.zoom_out.triggered.connect(self.canvas.zoom_out)
        a.find.triggered.connect(self.search_bar.open)
        a.find_next.triggered.connect(lambda: self._on_search_step(1))
        a.find_previous.triggered.connect(lambda: self._on_search_step(-1))
        a.fold_default.triggered.connect(self._on_fold_default_triggered)
        a.expand_all.triggered.connect(lambda: self.session.set_collapsed(frozenset()))
        a.shortcuts.triggered.connect(
            lambda: dialogs.show_shortcuts(self, shortcut_rows(a, self.actions()))
        )
        a.about.triggered.connect(lambda: dialogs.show_about(self))
        a.show_log.triggered.connect(self._on_show_log_triggered)
        self.mode_box.currentTextChanged.connect(self._on_mode_box_changed)
        self.start_page.open_requested.connect(self.open_path)
        self.start_page.browse_requested.connect(self._on_open_triggered)
        self.status.cancel_requested.connect(self.session.cancel)
        self.search_bar.query_changed.connect(self._on_search_query_changed)
        self.search_bar.next_requested.connect(lambda: self._on_search_step(1))
        self.search_bar.previous_requested.connect(lambda: self._on_search_step(-1))
        self.search_bar.closed.connect(self._on_search_closed)
        self.canvas.activated.connect(self._on_canvas_activated)
        self.canvas.view_changed.connect(lambda: self.status.set_zoom(self.canvas.scale))
        self.module_tree.module_activated.connect(self._on_tree_module_activated)
        self.watcher.fileChanged.connect(self._on_watcher_file_changed)
        s = self.session
        s.loading.connect(self._on_session_loading)
        s.progress.connect(self._on_session_progress)
        s.opened.connect(self._on_session_opened)
        s.relaid.connect(self._on_session_relaid)
        s.failed.connect(self._on_session_failed)
        s.needs_trust.connect(self._on_session_needs_trust)
        s.needs_input.connect(self._on_session_needs_input)
        s.cancelled.connect(self._on_session_cancelled)
        s.stuck.connect(self._on_session_stuck)
        s.idle.connect(self._on_session_idle)

    # -- public --------------------------------------------------------------------------------
    def open_path(self, path: Path | str, mode: Mode | None = None) -> None:
        """Open a model file (in the mode shown in the toolbar unless `mode` is given)."""
        path = Path(path).expanduser().resolve()
        self.session.open(OpenRequest(path=path, mode=mode or self._mode()))

    def open_request(self, request: OpenRequest) -> None:
        self.session.open(request)

    def _mode(self) -> Mode:
        return self.mode_box.currentText()  # type: ignore[return-value]

    # -- session -------------------------------------------------------------------------------
    def _on_session_loading(self, request: OpenRequest) -> None:
        self.status.set_busy(True, f"opening {request.title}…")
        self._update_enabled()

    def _on_session_progress(self, progress: Progress) -> None:
        self.status.set_progress(progress)

    def _on_session_opened(self, opened: OpenedGraph) -> None:
        snap, request = opened.snapshot, opened.request
        self.stack.setCurrentWidget(self.canvas)
        self.dock_presence.show_docks()
        same_model = request.path is not None and request.path == self._shown_path
        self._shown_path = request.path  # a mode switch or reload keeps the view where it is
        self.module_tree.set_modules(snap.modules, opened.layout.collapsed)  # may widen its dock
        settle_layout(self)
        self.canvas.set_graph(snap, opened.layout, keep_view=same_model)
        if not self.search_bar.field.hasFocus():  # arrows, pages, Home/End move the graph
            self.canvas.setFocus()
        self.canvas.set_empty_text(
            "under no_grad no autograd graph is built: nothing to draw"
            if snap.mode == "no_grad"
            else "the autograd graph is empty"
        )
        self.inspector.set_graph(snap, opened.layout)
        self.status.set_graph(opened)
        self.mode_box.blockSignals(True)
        self.mode_box.setCurrentText(snap.mode)
        self.mode_box.blockSignals(False)
        self.setWindowTitle(f"{request.title} — {snap.mode} — graphviewer")
        if snap.notice:  # the loader's word: a stopped script, a guessed input
            actions = notice_actions(snap.notice, request, self.session.open, self._ask_shape)
            self.message_bar.show_message("info", html.escape(snap.notice), actions)
        elif self.message_bar.kind:
            self.message_bar.clear()
        self._say_if_no_values(snap)
        if request.path is not None:
            self._remember(request.path)
        if self.search_bar.isVisible():
            self._on_search_query_changed(self.search_bar.field.text())

    def _say_if_no_values(self, snap: GraphSnapshot) -> None:
        """A model built without weights (--device meta): say so, not only by empty panels."""
        for warning in snap.warnings:
            if warning.kind == "values":
                text = html.escape(warning.message[0].upper() + warning.message[1:])
                self.message_bar.show_message(
                    "info",
                    f"<b>{text}.</b> Modules, shapes and the graph are real; activation "
                    "statistics and histograms are not.",
                )
                return

    def _on_session_relaid(self, opened: OpenedGraph, anchor: str) -> None:
        self.canvas.set_graph(opened.snapshot, opened.layout, keep_module=anchor)
        self.inspector.set_graph(opened.snapshot, opened.layout, keep=True)
        self.status.set_graph(opened)

    def _on_session_failed(self, request: OpenRequest | None, error: BaseException) -> None:
        current = self.session.current
        partial = current.snapshot if current is not None and current.error is error else None
        text = failure_html(request, error, still_showing=current is not None, partial=partial)
        actions = (("Try again", lambda: self.session.open(request)),) if request else ()
        if request is not None and getattr(error, "hint", "") == META_SUGGESTION:
            meta = replace(request, device="meta")  # the build did not fit in memory
            actions = (("Open without weights", lambda: self.session.open(meta)), *actions)
        self.message_bar.show_message("error", text, actions)
        if partial is not None and request is not None:
            self._show_failure(partial)
            self.setWindowTitle(f"{request.title} — {partial.mode} — failed — graphviewer")

    def _show_failure(self, snap: GraphSnapshot) -> None:
        """Select the module that raised, mark the nodes that fed its op, and go there."""
        failure, layout = snap.failure, self.canvas.layout_
        if failure is None or layout is None:
            return
        self.inspector.set_highlighted(failure.input_nodes)
        keys = [drawn_item(snap, layout, n) for n in failure.input_nodes]
        if failure.module is not None and failure.module in snap.modules:
            self.inspector.select_module(failure.module, zoom=False)
            keys.append(module_key(layout, failure.module))  # no box if it made no node yet
        rects = [r for k in keys if k and (r := self.canvas.box_rect(k)) is not None]
        if rects:
            self.canvas.focus_rect(reduce(QRectF.united, rects), min_scale=1.0)

    def _on_session_needs_trust(self, request: OpenRequest) -> None:
        assert request.path is not None
        self._asking(f"{request.path.name}: asking whether to trust it")
        if dialogs.ask_trust(self, request.path):  # the same request: depth, folding, shape kept
            self.session.open(replace(request, trust=True))

    def _ask_shape(self, request: OpenRequest, suggestion: str) -> None:
        self._on_session_needs_input(request, suggestion)

    def _on_session_needs_input(self, request: OpenRequest, suggestion: str) -> None:
        assert request.path is not None
        self._asking(f"{request.path.name}: asking for an input shape")
        shape = dialogs.ask_input_shape(self, request.path, suggestion)
        if shape is not None:  # the same request (its --model too), with an input
            self.session.open(replace(request, input_shape=shape, spec=None))

    def _asking(self, what: str) -> None:
        """While a prompt waits for the user, the status bar says so (not "opening…")."""
        self.status.set_busy(False)
        self.statusBar().showMessage(what, 5000)

    def _on_session_cancelled(self) -> None:
        self.statusBar().showMessage("cancelled", 3000)

    def _on_session_stuck(self, why: str) -> None:
        self.message_bar.show_message("info", f"<b>Still cancelling.</b> {html.escape(why)}.")

    def _on_session_idle(self) -> None:
        self.status.set_busy(False)
        self._update_enabled()

    # -- user actions --------------------------------------------------------------------------
    def _on_open_triggered(self) -> None:
        path = dialogs.choose_model_file(self, self.settings.last_folder())
        if path is not None:
            self.open_path(path)

    def _on_cancel_triggered(self) -> None:
        if self.session.busy:
            self.session.cancel()
        elif self.search_bar.isVisible():
            self._on_search_closed()

    def _on_export_triggered(self) -> None:
        current = self.session.current
        if current is None:
            return
        try:
            from graphviewer.ui.export_dialog import ExportDialog
        except ImportError:
            self.message_bar.show_message("info", "Export is not available in this build.")
            return
        from graphviewer.render.scene import GraphScene
        from graphviewer.ui.export_shape import shaper

        snap, layout = current.snapshot, current.layout
        dialog = ExportDialog(
            self,
            lambda theme: GraphScene(snap, layout, theme),
            self.canvas.visible_rect(),
            f"{current.request.title.rsplit('.', 1)[0]}-{snap.mode}",
            state=self.canvas.state,
            shaper=shaper(snap, layout.collapsed),
        )
        dialog.exec()

    def _on_show_log_triggered(self) -> None:
        from graphviewer.ui.log_view import show_log

        self.log_dialog = show_log(self)

    def _on_mode_box_changed(self, mode: str) -> None:
        self.session.set_mode(mode)  # type: ignore[arg-type]

    def _on_fold_default_triggered(self) -> None:
        current = self.session.current
        if current is not None:
            from graphviewer.core.layout import default_collapsed

            snap = current.snapshot
            self.session.set_collapsed(frozenset(default_collapsed(snap.graph, snap.modules)))

    def _on_canvas_activated(self, hit: Hit) -> None:
        module = hit.id if hit.kind == "group" else module_of_item(hit.id)
        current = self.session.current
        if module is None and hit.kind == "node" and current and hit.id in current.snapshot.graph:
            module = current.snapshot.node(hit.id).module or None  # fold the node's module
        if module is not None:
            self._toggle_fold(module)

    def _on_tree_module_activated(self, module: str) -> None:
        self._toggle_fold(module)

    def _toggle_fold(self, module: str) -> None:
        current = self.session.current
        if current is not None and module in current.snapshot.modules:
            self.session.set_collapsed(toggle_fold(current.layout, module), anchor=module)

    def _on_search_query_changed(self, query: str) -> None:
        snap = self.session.current.snapshot if self.session.current else None
        first = self.search.set_query(snap, query)
        self.inspector.set_highlighted(self.search.matches)
        self.search_bar.set_count(self.search.index, len(self.search.matches))
        if first is not None:
            self.inspector.select_node(first)

    def _on_search_step(self, delta: int) -> None:
        if not self.search_bar.isVisible():
            self.search_bar.open()
        match = self.search.step(delta)
        self.search_bar.set_count(self.search.index, len(self.search.matches))
        if match is not None:
            self.inspector.select_node(match)

    def _on_search_closed(self) -> None:
        self.search_bar.hide()
        self.inspector.set_highlighted(())
        self.canvas.setFocus()

    def _on_watcher_file_changed(self, path: str) -> None:
        if Path(path).exists() and path not in self.watcher.files():
            self.watcher.addPath(path)  # editors save by replacing the file
        current = self.session.current
        if current is not None and str(current.request.path) == path:
            self.message_bar.show_message(
                "info",
                f"<b>{html.escape(Path(path).name)}</b> changed on disk.",
                (("Reload", self.session.reload),),
            )

    def _on_theme_chosen(self, choice: ThemeChoice) -> None:
        self.settings.set_theme(choice)
        self._apply_theme(choice)

    def _on_system_scheme_changed(self, scheme: Qt.ColorScheme) -> None:
        """The OS switched light/dark: a window following the system follows it now."""
        if self.settings.theme() == "system":
            self._apply_theme("system", scheme)

    # -- helpers -------------------------------------------------------------------------------
    def _apply_theme(self, choice: ThemeChoice, scheme: Qt.ColorScheme | None = None) -> None:
        name = resolve_theme(choice, scheme)
        apply_palette(name)
        self.theme = theme_named(name)
        self.canvas.set_theme(self.theme)
        for action, c in zip(self._theme_actions, THEME_CHOICES, strict=True):
            action.setChecked(c == choice)
        fills = self.theme.category_fill
        entries = [(label, QColor(fills[cat])) for cat, label in CATEGORY_LABELS.items()]
        self.legend.set_entries(entries, QColor(self.theme.edge), legend_card(self.theme))

    def _remember(self, path: Path) -> None:
        self.settings.add_recent(path)
        self.settings.set_last_folder(path.parent)
        self._refresh_recent()
        if self.watcher.files():
            self.watcher.removePaths(self.watcher.files())
        self.watcher.addPath(str(path))

    def _refresh_recent(self) -> None:
        files = self.settings.recent_files()
        self.start_page.set_recent(files)
        fill_recent_menu(self._recent_menu, files, self.open_path, self._on_clear_recent_triggered)

    def _on_clear_recent_triggered(self) -> None:
        self.settings.clear_recent()
        self._refresh_recent()

    def _update_enabled(self) -> None:
        has_graph = self.session.current is not None
        for action in (self.actions_.reload, self.actions_.export, self.actions_.fit):
            action.setEnabled(has_graph)
        self.actions_.cancel.setEnabled(True)

    def _restore_window(self) -> None:
        geometry, state = self.settings.geometry(), self.settings.window_state()
        if geometry is not None:
            self.restoreGeometry(geometry)
        elif self.screen() is not None:  # first launch: most of the screen
            area = self.screen().availableGeometry()
            self.resize(int(area.width() * 0.9), int(area.height() * 0.9))
        # An older layout is not reused; the default one gets columns sized to this window.
        if state is None or not self.restoreState(state, DOCK_LAYOUT_VERSION):
            width = self.width()
            columns = [self.docks[0], self.docks[2]]  # Modules on the left, Details on the right
            self.resizeDocks(
                columns, [int(width * 0.22), int(width * 0.27)], Qt.Orientation.Horizontal
            )

    # -- Qt overrides --------------------------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if any(url.isLocalFile() for url in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        files = [url.toLocalFile() for url in event.mimeData().urls() if url.isLocalFile()]
        if files:
            event.acceptProposedAction()
            self.open_path(files[0])

    def closeEvent(self, event: QCloseEvent) -> None:
        self.dock_presence.show_docks()  # save the user's docks, not the start page's none
        self.settings.save_window(self.saveGeometry(), self.saveState(DOCK_LAYOUT_VERSION))
        self.session.cancel()
        super().closeEvent(event)
