"""Help ▸ Lessons and File ▸ Open Lesson…: a lesson in a dock beside the canvas, one step at a
time, its checks ticked as the user does what it asks."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDockWidget, QFileDialog, QMainWindow, QMenu

from graphviewer.core.lessons import Lesson, LessonError, builtin_lessons, load_lesson
from graphviewer.ui.lesson_panels import register_panel_verbs
from graphviewer.ui.lesson_runner import LessonRunner
from graphviewer.ui.panels.lesson import LessonPanel

CHECK_INTERVAL_MS = 250


class LessonsController(QObject):
    """Owns the lesson dock, the runner and the menu entries of one window."""

    def __init__(self, window: QMainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.runner = LessonRunner(window)
        register_panel_verbs(self.runner, window)  # type: ignore[arg-type]
        self.panel = LessonPanel(window)
        self.dock = QDockWidget("Lesson", window)
        self.dock.setObjectName("dock-lesson")
        self.dock.setWidget(self.panel)
        # In the left column, tabbed over the Legend: the right one holds the panels a lesson
        # points at, and a fourth dock there would not fit a laptop screen's height.
        window.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.dock)
        legend = next(
            (d for d in window.findChildren(QDockWidget) if d.windowTitle() == "Legend"), None
        )
        if legend is not None:
            window.tabifyDockWidget(legend, self.dock)
        self.dock.hide()
        self.lesson: Lesson | None = None
        self.index = 0
        self.panel.back_requested.connect(lambda: self.go(self.index - 1))
        self.panel.next_requested.connect(self._on_next)
        self.panel.again_requested.connect(lambda: self.go(self.index))
        self.runner.step_failed.connect(self.panel.show_problem)
        self._timer = QTimer(self)
        self._timer.setInterval(CHECK_INTERVAL_MS)
        self._timer.timeout.connect(self.refresh_checks)
        self.menu = self._add_menus()

    def _add_menus(self) -> QMenu:
        bar = self.window.menuBar()
        menus = {a.text().replace("&", ""): a.menu() for a in bar.actions() if a.menu()}
        help_menu = menus.get("Help")
        lessons = QMenu("&Lessons", self.window)
        try:
            found = builtin_lessons()
        except LessonError as exc:  # a broken built-in lesson: say so in the menu
            broken = lessons.addAction(f"(lessons unreadable: {exc})")
            broken.setEnabled(False)
            found = []
        for number, lesson in enumerate(found, start=1):
            action = lessons.addAction(f"{number}. {lesson.title}")
            action.triggered.connect(lambda _=False, les=lesson: self.start(les))
        if help_menu is not None:
            first = help_menu.actions()[0] if help_menu.actions() else None
            help_menu.insertMenu(first, lessons)
        file_menu = menus.get("File")
        self.open_action = QAction("Open &Lesson…", self.window)
        self.open_action.triggered.connect(self._on_open_lesson)
        if file_menu is not None:
            separators = [a for a in file_menu.actions() if a.isSeparator()]
            file_menu.insertAction(separators[0] if separators else None, self.open_action)
        return lessons

    # -- lessons -------------------------------------------------------------------------------
    def start(self, lesson: Lesson) -> None:
        self.lesson = lesson
        was_hidden = self.dock.isHidden()
        self.dock.show()
        self.dock.raise_()
        if was_hidden and not self.dock.isFloating():  # room to read: half the column
            height = int(self.window.height() * 0.5)
            self.window.resizeDocks([self.dock], [height], Qt.Orientation.Vertical)
        self._timer.start()
        self.go(0)

    def open_file(self, path: Path) -> None:
        """A teacher's own lesson; a bad file is said in the message bar, naming the line."""
        try:
            lesson = load_lesson(path)
        except LessonError as exc:
            self.window.message_bar.show_message(  # type: ignore[attr-defined]
                "error", f"<b>Lesson not opened.</b> {exc}"
            )
            return
        self.start(lesson)

    def start_named(self, name: str) -> None:
        """`--lesson N` (its number in Help ▸ Lessons) or `--lesson FILE`; `N:STEP` or
        `FILE:STEP` starts at that step (a teacher resuming a class)."""
        head, _, step = name.rpartition(":")
        if head and step.isdigit():
            self.start_named(head)
            if self.lesson is not None and int(step) > 1:
                self._go_when_idle(int(step) - 1)
            return
        if name.isdigit():
            found = builtin_lessons()
            if not 1 <= int(name) <= len(found):
                self.window.message_bar.show_message(  # type: ignore[attr-defined]
                    "error", f"<b>No lesson {name}.</b> The lessons are 1 to {len(found)}."
                )
                return
            self.start(found[int(name) - 1])
            return
        self.open_file(Path(name).expanduser())

    def _go_when_idle(self, index: int) -> None:
        """Run the steps before `index` first (they open the files it works on), then go."""
        if self.index >= index or self.lesson is None:
            return

        def advance() -> None:
            self.runner.step_done.disconnect(advance)
            self.go(self.index + 1)
            if self.index < index:
                self.runner.step_done.connect(advance)

        self.runner.step_done.connect(advance)

    def go(self, index: int) -> None:
        if self.lesson is None or not 0 <= index < len(self.lesson.steps):
            return
        self.index = index
        step = self.lesson.steps[index]
        self.panel.show_step(self.lesson, index)
        self.refresh_checks()
        self.runner.run_step(self.lesson, step)

    def refresh_checks(self) -> None:
        if self.lesson is None:
            return
        checks = self.lesson.steps[self.index].checks
        self.panel.show_checks(checks, [self.runner.check(c) for c in checks])

    def _on_next(self) -> None:
        if self.lesson is not None and self.index == len(self.lesson.steps) - 1:
            self._timer.stop()
            self.dock.hide()
            self.lesson = None
            return
        self.go(self.index + 1)

    def _on_open_lesson(self) -> None:
        name, _ = QFileDialog.getOpenFileName(
            self.window, "Open a lesson", "", "Lessons (*.md);;All files (*)"
        )
        if name:
            self.open_file(Path(name))
