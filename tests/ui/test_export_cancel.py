"""Cancelling an export, through the real exporter: the previous file stays, no temp file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

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


def test_export_paints_a_scene_of_its_own_made_on_its_thread(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The preview's scene fills its caches on the GUI thread: the export never shares it."""
    import threading

    from PySide6.QtWidgets import QDialog

    from graphviewer.ui import export_dialog

    snapshot, layout = synthetic(50)
    made: dict[int, int] = {}  # id(scene) -> the thread that made it
    painted: list[tuple[int, int]] = []  # (id(scene), thread) of each export
    real = export_dialog.export_graph

    def factory(theme: Theme) -> GraphScene:
        scene = GraphScene(snapshot, layout, theme)
        made[id(scene)] = threading.get_ident()
        return scene

    def spying(scene: GraphScene, *args: Any, **kwargs: Any) -> Any:
        painted.append((id(scene), threading.get_ident()))
        return real(scene, *args, **kwargs)  # the real exporter writes the file

    monkeypatch.setattr(export_dialog, "export_graph", spying)
    dialog = ExportDialog(None, factory, QRectF(0, 0, 300, 200), "graph.png")
    qtbot.addWidget(dialog)
    dialog.path_edit.setText(str(tmp_path / "graph.png"))
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.result() == QDialog.DialogCode.Accepted, timeout=20_000)
    assert (tmp_path / "graph.png").stat().st_size > 0
    ((scene_id, thread),) = painted
    preview = {id(s) for s in dialog._scenes.values()}
    assert scene_id not in preview, "export_dialog.py: the export painted the preview's scene"
    assert made[scene_id] == thread != threading.get_ident(), (
        "export_dialog.py: scene made elsewhere"
    )
