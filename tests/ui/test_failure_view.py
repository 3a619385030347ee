"""A failing forward in the window: the graph it built is shown, the module that raised selected."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from graphviewer.ui.graph_items import module_key
from graphviewer.ui.main_window import MainWindow
from tests.conftest import SAMPLES
from tests.ui.conftest import OpenAndWait


def test_window_failed_forward_shows_partial_graph_with_failing_module_selected(
    window: MainWindow, qtbot: QtBot
) -> None:
    with qtbot.waitSignal(window.session.failed, timeout=60_000):
        window.open_path(SAMPLES / "shape_mismatch.py")
    current = window.session.current
    assert current is not None and current.error is not None
    snap = current.snapshot
    assert snap.failure is not None and snap.failure.module == "head.fc"
    # The partial graph is what the canvas draws: convolutions, pools, the flatten.
    assert window.stack.currentWidget() is window.canvas
    assert window.canvas.snapshot is snap and snap.num_nodes > 0
    ops = {n.op for n in snap.nodes.values()}
    assert {"convolution", "relu", "view"} <= ops
    # The module that raised is selected everywhere, and the op's input node is marked.
    assert window.module_tree.selected_path() == "head.fc"
    assert window.inspector.selected == frozenset({module_key(current.layout, "head.fc")})
    assert "head.fc" not in current.layout.collapsed and "head" not in current.layout.collapsed
    assert window.inspector.highlighted, "the node that fed the failing op is not marked"
    assert "head.fc" in window.details.text() and "Linear" in window.details.text()
    # The view went to where it failed: the node that fed the op is on screen.
    (fed,) = snap.failure.input_nodes
    box = window.canvas.box_rect(fed)
    assert box is not None
    centre = box.center() * window.canvas.scale + window.canvas.offset
    assert window.canvas.rect().contains(centre.toPoint()), "the failing spot is off screen"
    # The bar above names the file, the cause and the user's line.
    text = window.message_bar.text()
    assert window.message_bar.kind == "error"
    assert "shape_mismatch.py" in text and "mat1 and mat2 shapes cannot be multiplied" in text
    assert "shape_mismatch.py:25" in text and "self.fc(self.flatten(x))" in text
    assert "head.fc (Linear), selected, raised in linear on (4, 784)" in text
    assert "failed" in window.windowTitle()


def test_window_failed_forward_then_good_file_clears_the_failure(
    window: MainWindow, open_and_wait: OpenAndWait, qtbot: QtBot
) -> None:
    with qtbot.waitSignal(window.session.failed, timeout=60_000):
        window.open_path(SAMPLES / "shape_mismatch.py")
    opened = open_and_wait(SAMPLES / "cnn.py")
    assert opened.error is None and opened.snapshot.failure is None
    assert window.message_bar.kind == ""
    assert "failed" not in window.windowTitle()
