"""The module tree dock: the `nn.Module` hierarchy with in → out shapes, synced with the canvas."""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDockWidget,
    QHeaderView,
    QMainWindow,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from graphviewer.core.report import format_shapes
from graphviewer.core.types import ModuleInfo

_PATH_ROLE = Qt.ItemDataRole.UserRole


class ModuleTree(QWidget):
    """Lists the modules; selecting one here or on the canvas selects it in both."""

    module_selected = Signal(str)  # module path ("" is the root)
    module_activated = Signal(str)  # double-click: fold or unfold it on the canvas

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._tree = QTreeWidget(self)
        self._tree.setColumnCount(3)
        self._tree.setHeaderLabels(["Module", "Class", "In → Out"])
        self._tree.setUniformRowHeights(True)
        self._tree.setAlternatingRowColors(True)
        # Every column as wide as its text: a narrow dock scrolls sideways instead of cutting
        # the shapes off, and each cell's tooltip holds its whole text.
        header = self._tree.header()
        header.setStretchLastSection(False)
        for column in range(3):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self._items: dict[str, QTreeWidgetItem] = {}
        self.modules: Mapping[str, ModuleInfo] | None = None  # what the tree shows
        self._tree.itemSelectionChanged.connect(self._on_tree_selection_changed)
        self._tree.itemDoubleClicked.connect(self._on_tree_double_clicked)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._tree)

    @property
    def tree(self) -> QTreeWidget:
        return self._tree

    def width_for_columns(self) -> int:
        """The width that shows every column whole (for sizing the dock once filled)."""
        columns = sum(self._tree.header().sectionSize(c) for c in range(3))
        frame = 2 * self._tree.frameWidth() + self._tree.verticalScrollBar().sizeHint().width()
        return columns + frame

    def set_modules(self, modules: Mapping[str, ModuleInfo], collapsed: frozenset[str]) -> None:
        """Fill the tree from a snapshot's modules (in registration pre-order)."""
        self.modules = modules
        self._tree.blockSignals(True)
        self._tree.clear()
        self._items.clear()
        for info in modules.values():
            parent = self._items.get(info.parent) if info.parent is not None else None
            shapes = f"{format_shapes(info.input_shapes)} → {format_shapes(info.output_shapes)}"
            if not info.observed:
                shapes = "(not observed)"
            elif not info.calls:
                shapes = "(not called)"
            name = info.name if info.path else info.class_name
            item = QTreeWidgetItem([name, info.class_name, shapes])
            item.setData(0, _PATH_ROLE, info.path)
            item.setToolTip(0, info.path or "(root)")
            item.setToolTip(1, info.class_name)
            item.setToolTip(2, shapes)
            if parent is None:
                self._tree.addTopLevelItem(item)
            else:
                parent.addChild(item)
            self._items[info.path] = item
        self.set_collapsed(collapsed)
        self._tree.blockSignals(False)
        self._widen_dock()

    def _widen_dock(self) -> None:
        """Widen the dock holding the tree until every column shows whole, up to 35 % of the
        window; never narrower than the user made it."""
        dock = self.parentWidget()
        window = dock.parentWidget() if isinstance(dock, QDockWidget) else None
        if not isinstance(window, QMainWindow) or dock.isFloating():
            return
        want = min(self.width_for_columns(), int(window.width() * 0.35))
        if want > dock.width():
            window.resizeDocks([dock], [want], Qt.Orientation.Horizontal)

    def set_collapsed(self, collapsed: frozenset[str]) -> None:
        """Mirror the canvas folding: collapsed modules show closed, the others open."""
        for path, item in self._items.items():
            item.setExpanded(path not in collapsed)
            font = item.font(0)
            font.setItalic(path in collapsed)
            item.setFont(0, font)

    def select_path(self, path: str | None) -> None:
        """Select (and reveal) a module without emitting `module_selected`; None clears."""
        self._tree.blockSignals(True)
        self._tree.clearSelection()
        item = self._items.get(path) if path is not None else None
        if item is not None:
            item.setSelected(True)
            self._tree.scrollToItem(item)
        self._tree.blockSignals(False)

    def selected_path(self) -> str | None:
        items = self._tree.selectedItems()
        return str(items[0].data(0, _PATH_ROLE)) if items else None

    def _on_tree_selection_changed(self) -> None:
        path = self.selected_path()
        if path is not None:
            self.module_selected.emit(path)

    def _on_tree_double_clicked(self, item: QTreeWidgetItem, _column: int) -> None:
        self.module_activated.emit(str(item.data(0, _PATH_ROLE)))
