"""Keeps one selection in step across canvas, module tree, details panel and source view.

A selection starts anywhere — a click on the canvas, a module in the tree, a line of code, a
search match — and every view shows it: the canvas highlights the drawn items, the tree selects
the module, the details panel describes it, the source view highlights the line that made it.
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QObject, QRectF, Signal

from graphviewer.core.types import GraphSnapshot, Layout
from graphviewer.render.scene import Hit, ViewState
from graphviewer.ui.canvas import GraphCanvas
from graphviewer.ui.graph_items import (
    drawn_item,
    lines_in_file,
    module_key,
    module_of_item,
    nodes_at_line,
)
from graphviewer.ui.panels.details import DetailsPanel, edge_html, module_html, node_html
from graphviewer.ui.panels.module_tree import ModuleTree
from graphviewer.ui.panels.source_view import SourceView


class Inspector(QObject):
    """The selection controller; the views stay unaware of each other."""

    selection_changed = Signal(object)  # the selected ids (frozenset[str])

    def __init__(
        self,
        canvas: GraphCanvas,
        tree: ModuleTree,
        details: DetailsPanel,
        source: SourceView,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.canvas, self.tree, self.details, self.source = canvas, tree, details, source
        self.snapshot: GraphSnapshot | None = None
        self.layout: Layout | None = None
        self.selected: frozenset[str] = frozenset()
        self.highlighted: frozenset[str] = frozenset()
        canvas.clicked.connect(self._on_canvas_clicked)
        tree.module_selected.connect(self._on_tree_module_selected)
        source.line_clicked.connect(self._on_source_line_clicked)

    def set_graph(self, snapshot: GraphSnapshot, layout: Layout, *, keep: bool = False) -> None:
        """A new graph or layout: keep what is selected when only the folding changed."""
        same = keep and snapshot is self.snapshot
        self.snapshot, self.layout = snapshot, layout
        if not same and self.tree.modules is not snapshot.modules:  # the window may have filled it
            self.tree.set_modules(snapshot.modules, layout.collapsed)
        self.tree.set_collapsed(layout.collapsed)
        if same:
            self._apply(self.selected, self.highlighted)
        else:
            self.clear()
            if snapshot.source_path and snapshot.source_path.endswith(".py"):
                self.source.show_file(
                    snapshot.source_path, lines_in_file(snapshot, snapshot.source_path)
                )

    def clear(self) -> None:
        self.details.clear()
        self.tree.select_path(None)
        self._apply(frozenset(), frozenset())

    # -- selecting -----------------------------------------------------------------------------
    def select_hit(self, hit: Hit | None) -> None:
        """Select what the canvas reported under the mouse (None clears)."""
        snap, layout = self.snapshot, self.layout
        if hit is None or snap is None or layout is None:
            self.clear()
            return
        if hit.kind == "edge":
            src = layout.items[int(layout.edge_src[hit.index])]
            dst = layout.items[int(layout.edge_dst[hit.index])]
            self.details.show_html(edge_html(snap, src, dst))
            self._apply(frozenset({hit.id}), frozenset({src, dst}))
            return
        module = hit.id if hit.kind == "group" else module_of_item(hit.id)
        if module is not None:
            self.select_module(module, zoom=False)
        else:
            self.select_node(hit.id, zoom=False)

    def select_node(self, node_id: str, *, zoom: bool = True) -> None:
        """Select one graph node: describe it, show its line, select its module in the tree."""
        snap, layout = self.snapshot, self.layout
        if snap is None or layout is None or node_id not in snap.graph:
            return
        node = snap.node(node_id)
        self.details.show_html(node_html(snap, node))
        self.tree.select_path(node.module if node.module in snap.modules else None)
        source = node.source
        self._show_source(source.file if source else None, source.line if source else 0)
        item = drawn_item(snap, layout, node_id) or node_id
        self._apply(frozenset({item}), self.highlighted)
        if zoom:
            self._zoom_to([item])

    def select_module(self, module: str, *, zoom: bool = True) -> None:
        """Select a module: its group box (expanded) or its node (collapsed)."""
        snap, layout = self.snapshot, self.layout
        if snap is None or layout is None or module not in snap.modules:
            return
        collapsed = module in layout.collapsed
        self.details.show_html(module_html(snap, snap.modules[module], collapsed))
        self.tree.select_path(module)
        key = module_key(layout, module)
        self._apply(frozenset({key}), self.highlighted)
        if zoom:
            self._zoom_to([key])

    def select_nodes(self, node_ids: Iterable[str], *, zoom: bool = True) -> None:
        """Select several nodes (a line of code made them); describe the first."""
        snap, layout = self.snapshot, self.layout
        ids = [n for n in node_ids if snap is not None and n in snap.graph]
        if snap is None or layout is None or not ids:
            return
        node = snap.node(ids[0])
        many = len(ids) > 1
        extra = f"<p style='color:gray'>{len(ids)} nodes made by this line</p>" if many else ""
        self.details.show_html(extra + node_html(snap, node))
        self.tree.select_path(node.module if node.module in snap.modules else None)
        items = {drawn_item(snap, layout, n) or n for n in ids}
        self._apply(frozenset(items), self.highlighted)
        if zoom:
            self._zoom_to(items)

    def set_highlighted(self, node_ids: Iterable[str]) -> None:
        """Mark nodes (search matches) without selecting them."""
        snap, layout = self.snapshot, self.layout
        if snap is None or layout is None:
            return
        items = {drawn_item(snap, layout, n) for n in node_ids}
        items.discard(None)
        self._apply(self.selected, frozenset(items))  # type: ignore[arg-type]

    # -- helpers -------------------------------------------------------------------------------
    def _apply(self, selected: frozenset[str], highlighted: frozenset[str]) -> None:
        self.selected, self.highlighted = selected, highlighted
        self.canvas.set_state(ViewState(selected, highlighted))
        self.selection_changed.emit(selected)

    def _show_source(self, file: str | None, line: int) -> None:
        if file is None or self.snapshot is None:
            self.source.highlight_line(0)
            return
        self.source.show_file(file, lines_in_file(self.snapshot, file))
        self.source.highlight_line(line)

    def _zoom_to(self, keys: Iterable[str]) -> None:
        rect = QRectF()
        for key in keys:
            box = self.canvas.box_rect(key)
            if box is not None:
                rect = rect.united(box) if not rect.isNull() else box
        if not rect.isNull():
            self.canvas.focus_rect(rect)

    # -- signals from the views ----------------------------------------------------------------
    def _on_canvas_clicked(self, hit: Hit | None) -> None:
        self.select_hit(hit)

    def _on_tree_module_selected(self, path: str) -> None:
        self.select_module(path)

    def _on_source_line_clicked(self, file: str, line: int) -> None:
        if self.snapshot is None:
            return
        ids = nodes_at_line(self.snapshot, file, line)
        if ids:
            self.select_nodes(ids)
            self.source.highlight_line(line)
