"""Group titles stay clear of the edges entering their box (samples/mlp.py: `bn1` was struck
through); where no side is clear, the title is written over a patch of the box's fill."""

from __future__ import annotations

from PySide6.QtGui import QFontMetricsF

from graphviewer.core.capture import capture_graph
from graphviewer.core.jobs import run_job
from graphviewer.core.model_file import load_model_file
from graphviewer.render.scene import GraphScene
from graphviewer.render.snapshot_export import layout_for_export
from graphviewer.render.text import group_font
from graphviewer.render.theme import theme_named
from graphviewer.render.titles import BAND, CLEAR, place
from tests.conftest import SAMPLES


def test_group_titles_are_not_struck_through(qapp: object) -> None:
    snap = run_job(capture_graph(load_model_file(SAMPLES / "mlp.py"), "train"))
    scene = GraphScene(snap, layout_for_export(snap, fit="none"), theme_named("light"))
    font = group_font()
    metrics = QFontMetricsF(font)
    pts = scene.edge_points
    patched = 0
    for g, path in enumerate(scene.layout.group_paths):
        text, x, patch = place(scene, g, metrics, font.pixelSize())
        gx, gy, gw, _ = scene.group_rows[g]
        x1 = x + metrics.horizontalAdvance(text)
        assert gx <= x and x1 <= gx + gw, path
        inside = (
            (pts[:, 1] >= gy)
            & (pts[:, 1] <= gy + font.pixelSize() * BAND)
            & (pts[:, 0] > x - CLEAR)
            & (pts[:, 0] < x1 + CLEAR)
        )
        assert patch or not inside.any(), f"{path}: an edge runs through its title"
        patched += patch
        if path == "bn1":
            assert not patch and x > gx + 10  # moved right of the entering edge
    assert patched < len(scene.layout.group_paths)
