"""The window driven as a user would: open samples, click, search, fold, see errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtWidgets import QPushButton
from pytestqt.qtbot import QtBot

from graphviewer.core.types import collapsed_id
from graphviewer.ui.main_window import MainWindow
from tests.conftest import SAMPLES
from tests.ui.conftest import OpenAndWait

FAST_SAMPLES = [
    "autograd_scalar.py",
    "cnn.py",
    "control_flow.py",
    "dead_relu.py",
    "lstm.py",
    "mlp.py",
    "nan_inf.py",
    "transformer_block.py",
    "tutorial_script.py",
]


def _screen_point(window: MainWindow, item: str) -> QPoint:
    """The canvas pixel at the centre of a drawn item (a node id or a group's module path)."""
    rect = window.canvas.box_rect(item)
    assert rect is not None, item
    return (rect.center() * window.canvas.scale + window.canvas.offset).toPoint()


@pytest.mark.parametrize("name", FAST_SAMPLES)
def test_window_opens_sample(name: str, window: MainWindow, open_and_wait: OpenAndWait) -> None:
    opened = open_and_wait(SAMPLES / name)
    assert window.stack.currentWidget() is window.canvas
    assert len(opened.layout.items) > 0
    assert f"{opened.snapshot.num_nodes:,} nodes" in window.status.counts.text()
    assert name in window.windowTitle()
    assert window.message_bar.kind != "error"  # a script stopped at its first forward says so


def click_layer1_addmm(window: MainWindow, open_and_wait: OpenAndWait, qtbot: QtBot) -> None:
    """Open the MLP, unfold everything, and click layer1's addmm on the canvas."""
    opened = open_and_wait(SAMPLES / "mlp.py")
    window.session.set_collapsed(frozenset())
    qtbot.waitUntil(lambda: not window.session.current.layout.collapsed, timeout=5000)
    addmm = next(
        n for n in opened.snapshot.nodes.values() if n.op == "addmm" and n.module == "layer1"
    )
    window.canvas.focus_rect(window.canvas.box_rect(addmm.id), min_scale=1.0)
    qtbot.mouseClick(window.canvas, Qt.MouseButton.LeftButton, pos=_screen_point(window, addmm.id))


def test_window_click_node_shows_details_and_source(
    window: MainWindow, open_and_wait: OpenAndWait, qtbot: QtBot
) -> None:
    click_layer1_addmm(window, open_and_wait, qtbot)
    text = window.details.text()
    assert "addmm" in text and "AddmmBackward0" in text and "layer1" in text
    assert "(16, 64)" in text  # output shape
    assert "saved for backward" in text
    assert window.module_tree.selected_path() == "layer1"
    assert window.source.file.endswith("mlp.py")
    line = window.source.current_line
    assert "self.layer1(x)" in Path(window.source.file).read_text().splitlines()[line - 1]


def test_window_source_line_click_selects_its_nodes(
    window: MainWindow, open_and_wait: OpenAndWait
) -> None:
    opened = open_and_wait(SAMPLES / "mlp.py")
    file = str((SAMPLES / "mlp.py").resolve())
    lines = Path(file).read_text().splitlines()
    line = next(i + 1 for i, text in enumerate(lines) if "self.layer2(h)" in text)
    window.source.show_file(file)
    window.source.line_clicked.emit(file, line)
    made = {n.id for n in opened.snapshot.nodes.values() if n.source and n.source.line == line}
    assert made
    assert window.inspector.selected
    assert "layer2" in window.details.text()


def test_window_search_steps_through_matches(
    window: MainWindow, open_and_wait: OpenAndWait, qtbot: QtBot
) -> None:
    open_and_wait(SAMPLES / "mlp.py")
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert window.search_bar.isVisible()
    qtbot.keyClicks(window.search_bar.field, "weight")
    assert len(window.search.matches) == 3  # layer1, bn1, layer2 weights
    assert window.search_bar.count.text() == "1 of 3"
    assert "weight" in window.details.text()
    qtbot.keyClick(window.search_bar.field, Qt.Key.Key_Return)
    assert window.search_bar.count.text() == "2 of 3"
    window.actions_.find_previous.trigger()
    assert window.search_bar.count.text() == "1 of 3"
    assert window.inspector.highlighted
    window.search_bar.field.setText("no such op")
    assert window.search_bar.count.text() == "no match"


def test_window_module_tree_selects_on_canvas(
    window: MainWindow, open_and_wait: OpenAndWait
) -> None:
    open_and_wait(SAMPLES / "mlp.py")
    window.module_tree.tree.setCurrentItem(window.module_tree._items["bn1"])
    assert "BatchNorm1d" in window.details.text()
    assert window.inspector.selected in ({"bn1"}, {collapsed_id("bn1")})


def test_window_double_click_folds_without_jumping(
    window: MainWindow, open_and_wait: OpenAndWait, qtbot: QtBot
) -> None:
    opened = open_and_wait(SAMPLES / "transformer_block.py")
    layout = opened.layout
    target = next(p for p in opened.snapshot.modules if p and p not in layout.collapsed)
    parent_collapsed = any(target.startswith(c + ".") for c in layout.collapsed)
    assert not parent_collapsed
    key = target if target in layout.group_paths else collapsed_id(target)
    rect = window.canvas.box_rect(key)
    corner = rect.topLeft() * window.canvas.scale + window.canvas.offset
    point = (corner + QPointF(rect.width() * window.canvas.scale / 2, 3)).toPoint()
    top = QPointF(rect.center().x(), rect.top()) * window.canvas.scale + window.canvas.offset
    with qtbot.waitSignal(window.session.relaid, timeout=10_000):
        qtbot.mouseDClick(window.canvas, Qt.MouseButton.LeftButton, pos=point)
    now = window.session.current.layout
    folded = target in now.collapsed
    assert folded != (target in layout.collapsed)
    new_key = collapsed_id(target) if folded else target
    new_rect = window.canvas.box_rect(new_key)
    new_top = QPointF(new_rect.center().x(), new_rect.top()) * window.canvas.scale
    new_top += window.canvas.offset
    assert abs(new_top.x() - top.x()) < 1 and abs(new_top.y() - top.y()) < 1
    assert window.module_tree._items[target].font(0).italic() == folded


def test_window_broken_file_shows_error_and_keeps_graph(
    window: MainWindow, open_and_wait: OpenAndWait, qtbot: QtBot
) -> None:
    opened = open_and_wait(SAMPLES / "mlp.py")
    with qtbot.waitSignal(window.session.failed, timeout=30_000):
        window.open_path(SAMPLES / "forward_raises.py")
    text = window.message_bar.text()
    assert "forward_raises.py" in text
    assert "RuntimeError" in text or "mat1 and mat2" in text
    assert "h @ self.weight" in text  # the user's own line
    assert window.session.current is opened
    assert window.canvas.snapshot is opened.snapshot
    assert window.stack.currentWidget() is window.canvas
    window.canvas.zoom_in()  # the old graph is still usable
    window.inspector.select_node(next(iter(opened.snapshot.nodes)))
    assert window.details.text()


def test_window_system_exit_in_forward_is_an_error(
    window: MainWindow, qtbot: QtBot, tmp_path: Path
) -> None:
    path = tmp_path / "exits.py"
    path.write_text(
        "import sys, torch\nfrom torch import nn\n"
        "class M(nn.Module):\n"
        "    def forward(self, x):\n"
        "        sys.exit(3)\n"
        "def build_model():\n    return M()\n"
        "def example_input():\n    return torch.randn(2, 2)\n"
    )
    with qtbot.waitSignal(window.session.failed, timeout=30_000):
        window.open_path(path)
    text = window.message_bar.text()
    assert "exits.py" in text and "exit(3)" in text and "sys.exit(3)" in text


def test_window_untrusted_pickle_asks_then_opens(
    window: MainWindow, qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import torch
    from PySide6.QtWidgets import QInputDialog, QMessageBox

    path = tmp_path / "seq.pt"
    torch.save(torch.nn.Sequential(torch.nn.Linear(8, 4), torch.nn.ReLU()), path)
    asked: list[str] = []

    def warning(parent, title, text, *args):
        asked.append(text)
        return QMessageBox.StandardButton.Open

    monkeypatch.setattr(QMessageBox, "warning", staticmethod(warning))
    monkeypatch.setattr(QInputDialog, "getText", staticmethod(lambda *a, **k: ("4,8", True)))
    with qtbot.waitSignal(window.session.opened, timeout=30_000) as blocker:
        window.open_path(path)
    assert asked and "can run code" in asked[0]
    assert blocker.args[0].request.trust
    assert blocker.args[0].snapshot.modules["0"].input_shapes == ((4, 8),)


def test_window_untrusted_pickle_refused_opens_nothing(
    window: MainWindow, qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import torch
    from PySide6.QtWidgets import QMessageBox

    path = tmp_path / "seq.pt"
    torch.save(torch.nn.Sequential(torch.nn.Linear(8, 4)), path)
    monkeypatch.setattr(
        QMessageBox, "warning", staticmethod(lambda *a: QMessageBox.StandardButton.Cancel)
    )
    with qtbot.waitSignal(window.session.idle, timeout=30_000):
        window.open_path(path)
    qtbot.wait(50)
    assert window.session.current is None and not window.session.busy


def test_window_mode_selector_recaptures(
    window: MainWindow, open_and_wait: OpenAndWait, qtbot: QtBot
) -> None:
    open_and_wait(SAMPLES / "mlp.py")
    with qtbot.waitSignal(window.session.opened, timeout=30_000) as blocker:
        window.mode_box.setCurrentText("eval")
    assert blocker.args[0].snapshot.mode == "eval"
    assert "mode: eval" in window.status.mode.text()
    with qtbot.waitSignal(window.session.opened, timeout=30_000) as blocker:
        window.mode_box.setCurrentText("no_grad")
    assert blocker.args[0].snapshot.num_nodes == 0


def test_window_recent_files_and_reload(
    window: MainWindow, open_and_wait: OpenAndWait, qtbot: QtBot
) -> None:
    open_and_wait(SAMPLES / "mlp.py")
    assert window.settings.recent_files()[0] == (SAMPLES / "mlp.py").resolve()
    assert window.start_page.recent.count() == 1
    with qtbot.waitSignal(window.session.opened, timeout=30_000):
        window.actions_.reload.trigger()


def test_window_opens_a_model_built_without_weights(
    window: MainWindow, qtbot: QtBot, tmp_path: Path
) -> None:
    from graphviewer.core.fake import VALUES_UNAVAILABLE
    from graphviewer.ui.jobs import OpenRequest

    path = tmp_path / "wide.py"
    path.write_text(
        "import torch\nfrom torch import nn\n"
        "def build_model():  # 3.6 GB of float32 weights, never allocated\n"
        "    return nn.Sequential(nn.Linear(8, 30000), nn.Linear(30000, 30000))\n"
        "def example_input():\n    return torch.randn(2, 8)\n"
    )
    with qtbot.waitSignal(window.session.opened, timeout=60_000) as blocker:
        window.open_request(OpenRequest(path, "eval", device="meta"))
    opened = blocker.args[0]
    assert opened.snapshot.stats == {} and opened.snapshot.num_nodes > 0
    assert window.message_bar.kind == "info"
    assert VALUES_UNAVAILABLE.capitalize() in window.message_bar._label.text()
    addmm = next(n for n in opened.snapshot.nodes.values() if n.op == "addmm")
    window.session.set_collapsed(frozenset())
    qtbot.waitUntil(lambda: not window.session.current.layout.collapsed, timeout=5000)
    window.canvas.focus_rect(window.canvas.box_rect(addmm.id), min_scale=1.0)
    qtbot.mouseClick(window.canvas, Qt.MouseButton.LeftButton, pos=_screen_point(window, addmm.id))
    assert "not available (built without weights" in window.details.text()


def test_window_offers_to_open_without_weights_when_a_build_runs_out_of_memory(
    window: MainWindow, qtbot: QtBot, tmp_path: Path
) -> None:
    path = tmp_path / "huge.py"
    path.write_text(
        "import torch\nfrom torch import nn\n"
        "def build_model():  # 4 EB of weights: the allocator refuses at once\n"
        "    return nn.Linear(1 << 40, 1 << 20)\n"
        "def example_input():\n    return torch.randn(1, 1 << 40)\n"
    )
    with qtbot.waitSignal(window.session.failed, timeout=60_000):
        window.open_path(path)
    assert window.message_bar.kind == "error"
    assert "--device meta" in window.message_bar._label.text()
    buttons = {b.text(): b for b in window.message_bar.findChildren(QPushButton)}
    with qtbot.waitSignal(window.session.opened, timeout=60_000) as blocker:
        qtbot.mouseClick(buttons["Open without weights"], Qt.MouseButton.LeftButton)
    assert blocker.args[0].request.device == "meta"
    assert blocker.args[0].snapshot.modules[""].output_shapes == ((1, 1 << 20),)
    assert window.message_bar.kind == "info"
