"""The window's small dialogs: trust a pickle, give an input shape, shortcuts, about, open file."""

from __future__ import annotations

import html
import platform
import sys
from collections.abc import Iterable
from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QInputDialog, QMessageBox, QWidget

MODEL_FILTER = "Models (*.py *.pt *.pth *.pt2 *.bin *.ckpt *.pkl);;All files (*)"


def ask_trust(parent: QWidget | None, path: Path) -> bool:
    """Ask whether to open a file that can run code (see README, Trust model); True to open it."""
    answer = QMessageBox.warning(
        parent,
        "Open a file that can run code?",
        f"<b>{html.escape(path.name)}</b> can run code when it is opened: it is a full pickle "
        "(torch.save of a whole model), a torch.export program that carries code, or an archive "
        "whose example input comes from a .py file beside it.<br>"
        "Open it only if you trust where it came from."
        "<br><br>This file can run code — open it?",
        QMessageBox.StandardButton.Open | QMessageBox.StandardButton.Cancel,
        QMessageBox.StandardButton.Cancel,
    )
    return answer == QMessageBox.StandardButton.Open


def parse_shape(text: str) -> tuple[int, ...] | None:
    """`"16, 20"` or `"16x20"` → `(16, 20)`; None when it is no shape."""
    try:
        dims = tuple(int(p) for p in text.replace("x", ",").replace(" ", ",").split(",") if p)
    except ValueError:
        return None
    return dims if dims and all(d > 0 for d in dims) else None


def ask_input_shape(parent: QWidget | None, path: Path, suggestion: str) -> tuple[int, ...] | None:
    """Ask for the shape of a random input for a model with none; None if the user cancels."""
    text = suggestion
    while True:
        text, ok = QInputDialog.getText(
            parent,
            "Input shape",
            f"{path.name} has no example input.\n"
            "Shape of a random float input tensor (e.g. 16,20):",
            text=text,
        )
        if not ok:
            return None
        shape = parse_shape(text)
        if shape is not None:
            return shape


def choose_model_file(parent: QWidget | None, folder: str) -> Path | None:
    """The standard open-file dialog filtered to model files; None if cancelled."""
    name, _ = QFileDialog.getOpenFileName(parent, "Open a model", folder, MODEL_FILTER)
    return Path(name) if name else None


def show_shortcuts(parent: QWidget | None, rows: Iterable[tuple[str, str]]) -> None:
    """List the keyboard shortcuts (action, keys) in a message box."""
    cells = "".join(
        f"<tr><td style='padding-right:16px'>{html.escape(name)}</td>"
        f"<td><b>{html.escape(keys)}</b></td></tr>"
        for name, keys in rows
    )
    box = QMessageBox(parent)
    box.setWindowTitle("Keyboard shortcuts")
    box.setText(f"<table>{cells}</table>")
    box.exec()


def versions() -> list[tuple[str, str]]:
    """Versions of graphviewer and what it runs on, for the About box and bug reports."""
    import networkx
    import numpy
    import PySide6
    from PySide6.QtCore import qVersion

    from graphviewer import __version__

    torch_version = sys.modules["torch"].__version__ if "torch" in sys.modules else "not loaded"
    return [
        ("graphviewer", __version__),
        ("PyTorch", torch_version),
        ("PySide6 / Qt", f"{PySide6.__version__} / {qVersion()}"),
        ("networkx", networkx.__version__),
        ("numpy", numpy.__version__),
        ("Python", platform.python_version()),
        ("platform", platform.platform(terse=True)),
    ]


def show_about(parent: QWidget | None) -> None:
    """The About box: what graphviewer is, and the versions."""
    rows = "".join(f"<tr><td>{k}</td><td>{html.escape(v)}</td></tr>" for k, v in versions())
    QMessageBox.about(
        parent,
        "About graphviewer",
        "<h3>graphviewer</h3><p>See what your PyTorch model really computes: the autograd "
        "graph of a real forward pass, grouped by nn.Module.</p>"
        f"<table>{rows}</table>",
    )
