"""The lesson verbs that drive the panels: `activations MODULE`, `backward [STEP|last]`,
`compare MODE MODE`, and the check `backward step N|last`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from graphviewer.core.lessons import Command, LessonError
from graphviewer.ui.lesson_runner import LessonRunner

if TYPE_CHECKING:
    from graphviewer.ui.main_window import MainWindow


def register_panel_verbs(runner: LessonRunner, window: MainWindow) -> None:
    def activations(command: Command) -> None:
        current = runner.need_graph()
        path = command.args[0]
        if path not in current.snapshot.modules:
            raise LessonError(f"the model has no module {path!r}")
        window.activations.dock.show()
        window.activations.dock.raise_()
        window.inspector.select_module(path)

    def backward(command: Command) -> None:
        runner.need_graph()
        ctl = window.backward
        want = command.args[0] if command.args else "1"
        if want != "last" and not want.isdigit():
            raise LessonError(f"`backward` takes a step number or last, not {want!r}")

        def go() -> None:
            record = ctl.panel.record
            if record is None:
                raise LessonError(f"the backward pass was not recorded: {ctl.panel.header.text()}")
            count = len(record.steps)
            index = count - 1 if want == "last" else int(want) - 1
            if not 0 <= index < count:
                raise LessonError(f"the backward pass has {count} steps, not {want}")
            ctl.panel.set_step(index)

        ctl.dock.show()
        ctl.dock.raise_()
        if ctl.worker.busy or ctl.panel.record is None:
            if not ctl.worker.busy:
                ctl.start()
            runner.wait_for(ctl.worker.finished, go, ctl.worker.failed)
        else:
            go()

    def compare(command: Command) -> None:
        current = runner.need_graph()
        first, second = command.args
        if first == second:
            raise LessonError("compare takes two different modes")
        modes = window.modes
        if current.snapshot.mode != first:  # show the first mode, then compare again
            runner.requeue(command)
            runner.switch_mode(Command("mode", (first,), command.line))
            return
        modes.other = second  # type: ignore[assignment]
        if modes.active:
            modes.compare.setChecked(False)
        modes.compare.setChecked(True)
        if modes.worker.busy:
            runner.wait_for(modes.worker.finished, None, modes.worker.failed)

    def backward_step(command: Command) -> bool:
        record = window.backward.panel.record
        if record is None:
            return False
        want = command.args[1]
        step = window.backward.panel.step
        return step == len(record.steps) - 1 if want == "last" else step == int(want) - 1

    runner.register("activations", activations)
    runner.register("backward", backward, backward_step)
    runner.register("compare", compare)
