"""Lessons: every built-in lesson runs from its first step to its last in the real window, each
action succeeding and each target there; a bad lesson file names its line."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from graphviewer.core.lessons import LessonError, builtin_lessons, parse_lesson
from graphviewer.ui.main_window import MainWindow

LESSONS = builtin_lessons()


def _run_to_end(window: MainWindow, qtbot: QtBot, index: int) -> list[str]:
    controller = window.lessons
    lesson = LESSONS[index]
    problems: list[str] = []
    controller.runner.step_failed.connect(problems.append)
    with qtbot.waitSignal(controller.runner.step_done, timeout=60_000):
        controller.start(lesson)
    assert controller.dock.isVisible()
    for number in range(1, len(lesson.steps)):
        with qtbot.waitSignal(controller.runner.step_done, timeout=60_000):
            controller.panel.next.click()
        assert controller.index == number
        assert not problems, problems
    return problems


@pytest.mark.parametrize("index", range(len(LESSONS)), ids=[les.title[:30] for les in LESSONS])
def test_every_builtin_lesson_runs_to_its_end(window: MainWindow, qtbot: QtBot, index: int) -> None:
    assert not _run_to_end(window, qtbot, index)
    controller = window.lessons
    assert controller.panel.next.text() == "Finish"
    for step in LESSONS[index].steps:  # every check names something the graph has
        for check in step.checks:
            if check.verb in ("selected", "folded", "unfolded") and "module" in check.args[:1]:
                assert check.args[1] in window.session.current.snapshot.modules
    controller.panel.next.click()
    assert not controller.dock.isVisible()


def test_a_check_ticks_when_the_user_does_it(window: MainWindow, qtbot: QtBot) -> None:
    index = next(i for i, les in enumerate(LESSONS) if les.title.startswith("model(x)"))
    controller = window.lessons
    with qtbot.waitSignal(controller.runner.step_done, timeout=60_000):
        controller.start(LESSONS[index])
    for _ in range(2):  # to "Your turn": select the relu node
        with qtbot.waitSignal(controller.runner.step_done, timeout=60_000):
            controller.panel.next.click()
    qtbot.waitUntil(lambda: "Your turn" in controller.panel.task.text(), timeout=2000)
    snap = window.session.current.snapshot
    relu = next(n for n in snap.graph if snap.node(n).op == "relu")
    window.inspector.select_node(relu)  # what a click on the node does
    qtbot.waitUntil(lambda: "Done." in controller.panel.task.text(), timeout=2000)
    assert "✓ select a relu node" in controller.panel.task.text()


def test_back_goes_to_the_previous_step(window: MainWindow, qtbot: QtBot) -> None:
    controller = window.lessons
    with qtbot.waitSignal(controller.runner.step_done, timeout=60_000):
        controller.start(LESSONS[0])
    assert not controller.panel.back.isEnabled()
    with qtbot.waitSignal(controller.runner.step_done, timeout=60_000):
        controller.panel.next.click()
    with qtbot.waitSignal(controller.runner.step_done, timeout=60_000):
        controller.panel.back.click()
    assert controller.index == 0 and "Step 1 of" in controller.panel.counter.text()


def test_the_help_menu_lists_the_lessons(window: MainWindow) -> None:
    titles = [a.text() for a in window.lessons.menu.actions()]
    assert len(titles) == len(LESSONS) >= 4
    assert titles[0].startswith("1. model(x)")


def test_a_teachers_lesson_file_opens_and_a_bad_one_names_its_line(
    window: MainWindow, qtbot: QtBot, tmp_path: Path
) -> None:
    good = tmp_path / "mine.md"
    good.write_text("# My lesson\n\n## Look\nThe MLP.\n\n```do\nopen mlp.py eval\n```\n")
    with qtbot.waitSignal(window.lessons.runner.step_done, timeout=60_000):
        window.lessons.open_file(good)
    assert window.session.current.snapshot.mode == "eval"
    bad = tmp_path / "bad.md"
    bad.write_text("# Broken\n\n## Step\n\n```do\nopen mlp.py\nselec module layer1\n```\n")
    window.lessons.open_file(bad)
    assert window.message_bar.kind == "error"
    assert "bad.md:7: unknown action 'selec'" in window.message_bar.text()


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("no title\n## s\n", "<lesson>:1: a lesson starts with its title"),
        ("# T\n\nintro only\n", "needs at least one step"),
        ("# T\n## s\n```do\nopen\n```\n", "<lesson>:4: `open` takes a file"),
        ("# T\n## s\n```do\nmode test\n```\n", "<lesson>:4: `mode` mode must be one of"),
        ("# T\n## s\n```check\nselected layer1\n```\n", "<lesson>:4: `selected` is"),
        ("# T\n## s\n```do\nfit\n", "<lesson>:3: the `do` block is never closed"),
        ("# T\n```do\nfit\n```\n## s\n", "<lesson>:2: a `do` block belongs in a step"),
        ("# T\n## s\n```do\nfind 'x\n```\n", "<lesson>:4: cannot read"),
    ],
)
def test_bad_lessons_name_the_line(text: str, said: str) -> None:
    with pytest.raises(LessonError) as info:
        parse_lesson(text)
    assert said in str(info.value)


def test_a_lesson_parses_into_steps() -> None:
    lesson = parse_lesson(
        "# Title\nIntro.\n\n## One\nText **bold**.\n```do\n"
        "open mlp.py eval shape=2,20  # a comment\n"
        "select op relu in act1\n```\n```check\nmode eval\n```\n## Two\nMore.\n"
    )
    assert lesson.title == "Title" and lesson.intro == "Intro."
    one, two = lesson.steps
    assert one.title == "One" and one.text == "Text **bold**."
    assert [str(a) for a in one.actions] == [
        "open mlp.py eval shape=2,20",
        "select op relu in act1",
    ]
    assert [str(c) for c in one.checks] == ["mode eval"] and one.actions[0].line == 7
    assert two.actions == () and two.text == "More."


def test_the_autograd_lesson_checks_the_backward_step_the_user_reaches(
    window: MainWindow, qtbot: QtBot
) -> None:
    index = next(i for i, les in enumerate(LESSONS) if les.title.startswith("Autograd"))
    _run_to_end(window, qtbot, index)  # ends on "Your turn", at the last step of the backward
    controller, panel = window.lessons, window.backward.panel
    assert panel.step == len(panel.record.steps) - 1
    qtbot.waitUntil(lambda: "Your turn" in controller.panel.task.text(), timeout=2000)
    panel.steps_list.setFocus()
    qtbot.keyClick(panel.steps_list, Qt.Key.Key_Left)  # 7 → 6
    qtbot.keyClick(panel.steps_list, Qt.Key.Key_Left)  # 6 → 5: MulBackward0
    qtbot.waitUntil(lambda: "Done." in controller.panel.task.text(), timeout=2000)
    assert window.activations.panel.title.text().startswith("gradient · step 5")


def test_a_lesson_starts_at_a_step_from_the_command_line(window: MainWindow, qtbot: QtBot) -> None:
    controller = window.lessons
    controller.start_named("4:3")  # what `graphviewer --lesson 4:3` does
    qtbot.waitUntil(lambda: controller.index == 2 and not controller.runner.busy, timeout=60_000)
    assert "Step 3 of" in controller.panel.counter.text()
    assert window.backward.panel.record is not None  # the steps before it ran first
    controller.start_named("99")
    assert window.message_bar.kind == "error" and "No lesson 99" in window.message_bar.text()
