"""Graphs in notebooks: a real .ipynb run by nbclient on an ipykernel shows SVG inline; short
reprs; `show()` with no display raises (no abort) and works after `export()`."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import torch
from torch import nn

import graphviewer
from graphviewer.render.notebook import GraphPicture

ROOT = Path(__file__).resolve().parents[2]


def _model() -> tuple[nn.Module, torch.Tensor]:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2)), torch.randn(3, 4)


def _env_without_display() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.pop("QT_QPA_PLATFORM", None)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env["HF_HUB_OFFLINE"] = "1"
    return env


def test_notebook_cells_show_svg_inline(tmp_path: Path) -> None:
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    code = [
        "import torch, graphviewer\nfrom torch import nn\n"
        "m = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))\nx = torch.randn(3, 4)",
        "graphviewer.graph(m, x)",
        "graphviewer.capture(m, x)",
        "graphviewer.export(m, x, 'g.svg').fmt",
    ]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in code])
    path = tmp_path / "graph.ipynb"
    nbformat.write(nb, path)
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(_env_without_display())  # the kernel inherits it: a headless server
    try:
        client = nbclient.NotebookClient(
            nb, timeout=240, kernel_name="python3", resources={"metadata": {"path": tmp_path}}
        )
        client.execute()
    finally:
        os.environ.clear()
        os.environ.update(saved)
    picture, snapshot, exported = (nb.cells[i].outputs for i in (1, 2, 3))
    for outputs in (picture, snapshot):
        data = outputs[0]["data"]
        assert "<svg" in data["image/svg+xml"]
        assert len(data["text/plain"]) < 160, data["text/plain"]
    assert "text/html" in picture[0]["data"]  # the pan-and-zoom view
    assert "GraphSnapshot 'Sequential' train" in snapshot[0]["data"]["text/plain"]
    assert exported[0]["data"]["text/plain"] == "'svg'"
    assert (tmp_path / "g.svg").stat().st_size > 1000


def test_snapshot_and_picture_reprs_are_one_short_line(qapp: object) -> None:
    model, x = _model()
    snap = graphviewer.capture(model, x)
    assert repr(snap) == "<GraphSnapshot 'Sequential' train: 9 nodes, 8 edges, 4 modules>"
    picture = graphviewer.graph(model, x, mode="eval")
    assert isinstance(picture, GraphPicture)
    assert "\n" not in repr(picture) and len(repr(picture)) < 120
    bundle = picture._repr_mimebundle_()
    assert bundle["image/svg+xml"].lstrip().startswith("<?xml")
    assert picture._repr_png_()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "<svg" in bundle["text/html"] and "<script>" in bundle["text/html"]


def test_show_without_a_display_raises_a_clear_error() -> None:
    script = textwrap.dedent(
        """
        import torch, graphviewer
        from torch import nn
        m = nn.Linear(2, 2)
        graphviewer.export(m, torch.randn(1, 2), "out.svg")
        try:
            graphviewer.show(m, torch.randn(1, 2))
        except graphviewer.ui.library_app.NoDisplayError as e:
            print("refused:", e)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        env=_env_without_display(),
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT / "tests",
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "refused: graphviewer.show() needs a display" in done.stdout
    assert "graphviewer.export" in done.stdout
    (ROOT / "tests" / "out.svg").unlink(missing_ok=True)


def test_show_after_export_opens_the_window(qapp: object, tmp_path: Path, qtbot) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from graphviewer.ui.main_window import MainWindow

    model, x = _model()
    before = [p.detach().clone() for p in model.parameters()]
    graphviewer.export(model, x, tmp_path / "g.png")
    seen: list[MainWindow] = []

    def close_when_open() -> None:
        windows = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow)]
        shown = [w for w in windows if w.isVisible()]
        if shown and not shown[-1].session.busy and shown[-1].canvas.scene is not None:
            seen.append(shown[-1])
            shown[-1].close()
        else:
            QTimer.singleShot(100, close_when_open)

    QTimer.singleShot(100, close_when_open)
    graphviewer.show(model, x)  # returns once the window closes
    assert seen
    assert all(torch.equal(a, b) for a, b in zip(before, model.parameters(), strict=True))


def test_a_picture_of_a_snapshot_alone_says_how_to_open_the_window(qapp: object) -> None:
    model, x = _model()
    picture = GraphPicture(graphviewer.capture(model, x))
    with pytest.raises(RuntimeError, match=r"graphviewer.show\(model, inputs\)"):
        picture.show()
    assert graphviewer.graph(model, x)._show is not None


def test_show_inside_a_running_qt_loop_returns_at_once(qapp: object, qtbot) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from graphviewer.ui.main_window import MainWindow

    model, x = _model()
    returned: list[bool] = []

    def call() -> None:  # runs inside the event loop qtbot.waitUntil spins
        graphviewer.show(model, x)
        returned.append(True)

    QTimer.singleShot(0, call)
    qtbot.waitUntil(lambda: bool(returned), timeout=10_000)

    def shown() -> list[MainWindow]:
        tops = QApplication.topLevelWidgets()
        return [w for w in tops if isinstance(w, MainWindow) and w.isVisible()]

    qtbot.waitUntil(lambda: bool(shown()) and shown()[-1].canvas.scene is not None, timeout=30_000)
    window = shown()[-1]
    window.close()
    assert window.session.wait_idle(10.0)
