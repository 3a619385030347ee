"""Help ▸ Show Log: the end of graphviewer's log file in a window, and a way to its folder."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices, QFontDatabase, QTextCursor
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from graphviewer.core.log_file import log_path

TAIL_BYTES = 512_000  # the end of a long log is what a bug report needs


def read_tail(path: Path, limit: int = TAIL_BYTES) -> str:
    """The last `limit` bytes of the log as text, or a sentence saying why there is none."""
    try:
        with open(path, "rb") as f:
            f.seek(0, 2)
            size = f.tell()
            f.seek(max(0, size - limit))
            data = f.read()
    except FileNotFoundError:
        return f"No log yet: {path} has not been written."
    except OSError as exc:
        return f"{path}: cannot read the log: {exc.strerror or exc}"
    text = data.decode("utf-8", errors="replace")
    if size > limit:  # starts mid-line: drop the partial first line
        text = "…\n" + text.split("\n", 1)[-1]
    return text


class LogDialog(QDialog):
    """Shows the log's end, scrolled to the newest line; Refresh reads it again."""

    def __init__(self, parent: QWidget | None = None, path: Path | None = None) -> None:
        super().__init__(parent)
        self.path = path or log_path()
        self.setWindowTitle("graphviewer log")
        self.resize(900, 600)
        self.where = QLabel(str(self.path))
        self.where.setTextInteractionFlags(self.where.textInteractionFlags().TextSelectableByMouse)
        self.text = QPlainTextEdit(readOnly=True)
        self.text.setObjectName("logText")
        self.text.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.text.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.refresh_button = buttons.addButton("Refresh", QDialogButtonBox.ButtonRole.ActionRole)
        self.folder_button = buttons.addButton(
            "Open Folder", QDialogButtonBox.ButtonRole.ActionRole
        )
        self.refresh_button.clicked.connect(self.refresh)
        self.folder_button.clicked.connect(self._on_folder_clicked)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.where)
        layout.addWidget(self.text, 1)
        layout.addWidget(buttons)
        self.refresh()

    def refresh(self) -> None:
        for handler in _file_handlers():
            handler.flush()
        self.text.setPlainText(read_tail(self.path))
        self.text.moveCursor(QTextCursor.MoveOperation.End)

    def _on_folder_clicked(self) -> None:
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.path.parent)))


def _file_handlers() -> list[logging.Handler]:
    return list(logging.getLogger("graphviewer").handlers)


def show_log(parent: QWidget | None) -> LogDialog:
    """Open the log window (non-modal: the user can keep working and press Refresh)."""
    dialog = LogDialog(parent)
    dialog.show()
    dialog.raise_()
    return dialog
