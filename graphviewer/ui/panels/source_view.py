"""The source dock: the user's code with the selected node's line highlighted; click a line."""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontDatabase,
    QMouseEvent,
    QPalette,
    QTextCursor,
    QTextFormat,
)
from PySide6.QtWidgets import QLabel, QPlainTextEdit, QTextEdit, QVBoxLayout, QWidget

from graphviewer.ui.panels.python_highlight import PythonHighlighter, python_spans


def _theme_of(palette: QPalette) -> str:
    """ "dark" when the widgets' window colour is dark, else "light"."""
    return "dark" if palette.window().color().lightnessF() < 0.5 else "light"


class _CodeEdit(QPlainTextEdit):
    """A read-only code view that reports the line a user clicks."""

    line_clicked = Signal(int)  # 1-based

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        super().mouseReleaseEvent(event)
        if event.button() == Qt.MouseButton.LeftButton and not self.textCursor().hasSelection():
            cursor = self.cursorForPosition(event.position().toPoint())
            self.line_clicked.emit(cursor.blockNumber() + 1)


class SourceView(QWidget):
    """Shows one source file; lines that made nodes are tinted, the current one highlighted."""

    line_clicked = Signal(str, int)  # file, 1-based line

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._file = ""
        self._node_lines: frozenset[int] = frozenset()
        self._current = 0
        self._title = QLabel("No source", self)
        self._title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._edit = _CodeEdit(self)
        self._edit.setReadOnly(True)
        self._edit.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        font: QFont = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        self._edit.setFont(font)
        self._edit.line_clicked.connect(self._on_edit_line_clicked)
        self.highlighter = PythonHighlighter(self._edit.document(), _theme_of(self.palette()))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self._title)
        layout.addWidget(self._edit)

    @property
    def file(self) -> str:
        return self._file

    @property
    def current_line(self) -> int:
        return self._current

    def show_file(self, file: str, node_lines: Collection[int] = ()) -> None:
        """Show `file` (if not shown already), tinting `node_lines` (lines that created ops)."""
        if file != self._file:
            try:
                text = Path(file).read_text(encoding="utf-8", errors="replace")
            except OSError as exc:
                text = f"# cannot read {file}: {exc.strerror}"
            self._file = file
            self._current = 0
            self._edit.setPlainText(text)
            self.highlighter.set_text_spans(python_spans(text) if file.endswith(".py") else {})
            self._title.setText(Path(file).name)
            self._title.setToolTip(file)
        self._node_lines = frozenset(node_lines)
        self._paint_lines()

    def highlight_line(self, line: int) -> None:
        """Highlight `line` (1-based; 0 for none) and scroll it into the middle of the view."""
        self._current = line
        self._paint_lines()
        if line > 0:
            block = self._edit.document().findBlockByNumber(line - 1)
            cursor = QTextCursor(block)
            self._edit.setTextCursor(cursor)
            self._edit.centerCursor()

    def _paint_lines(self) -> None:
        tint = self.palette().highlight().color()
        selections = []
        for line in sorted(self._node_lines | ({self._current} if self._current else set())):
            block = self._edit.document().findBlockByNumber(line - 1)
            if not block.isValid():
                continue
            sel = QTextEdit.ExtraSelection()
            color = QColor(tint)
            color.setAlpha(110 if line == self._current else 28)
            sel.format.setBackground(color)
            sel.format.setProperty(QTextFormat.Property.FullWidthSelection, True)
            sel.cursor = QTextCursor(block)
            selections.append(sel)
        self._edit.setExtraSelections(selections)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.PaletteChange:  # the theme changed: colours follow
            self.highlighter.set_theme(_theme_of(self.palette()))
            self._paint_lines()
        super().changeEvent(event)

    def _on_edit_line_clicked(self, line: int) -> None:
        if self._file:
            self.line_clicked.emit(self._file, line)
