"""Each sample's default export is shaped for a 16:9 slide, and every box lies inside the
picture with its frame (nothing clipped at any side)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtGui import QImage

from graphviewer.core.capture import capture_graph
from graphviewer.core.jobs import run_job
from graphviewer.core.model_file import load_model_file
from graphviewer.render.export import ExportOptions, export_graph, page_for
from graphviewer.render.page import OVERHANG
from graphviewer.render.scene import GraphScene
from graphviewer.render.snapshot_export import layout_for_export
from graphviewer.render.theme import theme_named
from tests.conftest import SAMPLES

SAMPLE_NAMES = ["mlp", "cnn", "tiny_gpt", "transformer_block", "shared_relu", "gpt2"]


@pytest.mark.parametrize("name", SAMPLE_NAMES)
@pytest.mark.parametrize("theme", ["light", "dark"])
def test_default_export_is_slide_shaped_and_unclipped(
    qapp: object, tmp_path: Path, name: str, theme: str
) -> None:
    if name == "gpt2" and importlib.util.find_spec("transformers") is None:
        pytest.skip("the GPT-2 sample needs transformers")
    snap = run_job(capture_graph(load_model_file(SAMPLES / f"{name}.py"), "train"))
    layout = layout_for_export(snap)
    scene = GraphScene(snap, layout, theme_named(theme))
    options = ExportOptions(background=theme)
    result = export_graph(scene, tmp_path / f"{name}.png", options=options)
    assert result.width >= 1.15 * result.height, f"{name}: {result.width}×{result.height}"
    # every item and group box, frame included, lands inside the image
    page = page_for(scene, options)
    dx = page.graph_at.x() - page.source.left()
    dy = page.graph_at.y() - page.source.top()
    boxes = np.concatenate([layout.boxes, layout.group_boxes])
    x0 = (boxes[:, 0] + dx - OVERHANG / 2) * result.scale
    y0 = (boxes[:, 1] + dy - OVERHANG / 2) * result.scale
    x1 = (boxes[:, 0] + boxes[:, 2] + dx + OVERHANG / 2) * result.scale
    y1 = (boxes[:, 1] + boxes[:, 3] + dy + OVERHANG / 2) * result.scale
    assert x0.min() >= 0 and y0.min() >= 0, name
    assert x1.max() <= result.width and y1.max() <= result.height, name
    image = QImage(str(result.path)).convertToFormat(QImage.Format.Format_RGB32)
    bg = image.pixel(0, 0)
    w, h = image.width(), image.height()
    for x in range(0, w, 7):
        assert image.pixel(x, h - 1) == bg and image.pixel(x, 0) == bg, f"{name}: cut at x={x}"
    for y in range(0, h, 7):
        assert image.pixel(0, y) == bg and image.pixel(w - 1, y) == bg, f"{name}: cut at y={y}"
