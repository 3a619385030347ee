"""Folded module cards are tinted by the main kind of op inside, and the legend lists it."""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QImage, QPainter

from graphviewer.core.capture import capture_model
from graphviewer.core.model_file import load_model_file
from graphviewer.core.types import collapsed_id
from graphviewer.render.export import ExportOptions, page_for
from graphviewer.render.modules import CATEGORIES, dominant, tint
from graphviewer.render.scene import GraphScene, ViewState
from graphviewer.render.snapshot_export import layout_for_export
from graphviewer.render.theme import theme_named
from tests.conftest import SAMPLES


def _cnn_scene(theme: str = "light") -> GraphScene:
    spec = load_model_file(SAMPLES / "cnn.py")
    snap = capture_model(spec.model, spec.args, stats=False)
    return GraphScene(snap, layout_for_export(snap, depth=0), theme_named(theme))


def test_module_cards_take_their_main_kind(qapp: object) -> None:
    scene = _cnn_scene()
    main = dominant(scene.module_shares)
    kind = {scene.layout.items[k]: CATEGORIES[c] for k, c in enumerate(main.tolist()) if c >= 0}
    assert kind[collapsed_id("conv1")] == "conv"
    assert kind[collapsed_id("bn1")] == "normalization"
    assert kind[collapsed_id("relu1")] == "activation"
    assert kind[collapsed_id("fc")] == "matmul"  # its addmm, though the graph's output
    assert np.allclose(scene.module_shares[main >= 0].sum(axis=1), 1.0)


def test_module_cards_are_painted_in_their_tint_and_the_legend_says_so(qapp: object) -> None:
    scene = _cnn_scene()
    k = scene.layout.items.index(collapsed_id("conv1"))
    x, y, w, h = scene.layout.boxes[k]
    image = QImage(int(w) + 20, int(h) + 20, QImage.Format.Format_RGB32)
    image.fill(0)
    painter = QPainter(image)
    painter.translate(10 - x, 10 - y)
    scene.paint(painter, scene.bounds, 1.0, ViewState())
    painter.end()
    # the card's fill, between the inner frame and the label, is the convolution tint
    colour = image.pixelColor(10 + 8, 10 + int(h) // 2)
    want = tint(scene.theme, CATEGORIES.index("conv"))
    assert abs(colour.red() - want.red()) <= 2 and abs(colour.green() - want.green()) <= 2
    labels = [e[0] for e in page_for(scene, ExportOptions()).legend]
    assert "convolution" in labels and "normalisation" in labels
    assert any(label.startswith("collapsed module") for label in labels)
