"""The lesson panel: a step's text, what the user is asked to do (ticked when done), Back/Next."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from graphviewer.core.lessons import Command, Lesson


class LessonPanel(QWidget):
    """Shows one step of a lesson; the controller runs the step's actions."""

    back_requested = Signal()
    next_requested = Signal()
    again_requested = Signal()  # run the step's actions again

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = QLabel(self)
        self.title.setWordWrap(True)
        self.title.setTextFormat(Qt.TextFormat.RichText)
        self.counter = QLabel(self)
        self.text = QTextBrowser(self)
        self.text.setOpenExternalLinks(True)
        self.task = QLabel(self)
        self.task.setWordWrap(True)
        self.task.setTextFormat(Qt.TextFormat.RichText)
        self.problem = QLabel(self)
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet("color: #c0392b")
        self.problem.hide()
        self.back = QPushButton("◀ Back", self)
        self.again = QPushButton("Do it again", self)
        self.next = QPushButton("Next ▶", self)
        self.back.setToolTip("The previous step (Alt+Left)")
        self.next.setToolTip("The next step (Alt+Right)")
        self.again.setToolTip("Run this step's actions again")
        self.back.setShortcut("Alt+Left")
        self.next.setShortcut("Alt+Right")
        self.back.clicked.connect(self.back_requested)
        self.next.clicked.connect(self.next_requested)
        self.again.clicked.connect(self.again_requested)
        buttons = QHBoxLayout()
        buttons.addWidget(self.back)
        buttons.addStretch(1)
        buttons.addWidget(self.again)
        buttons.addWidget(self.next)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.counter)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.task)
        layout.addWidget(self.problem)
        layout.addLayout(buttons)

    def show_step(self, lesson: Lesson, index: int) -> None:
        step = lesson.steps[index]
        last = index == len(lesson.steps) - 1
        self.title.setText(f"<b>{html.escape(lesson.title)}</b>")
        self.counter.setText(f"Step {index + 1} of {len(lesson.steps)} — {step.title}")
        intro = f"{lesson.intro}\n\n" if index == 0 and lesson.intro else ""
        self.text.setMarkdown(intro + step.text)
        self.back.setEnabled(index > 0)
        self.next.setText("Finish" if last else "Next ▶")
        self.again.setVisible(bool(step.actions))
        self.problem.hide()

    def show_checks(self, checks: tuple[Command, ...], met: list[bool]) -> None:
        """What the user is asked to do, each item ticked once it is done."""
        if not checks:
            self.task.clear()
            self.task.hide()
            return
        rows = [
            f"{'✓' if ok else '○'} {html.escape(task_words(c))}"
            for c, ok in zip(checks, met, strict=True)
        ]
        head = "<b>Done.</b>" if all(met) else "<b>Your turn:</b>"
        self.task.setText(head + "<br>" + "<br>".join(rows))
        self.task.show()

    def show_problem(self, why: str) -> None:
        self.problem.setText(why)
        self.problem.show()


def task_words(check: Command) -> str:
    """A check as the user reads it: "select the module act1"."""
    args = check.args
    if check.verb == "selected":
        return f"select the module {args[1]}" if args[0] == "module" else f"select a {args[1]} node"
    if check.verb == "mode":
        return f"switch to {args[0]}"
    if check.verb in ("folded", "unfolded"):
        return f"{check.verb[:-2]} {args[0]}"
    if check.verb == "opened":
        return f"open {args[0]}"
    if check.verb == "backward":
        return f"step the backward pass to step {args[1]}"
    return str(check)
