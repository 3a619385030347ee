"""PNG exports hold everything the scene paints: no frame or label cut at the right or bottom.

The reference is the scene painted with no clip at all onto a roomy image: its content box (in
scene units) must land inside the exported PNG, and the PNG's outermost rows and columns must be
background.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QRectF
from PySide6.QtGui import QImage, QPainter

from graphviewer.core.capture import capture_model
from graphviewer.core.model_file import load_model_file
from graphviewer.core.types import collapsed_id
from graphviewer.render import export as export_mod
from graphviewer.render.export import ExportOptions, export_graph, page_for
from graphviewer.render.scene import GraphScene, ViewState
from graphviewer.render.snapshot_export import layout_for_export
from graphviewer.render.theme import theme_named
from tests.conftest import SAMPLES

SCALE = 2.0


def _pixels(image: QImage) -> np.ndarray:
    image = image.convertToFormat(QImage.Format.Format_RGBA8888)
    w, h = image.width(), image.height()
    data = np.frombuffer(image.constBits(), np.uint8, image.bytesPerLine() * h)
    # a copy: the converted image (and the memory the view reads) goes when this returns
    return data.reshape(h, image.bytesPerLine())[:, : w * 4].reshape(h, w, 4).copy()


def _content(pixels: np.ndarray, background: np.ndarray) -> tuple[int, int, int, int]:
    """(x0, y0, x1, y1) of the pixels that differ from `background` (x1, y1 exclusive)."""
    ys, xs = np.nonzero(np.any(pixels != background, axis=2))
    return int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1


def _painted_extent(scene: GraphScene, state: ViewState) -> QRectF:
    """Where the scene's paint lands, in scene units, painted with no clip (transparent)."""
    pad = 100.0
    area = scene.bounds.adjusted(-pad, -pad, pad, pad)
    image = QImage(
        int(area.width() * SCALE), int(area.height() * SCALE), QImage.Format.Format_RGBA8888
    )
    image.fill(0)
    painter = QPainter(image)
    painter.scale(SCALE, SCALE)
    painter.translate(-area.topLeft())
    scene.paint(painter, area, SCALE, ViewState(state.selected, state.highlighted, True))
    painter.end()
    x0, y0, x1, y1 = _content(_pixels(image), np.zeros(4, np.uint8))
    return QRectF(x0 / SCALE, y0 / SCALE, (x1 - x0) / SCALE, (y1 - y0) / SCALE).translated(
        area.topLeft()
    )


@pytest.fixture(scope="module")
def cnn_scene(qapp: object) -> GraphScene:
    """samples/cnn.py folded to depth 0: a column of collapsed-module cards, `fc` last."""
    spec = load_model_file(SAMPLES / "cnn.py")
    assert spec.model is not None
    snap = capture_model(spec.model, spec.args, stats=False)
    return GraphScene(snap, layout_for_export(snap, depth=0), theme_named("light"))


@pytest.mark.parametrize("banded", [False, True], ids=["one-image", "banded"])
@pytest.mark.parametrize("marked", [False, True], ids=["plain", "selected"])
def test_png_bounds_hold_every_frame(
    cnn_scene: GraphScene,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    banded: bool,
    marked: bool,
) -> None:
    scene = cnn_scene
    fc, relu2 = collapsed_id("fc"), collapsed_id("relu2")
    state = ViewState(frozenset({fc}), frozenset({relu2})) if marked else ViewState()
    if banded:
        monkeypatch.setattr(export_mod, "SINGLE_IMAGE_PIXELS", 1000)
    options = ExportOptions(scale=SCALE, include_title=False, include_legend=False, state=state)
    result = export_graph(scene, tmp_path / "cnn.png", options=options)
    assert result.banded == banded
    pixels = _pixels(QImage(str(tmp_path / "cnn.png")))
    background = pixels[0, 0].copy()
    assert tuple(background[:3]) == scene.theme.background.getRgb()[:3]
    h, w = pixels.shape[:2]
    for name, edge in (
        ("top row", pixels[0]),
        ("bottom row", pixels[-1]),
        ("left column", pixels[:, 0]),
        ("right column", pixels[:, -1]),
    ):
        assert np.all(edge == background), f"cnn.png: paint reaches the {name}"
    # everything the scene paints, placed on the page, lies inside the picture's content
    page = page_for(scene, options)
    extent = _painted_extent(scene, state).translated(page.graph_at - page.source.topLeft())
    x0, y0, x1, y1 = _content(pixels, background)
    want = [extent.left() * SCALE, extent.top() * SCALE]
    want += [extent.right() * SCALE, extent.bottom() * SCALE]
    got = (x0, y0, x1, y1)
    assert got[0] <= want[0] + 1 and got[1] <= want[1] + 1, (
        f"cnn.png: cut at the top/left {got} {want}"
    )
    assert got[2] >= want[2] - 1 and got[3] >= want[3] - 1, (
        f"cnn.png: cut at the right/bottom: content ends at {got[2:]}, the scene paints to "
        f"{tuple(round(v) for v in want[2:])}"
    )
    assert x0 > 0 and y0 > 0 and x1 < w and y1 < h
