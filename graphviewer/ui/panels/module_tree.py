"""The module tree dock: the `nn.Module` hierarchy with in → out shapes, synced with the canvas."""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHeaderView, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

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
        header = self._tree.header()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self._items: dict[str, QTreeWidgetItem] = {}
        self._tree.itemSelectionChanged.connect(self._on_tree_selection_changed)
        self._tree.itemDoubleClicked.connect(self._on_tree_double_clicked)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._tree)

    @property
    def tree(self) -> QTreeWidget:
        return self._tree

    def set_modules(self, modules: Mapping[str, ModuleInfo], collapsed: frozenset[str]) -> None:
        """Fill the tree from a snapshot's modules (in registration pre-order)."""
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
            if parent is None:
                self._tree.addTopLevelItem(item)
            else:
                parent.addChild(item)
            self._items[info.path] = item
        self.set_collapsed(collapsed)
        self._tree.blockSignals(False)

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
