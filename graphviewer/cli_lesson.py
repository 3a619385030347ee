"""`graphviewer lesson N|FILE --export handout.pdf`: a lesson as a handout."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

_EXAMPLES = """\
examples:
  graphviewer lesson 4 --export autograd.pdf       # a built-in lesson (Help ▸ Lessons)
  graphviewer lesson my_lesson.md --export my.pdf  # a teacher's own lesson file
"""


def add_lesson_parser(sub: Any) -> None:
    lesson = sub.add_parser(
        "lesson",
        help="export a lesson as a handout: each step's text and the picture it shows (PDF)",
        description="Run a lesson offscreen, step by step, and write each step's text with the "
        "picture the app showed at that step to a PDF handout.",
        epilog=_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    lesson.add_argument("lesson", metavar="N|FILE", help="a lesson number (1-7) or a .md file")
    lesson.add_argument(
        "--export", dest="out", required=True, metavar="OUT.pdf", help="the handout to write"
    )
    lesson.add_argument("-q", "--quiet", action="store_true", help="no progress on stderr")


def run_lesson(args: argparse.Namespace) -> int:
    from graphviewer.core.lessons import LessonError
    from graphviewer.ui.lesson_handout import export_handout, find_lesson

    out = Path(args.out)
    if out.suffix.lower() != ".pdf":
        raise LessonError(f"{out}: a handout is a PDF (name it OUT.pdf)")
    lesson = find_lesson(args.lesson)

    def said(number: int, total: int, title: str) -> None:
        args.progress.stage(f"step {number} of {total}: {title}")

    export_handout(lesson, out, on_step=said)
    args.progress.close()
    print(f"wrote {out} ({len(lesson.steps)} steps of {lesson.title!r})")
    return 0
