"""An export of a view coloured by a statistic carries the overlay's colour bar as its legend."""

from __future__ import annotations

from pathlib import Path

from graphviewer.core.types import GraphSnapshot, Layout
from graphviewer.render.export import ExportOptions, export_graph
from graphviewer.render.scene import GraphScene
from graphviewer.render.state import ViewState
from graphviewer.render.theme import theme_named
from graphviewer.ui.activation_overlay import overlay_for


def test_export_with_an_overlay_draws_its_colour_bar(
    mlp_snapshot: GraphSnapshot, mlp_layout: Layout, tmp_path: Path
) -> None:
    scene = GraphScene(mlp_snapshot, mlp_layout, theme_named("light"))
    overlay = overlay_for(mlp_snapshot, mlp_layout, "std")
    assert overlay is not None and overlay.values
    out = tmp_path / "std.svg"
    export_graph(scene, out, options=ExportOptions(state=ViewState(overlay=overlay)))
    text = out.read_text()
    assert "std of output" in text and "matmul / linear" not in text
    plain = tmp_path / "plain.svg"
    export_graph(scene, plain)
    assert "std of output" not in plain.read_text() and "matmul" in plain.read_text()
