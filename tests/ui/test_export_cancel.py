"""Cancelling an export, through the real exporter: the previous file stays, no temp file."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QRectF, Qt
from pytestqt.qtbot import QtBot

from graphviewer.core.errors import Cancelled
from graphviewer.core.jobs import CancelToken
from graphviewer.core.types import GraphSnapshot, Layout
from graphviewer.render.export import export_graph
from graphviewer.render.scene import GraphScene
from graphviewer.render.theme import Theme, theme_named
from graphviewer.ui.export_dialog import ExportDialog
from tests.render.conftest import synthetic

OLD = b"the previous export, to be kept"


@pytest.fixture(scope="module")
def big(qapp: object) -> tuple[GraphSnapshot, Layout]:
    """A graph whose SVG or PDF takes about a second to paint: a cancel lands while it paints."""
    return synthetic(4000)


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".part"))


@pytest.mark.parametrize("fmt", ["png", "svg", "pdf"])
def test_cancelled_export_writes_nothing(
    big: tuple[GraphSnapshot, Layout], tmp_path: Path, fmt: str
) -> None:
    target = tmp_path / f"graph.{fmt}"
    target.write_bytes(OLD)
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        export_graph(GraphScene(*big, theme_named("light")), target, cancel=token)
    assert target.read_bytes() == OLD, f"{target.name}: a cancelled export replaced the file"
    assert _leftovers(tmp_path) == [], f"{tmp_path}: temp files left behind"


@pytest.mark.parametrize("fmt", ["svg", "pdf"])
def test_export_dialog_cancel_keeps_the_previous_file(
    qtbot: QtBot, big: tuple[GraphSnapshot, Layout], tmp_path: Path, fmt: str
) -> None:
    def factory(theme: Theme) -> GraphScene:
        return GraphScene(*big, theme)

    target = tmp_path / f"graph.{fmt}"
    target.write_bytes(OLD)
    dialog = ExportDialog(None, factory, QRectF(0, 0, 300, 200), "graph.png")
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.format_box.setCurrentIndex(dialog.format_box.findData(fmt))
    dialog.path_edit.setText(str(target))
    with qtbot.waitSignal(dialog._worker.ended, timeout=30_000) as ended:
        qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
        assert dialog._worker.busy
        qtbot.mouseClick(
            dialog.buttons.button(dialog.buttons.StandardButton.Cancel), Qt.MouseButton.LeftButton
        )
    assert ended.args[1] == "cancelled", f"export_dialog.py: the export {ended.args[1]}"
    assert target.read_bytes() == OLD, f"{target.name}: a cancelled export replaced the file"
    assert _leftovers(tmp_path) == [], f"{tmp_path}: temp files left behind"
    assert "nothing was written" in dialog.error_label.text()
    assert dialog.isVisible()  # the first Cancel stops the export; the dialog stays
