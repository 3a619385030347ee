"""The page an empty window shows: open a file, a recent file, or one of the samples."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from graphviewer.core.resources import Sample, sample_files
from graphviewer.ui.icons import icon

_PATH_ROLE = Qt.ItemDataRole.UserRole


class StartPage(QWidget):
    """Open button, recent files and samples; emits the file the user picks."""

    open_requested = Signal(Path)
    browse_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        title = QLabel("<h1>graphviewer</h1><p>See what your PyTorch model really computes.</p>")
        open_button = QPushButton(icon("open"), "Open a model…", self)
        open_button.setMinimumHeight(36)
        open_button.clicked.connect(self.browse_requested)
        hint = QLabel(
            "<span style='color:gray'>or drop a .py, .pt, .pth or .pt2 file on this window</span>"
        )
        self.recent = self._list()
        self.samples = self._list()
        for sample in sample_files():
            self._add_sample(sample)

        columns = QHBoxLayout()
        for heading, widget in (("Recent files", self.recent), ("Samples", self.samples)):
            column = QVBoxLayout()
            column.addWidget(QLabel(f"<b>{heading}</b>"))
            column.addWidget(widget)
            columns.addLayout(column, 1)
        inner = QVBoxLayout()
        inner.addWidget(title)
        inner.addWidget(open_button, 0, Qt.AlignmentFlag.AlignLeft)
        inner.addWidget(hint)
        inner.addSpacing(12)
        inner.addLayout(columns, 1)
        box = QWidget(self)
        box.setLayout(inner)
        box.setMaximumWidth(1000)
        outer = QHBoxLayout(self)
        outer.setContentsMargins(40, 30, 40, 30)
        outer.addWidget(box)

    def set_recent(self, files: list[Path]) -> None:
        self.recent.clear()
        for path in files:
            self._add(self.recent, f"{path.name}  —  {path.parent}", path)
        if not files:
            item = QListWidgetItem("No recent files")
            item.setFlags(Qt.ItemFlag.NoItemFlags)
            self.recent.addItem(item)

    def _list(self) -> QListWidget:
        widget = QListWidget(self)
        # A long line ends in "…" (its tooltip holds it whole) instead of a sideways scroll.
        widget.setTextElideMode(Qt.TextElideMode.ElideRight)
        widget.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        widget.itemActivated.connect(self._on_list_item_activated)
        widget.itemClicked.connect(self._on_list_item_activated)
        return widget

    @staticmethod
    def _add(widget: QListWidget, text: str, path: Path, doc: str = "") -> None:
        item = QListWidgetItem(text)
        item.setData(_PATH_ROLE, str(path))
        item.setToolTip(f"{doc}\n{path}" if doc else str(path))  # the list cuts long lines
        widget.addItem(item)

    def _add_sample(self, sample: Sample) -> None:
        name, doc = sample.path.name, sample.summary
        hint = sample.install_hint
        if hint:  # it cannot open here yet: say what it needs, in the list and its tooltip
            text = f"{name} — needs {', '.join(sample.missing)}"
            self._add(self.samples, text, sample.path, f"{doc}\nNeeds {hint}".strip())
            item = self.samples.item(self.samples.count() - 1)
            item.setForeground(self.palette().placeholderText())
            return
        self._add(self.samples, f"{name} — {doc}" if doc else name, sample.path, doc)

    def _on_list_item_activated(self, item: QListWidgetItem) -> None:
        path = item.data(_PATH_ROLE)
        if path:
            self.open_requested.emit(Path(path))


def samples_menu(parent: QWidget, open_path: Callable[[Path], None]) -> QMenu:
    """File ▸ Open Sample: the samples, reachable once the start page has given way to a graph."""
    menu = QMenu("Open &Sample", parent)
    for sample in sample_files():
        hint = sample.install_hint
        doc = f"{sample.summary} (needs {hint})" if hint else sample.summary
        action = menu.addAction(sample.path.name + (" (needs a package)" if hint else ""))
        action.setToolTip(doc)
        action.setStatusTip(doc)
        action.triggered.connect(lambda _=False, p=sample.path: open_path(p))
    menu.setToolTipsVisible(True)
    menu.setEnabled(bool(menu.actions()))
    return menu


def fill_recent_menu(
    menu: QMenu, files: list[Path], open_path: Callable[[Path], None], clear: Callable[[], None]
) -> None:
    """File ▸ Open Recent: one entry per file (its folder in the tooltip), then "Clear"."""
    menu.clear()
    for path in files:
        action = menu.addAction(path.name)
        action.setToolTip(str(path))
        action.triggered.connect(lambda _=False, p=path: open_path(p))
    menu.addSeparator()
    menu.addAction("Clear recent files").triggered.connect(clear)
    menu.setEnabled(bool(files))
