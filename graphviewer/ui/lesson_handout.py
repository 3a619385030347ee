"""A lesson as a handout: every step's text beside the picture the app showed at that step.

`graphviewer lesson FILE|N --export handout.pdf` runs the lesson in an offscreen window, step
by step, exactly as a user clicking Next would, and after each step paints the canvas (the same
scene painter as the window and `export`) onto a PDF page under the step's title and text.
The file is written atomically: a failing step leaves no half handout behind.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QEventLoop, QMarginsF, QRectF, QSizeF, Qt, QTimer
from PySide6.QtGui import (
    QFont,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
    QPixmap,
    QTextDocument,
)
from PySide6.QtWidgets import QDockWidget

from graphviewer.core.lessons import Lesson, LessonError, builtin_lessons, load_lesson
from graphviewer.render.export import atomic_output
from graphviewer.ui.dock_presence import settle_layout

STEP_TIMEOUT_S = 120.0
READABLE_SCALE = 0.45  # below this zoom a box's label is too small to read on paper
WINDOW_SIZE = (1200, 1100)  # the canvas alone is about a page's text width, two thirds tall


def find_lesson(name: str) -> Lesson:
    """A built-in lesson by its number (`4`), or a lesson file."""
    if name.isdigit():
        found = builtin_lessons()
        if not 1 <= int(name) <= len(found):
            raise LessonError(f"no lesson {name}: the built-in lessons are 1 to {len(found)}")
        return found[int(name) - 1]
    return load_lesson(Path(name).expanduser())


def export_handout(
    lesson: Lesson, out: Path, on_step: Callable[[int, int, str], None] | None = None
) -> Path:
    """Run `lesson` in an offscreen window and write its handout PDF to `out`."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ.setdefault("QT_LOGGING_RULES", "qt.qpa.*=false")  # the offscreen plugin's chatter
    from graphviewer.ui.app import create_app
    from graphviewer.ui.main_window import MainWindow

    create_app()
    window = MainWindow()
    window.resize(*WINDOW_SIZE)
    window.show()
    try:
        with atomic_output(Path(out), "pdf") as temp:
            writer = QPdfWriter(str(temp))
            writer.setPageLayout(
                QPageLayout(
                    QPageSize(QPageSize.PageSizeId.A4),
                    QPageLayout.Orientation.Portrait,
                    QMarginsF(15, 15, 15, 15),
                    QPageLayout.Unit.Millimeter,
                )
            )
            writer.setResolution(150)
            writer.setTitle(lesson.title)
            painter = QPainter(writer)
            try:
                for index, step in enumerate(lesson.steps):
                    if on_step is not None:
                        on_step(index + 1, len(lesson.steps), step.title)
                    _run_step(window, lesson, index)
                    if index:
                        writer.newPage()
                    _paint_page(painter, writer, window, lesson, index)
            finally:
                painter.end()
    finally:
        window.session.cancel()
        window.session.wait_idle(5.0)
        window.hide()  # not close(): closing would save this offscreen layout as the user's
        window.deleteLater()
    return Path(out)


def _run_step(window: object, lesson: Lesson, index: int) -> None:
    """Run step `index` as Next does; wait for its actions (files open in the worker)."""
    controller = window.lessons  # type: ignore[attr-defined]
    loop = QEventLoop()
    problems: list[str] = []

    def failed(why: str) -> None:
        problems.append(why)
        loop.quit()

    runner = controller.runner
    runner.step_done.connect(loop.quit)
    runner.step_failed.connect(failed)
    timer = QTimer()
    timer.setSingleShot(True)
    timer.timeout.connect(lambda: failed(f"step {index + 1} took over {STEP_TIMEOUT_S:.0f} s"))
    timer.start(int(STEP_TIMEOUT_S * 1000))
    try:
        if index == 0:
            controller.start(lesson)
        else:
            controller.go(index)
        loop.exec()
    finally:
        timer.stop()
        runner.step_done.disconnect(loop.quit)
        runner.step_failed.disconnect(failed)
    if problems:
        raise LessonError(problems[0])


def _canvas_picture(window: object) -> QPixmap:
    """The canvas as it is, the docks put aside for the moment: the picture gets the width."""
    open_docks = [d for d in window.findChildren(QDockWidget) if d.isVisible()]  # type: ignore[attr-defined]
    canvas = window.canvas  # type: ignore[attr-defined]
    centre = canvas.visible_rect().center()
    for dock in open_docks:
        dock.hide()
    settle_layout(window)  # type: ignore[arg-type]
    # The whole graph, as large as the picture allows (up to 2×), when it stays readable that
    # way; else the view the step chose (zoomed to what it selected).
    scale = canvas.scale
    if canvas.scene is not None:
        canvas.show_rect(QRectF(canvas.scene.bounds), max_scale=2.0)
        if canvas.scale < min(scale, READABLE_SCALE):
            canvas.scale = scale
            canvas.center_at(centre)
    try:
        return canvas.grab()  # type: ignore[no-any-return]
    finally:
        for dock in open_docks:
            dock.show()
        settle_layout(window)  # type: ignore[arg-type]


def _paint_page(
    painter: QPainter, writer: QPdfWriter, window: object, lesson: Lesson, index: int
) -> None:
    step = lesson.steps[index]
    page = QRectF(0, 0, writer.width(), writer.height())
    doc = QTextDocument()
    doc.setDefaultFont(QFont("DejaVu Sans", 10))
    head = f"# {lesson.title}\n\n" if index == 0 else ""
    intro = f"{lesson.intro}\n\n" if index == 0 and lesson.intro else ""
    counter = f"## Step {index + 1} of {len(lesson.steps)}: {step.title}\n\n"
    doc.setMarkdown(head + intro + counter + step.text + _checks_text(step))
    # QTextDocument lays out in points of a 96-dpi screen: scale it to the page's resolution.
    scale = writer.resolution() / 96.0
    doc.setTextWidth(page.width() / scale)
    painter.save()
    painter.scale(scale, scale)
    doc.drawContents(painter)
    painter.restore()
    text_height = doc.size().height() * scale + 40
    picture = _canvas_picture(window)
    room = QRectF(0, text_height, page.width(), max(page.height() - text_height, 100))
    size = QSizeF(picture.size()).scaled(room.size(), Qt.AspectRatioMode.KeepAspectRatio)
    target = QRectF(room.left() + (room.width() - size.width()) / 2, room.top(), *size.toTuple())
    painter.drawPixmap(target, picture, QRectF(picture.rect()))
    painter.setPen(Qt.GlobalColor.gray)
    painter.drawRect(target)


def _checks_text(step: object) -> str:
    from graphviewer.ui.panels.lesson import task_words

    checks = step.checks  # type: ignore[attr-defined]
    if not checks:
        return ""
    return "\n\n**Your turn:** " + "; ".join(task_words(c) for c in checks) + "."
