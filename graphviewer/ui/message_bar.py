"""A bar above the canvas for what the user should read now: an error, or "file changed"."""

from __future__ import annotations

import html
from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QToolButton, QWidget

from graphviewer.core.errors import GraphviewerError
from graphviewer.core.types import ForwardFailure, GraphSnapshot
from graphviewer.ui.icons import icon
from graphviewer.ui.jobs import OpenRequest

_STYLES = {
    "error": "background:#fbe3e3; color:#5c1a1a; border-bottom:1px solid #e0a0a0;",
    "info": "background:#e6f0fb; color:#1a3a5c; border-bottom:1px solid #a0c0e0;",
}


class MessageBar(QFrame):
    """One message with optional action buttons; hidden until `show_message`."""

    dismissed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.kind = ""
        self._label = QLabel(self)
        self._label.setWordWrap(True)
        self._label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._actions = QHBoxLayout()
        close = QToolButton(self)
        close.setIcon(icon("close"))
        close.setAutoRaise(True)
        close.setToolTip("Dismiss")
        close.clicked.connect(self._on_close_clicked)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 6, 6)
        layout.addWidget(self._label, 1)
        layout.addLayout(self._actions)
        layout.addWidget(close, 0, Qt.AlignmentFlag.AlignTop)
        self.hide()

    def show_message(
        self, kind: str, html: str, actions: tuple[tuple[str, Callable[[], None]], ...] = ()
    ) -> None:
        """Show `html` styled as `kind` ("error" or "info") with buttons (label, callback)."""
        self.kind = kind
        self.setStyleSheet(f"MessageBar {{{_STYLES.get(kind, '')}}} QLabel {{ color: inherit; }}")
        self._label.setText(html)
        while self._actions.count():
            item = self._actions.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        for label, callback in actions:
            button = QPushButton(label, self)
            button.clicked.connect(callback)
            self._actions.addWidget(button)
        self.show()

    def text(self) -> str:
        """The message as plain text (for tests)."""
        from PySide6.QtGui import QTextDocument

        doc = QTextDocument()
        doc.setHtml(self._label.text())
        return doc.toPlainText()

    def clear(self) -> None:
        self.kind = ""
        self.hide()

    def _on_close_clicked(self) -> None:
        self.clear()
        self.dismissed.emit()


def failure_html(
    request: OpenRequest | None,
    error: BaseException,
    *,
    still_showing: bool,
    partial: GraphSnapshot | None = None,
) -> str:
    """The error bar's text for a failed open: the file, where, the cause (and the user's line).

    With `partial` (what a failed forward built, shown below the bar) it says so and names the
    module and op that raised and the shapes that flowed into it."""
    name = request.title if request is not None else "the layout"
    if isinstance(error, GraphviewerError):
        cause = error.cause + (f" ({error.hint})" if error.hint else "")
        where = error.path or (str(request.path) if request and request.path else "")
    else:
        cause = f"{type(error).__name__}: {error}"
        where = str(request.path) if request and request.path else ""
    failure = partial.failure if partial is not None else None
    if failure is not None:
        text = f"<b>The forward of {html.escape(name)} failed</b>"
    else:
        text = f"<b>Could not open {html.escape(name)}</b>"
    if where:
        text += f" <span style='color:gray'>({html.escape(where)})</span>"
    text += f"<br>{html.escape(cause)}"
    if partial is not None and failure is not None:
        text += f"<br><i>{html.escape(_partial_note(partial, failure))}</i>"
    elif still_showing:
        text += "<br><i>The graph below is the last one that opened.</i>"
    return text


def _partial_note(partial: GraphSnapshot, failure: ForwardFailure) -> str:
    """`The graph below is what the forward built before it failed; head.fc (Linear), selected,
    raised in linear on (4, 784), (10, 1024), (10,).`"""
    from graphviewer.core.report import format_shapes

    note = "The graph below is what the forward built before it failed"
    if failure.module is None:
        return note + "."
    info = partial.modules.get(failure.module)
    cls = f" ({info.class_name})" if info is not None else ""
    note += f"; {failure.module or '(root)'}{cls}, selected, raised"
    if failure.op:
        note += f" in {failure.op}"
    if failure.input_shapes:
        note += f" on {format_shapes(failure.input_shapes)}"
    return note + "."
