"""The zoomable canvas: one widget that asks `render.scene.GraphScene` to paint what is visible.

The view is a scale and an offset (screen = scene × scale + offset). Wheel zooms around the
cursor, a left drag pans, a click selects (node, module group or edge), a double-click asks to
fold or unfold a module. Painting is the scene's job: it culls to the visible rectangle and
chooses the level of detail from the scale. When the graph is laid out again after a fold, the
view is shifted so that the folded module stays where it was on screen.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QEvent, QPoint, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QResizeEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import QToolTip, QWidget

from graphviewer.core.report import format_shapes
from graphviewer.core.types import GraphSnapshot, Layout
from graphviewer.render.scene import GraphScene, Hit, ViewState
from graphviewer.render.state import Layer, with_layers
from graphviewer.render.theme import Theme
from graphviewer.ui.graph_items import anchor_box, item_box, module_of_item
from graphviewer.ui.minimap import Minimap

MIN_SCALE, MAX_SCALE = 0.005, 8.0
ZOOM_STEP = 1.25
_DRAG_PX = 4


class GraphCanvas(QWidget):
    """Shows one laid-out graph; emits what the user clicks, double-clicks and how far they zoom."""

    clicked = Signal(object)  # Hit | None: a click selects it (None: empty space)
    activated = Signal(object)  # Hit: double-click (fold/unfold a module)
    view_changed = Signal()  # scale or offset changed
    painted = Signal(float)  # seconds the last frame with a graph took to paint
    overlay_changed = Signal(object)  # Overlay | None: what colours the boxes now (all layers)

    def __init__(self, theme: Theme, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMouseTracking(True)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setMinimumSize(200, 150)
        self._theme = theme
        self.snapshot: GraphSnapshot | None = None
        self.layout_: Layout | None = None
        self.scene: GraphScene | None = None
        self._base_state = ViewState()
        self.layers: dict[str, Layer] = {}  # panel name -> what it shows over the graph
        self.state = ViewState()
        self.scale = 1.0
        self.offset = QPointF(0, 0)
        self._press: QPoint | None = None
        self._press_offset = QPointF()
        self._dragging = False
        self._empty_text = ""
        self.minimap = Minimap(self)
        self.minimap.pan_requested.connect(self.center_at)

    # -- content -------------------------------------------------------------------------------
    def set_graph(
        self,
        snapshot: GraphSnapshot,
        layout: Layout,
        *,
        keep_module: str | None = None,
        keep_view: bool = False,
    ) -> None:
        """Show `layout` of `snapshot`: at its first view, with module `keep_module` where it
        was, or (`keep_view`: the same model again, in another mode) at the same zoom and place."""
        before = self._screen_anchor(keep_module) if keep_module is not None else None
        self.snapshot, self.layout_ = snapshot, layout
        self.scene = GraphScene(snapshot, layout, self._theme)
        self.minimap.set_scene(self.scene)
        if before is not None and keep_module is not None:
            box = anchor_box(layout, keep_module)
            if box is not None:
                # The module's top-centre stays under the same screen point.
                self.offset = before - QPointF(box[0] + box[2] / 2, box[1]) * self.scale
            else:
                self.fit()
        elif not keep_view:
            self.first_view()
        self._changed()

    def first_view(self, readable: float = 0.45) -> None:
        """Fit the graph; if that makes it unreadably small, show its top at a readable zoom."""
        self.fit()
        if self.scene is None or self.scale >= readable:
            return
        bounds = self.scene.bounds
        width_scale = (self.width() - 48) / max(bounds.width(), 1)
        self.scale = min(max(width_scale, readable), 1.0)
        top = QPointF(bounds.center().x(), bounds.top() - 24 / self.scale)
        self.offset = QPointF(self.width() / 2, 0) - top * self.scale

    def clear_graph(self, text: str = "") -> None:
        self.snapshot = self.layout_ = self.scene = None
        self._empty_text = text
        self.minimap.set_scene(None)
        self.update()

    def set_empty_text(self, text: str) -> None:
        """The message shown when the graph has no nodes (e.g. under no_grad)."""
        self._empty_text = text
        self.update()

    def set_theme(self, theme: Theme) -> None:
        self._theme = theme
        if self.snapshot is not None and self.layout_ is not None:
            self.scene = GraphScene(self.snapshot, self.layout_, theme)
            self.minimap.set_scene(self.scene)
        self.update()

    def set_state(self, state: ViewState) -> None:
        """The selection and search highlights; the panels' layers stay drawn over them."""
        self._base_state = state
        self.state = with_layers(state, self.layers)
        self.minimap.keep_clear(self._selection_on_screen())
        self.update()

    def set_layer(self, name: str, layer: Layer | None) -> None:
        """What panel `name` shows over the graph (an overlay, dimmed items, badges, flowing
        edges); None takes it away. Only colours and marks repaint: no re-layout."""
        if layer is None:
            self.layers.pop(name, None)
        else:
            self.layers[name] = layer
        before = self.state.overlay
        self.state = with_layers(self._base_state, self.layers)
        if self.state.overlay is not before:
            self.overlay_changed.emit(self.state.overlay)
        self.update()

    # -- view ----------------------------------------------------------------------------------
    def visible_rect(self) -> QRectF:
        """The part of the scene on screen, in scene coordinates."""
        return QRectF(-self.offset / self.scale, self.size().toSizeF() / self.scale)

    def to_scene(self, point: QPointF) -> QPointF:
        return (point - self.offset) / self.scale

    def fit(self) -> None:
        """Zoom and pan so the whole graph is visible (never beyond 100 %)."""
        if self.scene is None:
            return
        self.show_rect(self.scene.bounds, max_scale=1.0)

    def show_rect(self, rect: QRectF, *, max_scale: float = MAX_SCALE, margin: float = 24) -> None:
        """Zoom to fit `rect` (scene coordinates) in the view, centred."""
        self.scale = min(max(self._fit_scale(rect, margin, max_scale), self.min_scale()), MAX_SCALE)
        self.center_at(rect.center())

    def min_scale(self) -> float:
        """How far one may zoom out: `MIN_SCALE`, or further when the graph needs it to fit.

        The fully unrolled LSTM is 870,000 scene units tall: at `MIN_SCALE` only a quarter of it
        would fit, and F would not show the whole graph.
        """
        if self.scene is None:
            return MIN_SCALE
        return min(MIN_SCALE, self._fit_scale(self.scene.bounds, 24, MAX_SCALE) / 2)

    def _fit_scale(self, rect: QRectF, margin: float, max_scale: float) -> float:
        w, h = max(self.width() - 2 * margin, 10), max(self.height() - 2 * margin, 10)
        return min(w / max(rect.width(), 1), h / max(rect.height(), 1), max_scale)

    def focus_rect(self, rect: QRectF, *, min_scale: float = 0.6) -> None:
        """Bring `rect` into the middle of the view, zooming in until it is readable."""
        if self.scale < min_scale:
            self.scale = min_scale
        if rect.width() * self.scale > self.width() or rect.height() * self.scale > self.height():
            self.show_rect(rect)
            return
        self.center_at(rect.center())

    def center_at(self, point: QPointF) -> None:
        self.offset = QPointF(self.width() / 2, self.height() / 2) - point * self.scale
        self._changed()

    def zoom_by(self, factor: float, around: QPointF | None = None) -> None:
        """Zoom by `factor`, keeping the scene point under `around` (default: centre) in place."""
        around = around if around is not None else QPointF(self.width() / 2, self.height() / 2)
        fixed = self.to_scene(around)
        self.scale = min(max(self.scale * factor, self.min_scale()), MAX_SCALE)
        self.offset = around - fixed * self.scale
        self._changed()

    def zoom_in(self) -> None:
        self.zoom_by(ZOOM_STEP)

    def zoom_out(self) -> None:
        self.zoom_by(1 / ZOOM_STEP)

    def box_rect(self, key: str) -> QRectF | None:
        """The scene rectangle of a drawn item id or an expanded group's module path."""
        box = item_box(self.layout_, key) if self.layout_ is not None else None
        return QRectF(*box) if box is not None else None

    def _screen_anchor(self, module: str) -> QPointF | None:
        box = anchor_box(self.layout_, module) if self.layout_ is not None else None
        if box is None:
            return None
        return QPointF(box[0] + box[2] / 2, box[1]) * self.scale + self.offset

    def _selection_on_screen(self) -> QRectF:
        """Where the selected items are drawn, in this widget's pixels (the first few)."""
        rect = QRectF()
        for key in sorted(self.state.selected)[:64]:
            box = self.box_rect(key) if "->" not in key else None
            if box is not None:
                screen = QRectF(box.topLeft() * self.scale + self.offset, box.size() * self.scale)
                rect = rect.united(screen) if not rect.isNull() else screen
        return rect

    def _changed(self) -> None:
        self.minimap.keep_clear(self._selection_on_screen())
        self.minimap.set_view(self.visible_rect(), self.scale)
        self.view_changed.emit()
        self.update()

    # -- Qt overrides --------------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor(self._theme.background))
        if self.scene is None or not self.layout_ or not len(self.layout_.items):
            if self._empty_text:
                painter.setPen(QColor(self._theme.text))
                painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self._empty_text)
            painter.end()
            return
        start = time.perf_counter()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, self.scale > 0.3)
        painter.translate(self.offset)
        painter.scale(self.scale, self.scale)
        self.scene.paint(painter, self.visible_rect(), self.scale, self.state)
        painter.end()
        self.painted.emit(time.perf_counter() - start)

    def resizeEvent(self, event: QResizeEvent) -> None:
        old = event.oldSize()
        if old.isValid() and old.width() > 0:  # keep the centre where it was
            centre = self.to_scene(QPointF(old.width() / 2, old.height() / 2))
            self.center_at(centre)
        self.minimap.place()
        super().resizeEvent(event)

    def wheelEvent(self, event: QWheelEvent) -> None:
        angle = event.angleDelta()
        if angle.y():
            self.zoom_by(1.0015 ** angle.y(), event.position())
        elif angle.x():  # a sideways swipe or tilt pans; zooming there surprised trackpad users
            pixels = event.pixelDelta().x() or angle.x() / 2
            self.offset += QPointF(pixels, 0)
            self._changed()
        event.accept()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() in (Qt.MouseButton.LeftButton, Qt.MouseButton.MiddleButton):
            self._press = event.position().toPoint()
            self._press_offset = QPointF(self.offset)
            self._dragging = False
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._press is not None:
            moved = event.position().toPoint() - self._press
            if self._dragging or moved.manhattanLength() > _DRAG_PX:
                self._dragging = True
                self.setCursor(Qt.CursorShape.ClosedHandCursor)
                self.offset = self._press_offset + QPointF(moved)
                self._changed()
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        click = self._press is not None and not self._dragging
        if click and event.button() == Qt.MouseButton.LeftButton:
            self.clicked.emit(self.hit_at(event.position()))
        self._press = None
        self._dragging = False
        self.unsetCursor()
        super().mouseReleaseEvent(event)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        hit = self.hit_at(event.position())
        if hit is not None:
            self.activated.emit(hit)
        event.accept()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        step, page = 60.0, self.height() * 0.9
        moves = {
            Qt.Key.Key_Left: QPointF(step, 0),
            Qt.Key.Key_Right: QPointF(-step, 0),
            Qt.Key.Key_Up: QPointF(0, step),
            Qt.Key.Key_Down: QPointF(0, -step),
            Qt.Key.Key_PageUp: QPointF(0, page),
            Qt.Key.Key_PageDown: QPointF(0, -page),
        }
        key = event.key()
        if key in moves:
            self.offset += moves[Qt.Key(key)]
            self._changed()
        elif key in (Qt.Key.Key_Home, Qt.Key.Key_End) and self.scene is not None:
            self.go_to_end(top=key == Qt.Key.Key_Home)
        else:
            super().keyPressEvent(event)

    def go_to_end(self, *, top: bool) -> None:
        """Show the top (inputs) or the bottom (outputs) of the graph at the current zoom."""
        if self.scene is None:
            return
        bounds, margin = self.scene.bounds, 24
        if top:
            y = margin - bounds.top() * self.scale
        else:
            y = self.height() - margin - bounds.bottom() * self.scale
        self.offset = QPointF(self.offset.x(), y)
        self._changed()

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip:
            pos = event.position() if hasattr(event, "position") else QPointF(event.pos())
            text = self.tooltip_at(QPointF(pos))
            if text:
                QToolTip.showText(event.globalPos(), text, self)
            else:
                QToolTip.hideText()
            return True
        return super().event(event)

    # -- hits ----------------------------------------------------------------------------------
    def hit_at(self, point: QPointF) -> Hit | None:
        """What is under the widget point `point`."""
        if self.scene is None:
            return None
        return self.scene.hit_test(self.to_scene(point))

    def tooltip_at(self, point: QPointF) -> str:
        hit = self.hit_at(point)
        snap = self.snapshot
        if hit is None or snap is None:
            return ""
        module = module_of_item(hit.id) if hit.kind != "group" else hit.id
        if module is not None and module in snap.modules:
            info = snap.modules[module]
            shapes = f"{format_shapes(info.input_shapes)} → {format_shapes(info.output_shapes)}"
            return f"{module or '(root)'}: {info.class_name}\n{shapes}"
        if hit.kind == "node" and hit.id in snap.graph:
            node = snap.node(hit.id)
            shape = format_shapes((node.shape,)) if node.shape is not None else ""
            where = f"\n{node.module}" if node.module else ""
            return f"{node.op} {shape}{where}"
        return ""
