"""Edge labels (the tensor shape beside an edge's start) never lie on a box: left to right they
run along the flow into the gap before the next layer, and one a box would cover is left out."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QFontMetricsF, QImage, QPainter

from graphviewer.core.capture import capture_graph
from graphviewer.core.jobs import run_job
from graphviewer.core.model_file import load_model_file
from graphviewer.render.scene import GraphScene
from graphviewer.render.snapshot_export import layout_for_export
from graphviewer.render.state import ViewState
from graphviewer.render.text import small_font
from graphviewer.render.theme import theme_named
from tests.conftest import SAMPLES


class Recorder(QPainter):
    """A painter that notes every text written at a point."""

    def __init__(self, device: QImage) -> None:
        super().__init__(device)
        self.texts: list[tuple[float, float, str]] = []

    def drawText(self, *args: object) -> None:  # type: ignore[override]
        if len(args) == 2 and isinstance(args[0], QPointF):
            self.texts.append((args[0].x(), args[0].y(), str(args[1])))
        super().drawText(*args)  # type: ignore[call-overload]


def _labels(scene: GraphScene) -> list[QRectF]:
    """The rectangles of the edge labels `scene` writes in one full frame."""
    bounds = scene.bounds
    image = QImage(int(bounds.width()) + 40, int(bounds.height()) + 40, QImage.Format.Format_ARGB32)
    painter = Recorder(image)
    painter.translate(-bounds.topLeft() + QPointF(20, 20))
    scene.paint(painter, bounds.adjusted(-20, -20, 20, 20), 1.0, ViewState())
    painter.end()
    metrics = QFontMetricsF(small_font())
    shapes = {scene.edge_label(k) for k in range(len(scene.layout.edge_src))} - {""}
    return [
        QRectF(x, y - metrics.ascent(), metrics.horizontalAdvance(t), metrics.ascent())
        for x, y, t in painter.texts
        if t in shapes
    ]


@pytest.mark.parametrize("sample", ["mlp.py", "cnn.py", "transformer_block.py"])
@pytest.mark.parametrize("direction", ["TB", "LR"])
def test_edge_labels_lie_on_no_box(qapp: object, sample: str, direction: str) -> None:
    snap = run_job(capture_graph(load_model_file(SAMPLES / sample), "train"))
    layout = layout_for_export(snap, fit="none", direction=direction)  # type: ignore[arg-type]
    scene = GraphScene(snap, layout, theme_named("light"))
    labels = _labels(scene)
    if sample == "mlp.py" or direction == "TB":
        assert labels, "no edge label written"
    boxes = [QRectF(*b) for b in layout.boxes.tolist()]
    for rect in labels:
        hit = [b for b in boxes if b.intersects(rect)]
        assert not hit, f"{direction}: a label at {rect} lies on a box"
