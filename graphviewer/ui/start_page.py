"""The page an empty window shows: open a file, a recent file, or one of the samples."""

from __future__ import annotations

import ast
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

from graphviewer.ui.icons import data_dirs, icon

SAMPLES_DIR = Path(__file__).resolve().parents[2] / "samples"
_PATH_ROLE = Qt.ItemDataRole.UserRole


def samples_dir() -> Path:
    """The checkout's `samples/`, else an installed copy (`<prefix>/share/graphviewer/samples`)."""
    candidates = [SAMPLES_DIR, *data_dirs("samples")]
    return next((folder for folder in candidates if folder.is_dir()), SAMPLES_DIR)


def sample_files(folder: Path | None = None) -> list[tuple[Path, str]]:
    """The sample models with the first line of each one's docstring."""
    folder = folder if folder is not None else samples_dir()
    found = []
    for path in sorted(folder.glob("*.py")) if folder.is_dir() else []:
        if path.name.startswith("_") or path.stem == "make_variants":
            continue
        try:
            doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
        except (OSError, SyntaxError, ValueError):
            doc = ""
        found.append((path, doc.strip().splitlines()[0] if doc.strip() else ""))
    return found


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
        for path, doc in sample_files():
            self._add(self.samples, f"{path.name} — {doc}" if doc else path.name, path, doc)

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
        widget.itemActivated.connect(self._on_list_item_activated)
        widget.itemClicked.connect(self._on_list_item_activated)
        return widget

    @staticmethod
    def _add(widget: QListWidget, text: str, path: Path, doc: str = "") -> None:
        item = QListWidgetItem(text)
        item.setData(_PATH_ROLE, str(path))
        item.setToolTip(f"{doc}\n{path}" if doc else str(path))  # the list cuts long lines
        widget.addItem(item)

    def _on_list_item_activated(self, item: QListWidgetItem) -> None:
        path = item.data(_PATH_ROLE)
        if path:
            self.open_requested.emit(Path(path))


def samples_menu(parent: QWidget, open_path: Callable[[Path], None]) -> QMenu:
    """File ▸ Open Sample: the samples, reachable once the start page has given way to a graph."""
    menu = QMenu("Open &Sample", parent)
    for path, doc in sample_files():
        action = menu.addAction(path.name)
        action.setToolTip(doc)
        action.setStatusTip(doc)
        action.triggered.connect(lambda _=False, p=path: open_path(p))
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
