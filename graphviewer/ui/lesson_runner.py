"""Runs a lesson's actions in the real window and tells whether a step's checks are met.

Actions run in order; `open` waits for the graph (or its failure) before the next one runs.
Every action goes through what a user's click would reach (the session, the inspector, the
mode selector, the search bar, the docks), so a lesson shows the app as it is. The panels
(activations, backward, modes) add their own verbs with `register`.
"""

from __future__ import annotations

import contextlib
import logging
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QDockWidget, QMainWindow

from graphviewer.core import lessons
from graphviewer.core.lessons import Command, Lesson, LessonError, Step
from graphviewer.ui.graph_items import module_key, toggle_fold
from graphviewer.ui.jobs import OpenedGraph, OpenRequest

log = logging.getLogger(__name__)

Handler = Callable[[Command], None]
Checker = Callable[[Command], bool]


class LessonRunner(QObject):
    """Runs the actions of one step at a time against `window` (a `MainWindow`)."""

    step_done = Signal()  # every action of the step ran
    step_failed = Signal(str)  # an action could not run: why

    def __init__(self, window: QMainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.lesson: Lesson | None = None
        self._queue: list[Command] = []
        self._waiting = False
        self._handlers: dict[str, Handler] = {
            "open": self._open,
            "mode": self._mode,
            "select": self._select,
            "fold": self._fold,
            "unfold": self._fold,
            "expand": self._expand,
            "find": self._find,
            "show": self._show,
            "fit": lambda _c: self.window.canvas.fit(),  # type: ignore[attr-defined]
        }
        self._checkers: dict[str, Checker] = {
            "selected": self._is_selected,
            "mode": lambda c: (
                self._current() is not None and self._current().snapshot.mode == c.args[0]
            ),  # type: ignore[union-attr]
            "folded": lambda c: self._is_folded(c.args[0]),
            "unfolded": lambda c: self._is_folded(c.args[0]) is False,
            "opened": self._is_opened,
        }
        session = window.session  # type: ignore[attr-defined]
        session.opened.connect(self._on_opened)
        session.failed.connect(self._on_failed)
        session.relaid.connect(lambda *_: self._on_opened(None))

    def register(
        self, verb: str, handler: Handler | None = None, checker: Checker | None = None
    ) -> None:
        """A panel's own action (and check) for `verb`."""
        if handler is not None:
            self._handlers[verb] = handler
        if checker is not None:
            self._checkers[verb] = checker

    def wait_for(
        self, signal: Any, then: Callable[[], None] | None = None, failed: Any = None
    ) -> None:
        """Hold the step's next actions until `signal` fires (then run `then`); `failed` firing
        instead fails the step. For panels whose work runs in their own worker."""
        self._waiting = True

        def done(*_: object) -> None:
            _disconnect(signal, done)
            if failed is not None:
                _disconnect(failed, broke)
            if not self._waiting:
                return
            self._waiting = False
            try:
                if then is not None:
                    then()
            except LessonError as exc:
                self._queue = []
                self.step_failed.emit(str(exc))
                return
            QTimer.singleShot(0, self._next)

        def broke(*args: object) -> None:
            _disconnect(signal, done)
            _disconnect(failed, broke)
            if self._waiting:
                self._queue, self._waiting = [], False
                self.step_failed.emit(f"the panel's work failed: {args[-1] if args else ''}")

        signal.connect(done)
        if failed is not None:
            failed.connect(broke)

    def requeue(self, command: Command) -> None:
        """Run `command` again once what it started is done (it set the runner waiting)."""
        self._queue.insert(0, command)

    def switch_mode(self, command: Command) -> None:
        self._mode(command)

    @property
    def busy(self) -> bool:
        return bool(self._queue) or self._waiting

    # -- running -------------------------------------------------------------------------------
    def run_step(self, lesson: Lesson, step: Step) -> None:
        """Run `step`'s actions; `step_done` or `step_failed` says how it went."""
        self.lesson = lesson
        self._queue = list(step.actions)
        self._waiting = False
        QTimer.singleShot(0, self._next)

    def _next(self) -> None:
        while self._queue and not self._waiting:
            command = self._queue.pop(0)
            handler = self._handlers.get(command.verb)
            try:
                if handler is None:
                    raise LessonError(f"`{command.verb}` needs a panel this window does not have")
                handler(command)
            except LessonError as exc:
                self._fail(command, str(exc))
                return
            except Exception as exc:  # a lesson must never take the window down
                log.exception("lesson action %s failed", command)
                self._fail(command, f"{type(exc).__name__}: {exc}")
                return
        if not self._queue and not self._waiting:
            self.step_done.emit()

    def _fail(self, command: Command, why: str) -> None:
        self._queue, self._waiting = [], False
        where = self.lesson.path.name if self.lesson and self.lesson.path else "lesson"
        self.step_failed.emit(f"{where}:{command.line}: `{command}`: {why}")

    def _on_opened(self, _opened: OpenedGraph | None) -> None:
        if self._waiting:
            self._waiting = False
            QTimer.singleShot(0, self._next)

    def _on_failed(self, _request: object, error: BaseException) -> None:
        if self._waiting:
            self._queue, self._waiting = [], False
            self.step_failed.emit(f"the lesson's file did not open: {error}")

    # -- actions -------------------------------------------------------------------------------
    def _current(self) -> OpenedGraph | None:
        return self.window.session.current  # type: ignore[attr-defined, no-any-return]

    def need_graph(self) -> OpenedGraph:
        current = self._current()
        if current is None:
            raise LessonError("no graph is open (the step opens none)")
        return current

    def _open(self, command: Command) -> None:
        assert self.lesson is not None
        args = lessons.open_args(command.args)
        path = lessons.resolve_file(args.file, self.lesson)
        request = OpenRequest(Path(path), mode=args.mode, input_shape=args.shape)  # type: ignore[arg-type]
        self._waiting = True
        self.window.open_request(request)  # type: ignore[attr-defined]

    def _mode(self, command: Command) -> None:
        current = self.need_graph()
        if current.snapshot.mode == command.args[0]:
            return
        self._waiting = True
        self.window.mode_box.setCurrentText(command.args[0])  # type: ignore[attr-defined]

    def _select(self, command: Command) -> None:
        current = self.need_graph()
        inspector = self.window.inspector  # type: ignore[attr-defined]
        if command.args[0] == "module":
            path = command.args[1]
            if path not in current.snapshot.modules:
                raise LessonError(f"the model has no module {path!r}")
            inspector.select_module(path)
            return
        node = _find_op(
            current, command.args[1], command.args[3] if len(command.args) == 4 else None
        )
        inspector.select_node(node)

    def _fold(self, command: Command) -> None:
        current = self.need_graph()
        path = command.args[0]
        if path not in current.snapshot.modules:
            raise LessonError(f"the model has no module {path!r}")
        if (path in current.layout.collapsed) == (command.verb == "fold"):
            return
        self._waiting = True
        self.window.session.set_collapsed(toggle_fold(current.layout, path), anchor=path)  # type: ignore[attr-defined]

    def _expand(self, command: Command) -> None:
        self.need_graph()
        what = command.args[0] if command.args else "all"
        actions = self.window.actions_  # type: ignore[attr-defined]
        if what not in ("all", "default"):
            raise LessonError(f"`expand` takes all or default, not {what!r}")
        self._waiting = True
        (actions.expand_all if what == "all" else actions.fold_default).trigger()

    def _find(self, command: Command) -> None:
        self.need_graph()
        bar = self.window.search_bar  # type: ignore[attr-defined]
        bar.open()
        bar.field.setText(command.args[0])

    def _show(self, command: Command) -> None:
        name = command.args[0].lower()
        docks = self.window.findChildren(QDockWidget)
        dock = next((d for d in docks if d.windowTitle().lower() == name), None)
        if dock is None:
            titles = ", ".join(sorted(d.windowTitle() for d in docks))
            raise LessonError(f"no dock called {command.args[0]!r} (docks: {titles})")
        dock.show()
        dock.raise_()

    # -- checks --------------------------------------------------------------------------------
    def check(self, command: Command) -> bool:
        """Whether the window shows what `command` asks for now."""
        checker = self._checkers.get(command.verb)
        if checker is None or self._current() is None:
            return False
        try:
            return bool(checker(command))
        except LessonError:
            return False

    def _is_selected(self, command: Command) -> bool:
        current = self.need_graph()
        selected = self.window.inspector.selected  # type: ignore[attr-defined]
        if command.args[0] == "module":
            return module_key(current.layout, command.args[1]) in selected
        graph = current.snapshot.graph
        return any(n in graph and current.snapshot.node(n).op == command.args[1] for n in selected)

    def _is_folded(self, path: str) -> bool | None:
        current = self._current()
        if current is None or path not in current.snapshot.modules:
            return None
        return path in current.layout.collapsed

    def _is_opened(self, command: Command) -> bool:
        current = self._current()
        path = current.request.path if current is not None else None
        return path is not None and path.name == command.args[0]


def _disconnect(signal: Any, slot: Callable[..., None]) -> None:
    with warnings.catch_warnings(), contextlib.suppress(RuntimeError, TypeError):
        warnings.simplefilter("ignore")  # PySide warns as well when it was not connected
        signal.disconnect(slot)


def _find_op(current: OpenedGraph, op: str, module: str | None) -> str:
    """The first node (in creation order) whose op is `op`, inside `module` if given."""
    snap = current.snapshot
    found = [
        snap.node(n)
        for n in snap.graph
        if snap.node(n).op == op
        and (
            module is None
            or snap.node(n).module == module
            or snap.node(n).module.startswith(f"{module}.")
        )
    ]
    if not found:
        inside = f" in {module}" if module else ""
        raise LessonError(f"the graph has no {op!r} node{inside}")
    return min(found, key=lambda node: node.seq).id
