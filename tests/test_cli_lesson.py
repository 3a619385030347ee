"""`graphviewer lesson N|FILE --export handout.pdf`: one page per step, text and picture."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from graphviewer.cli import main
from graphviewer.core.lessons import builtin_lessons


def _pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf))


def test_a_builtin_lesson_exports_one_page_per_step(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "handout.pdf"
    assert main(["lesson", "1", "--export", str(out)]) == 0
    data = out.read_bytes()
    assert data.startswith(b"%PDF")
    assert _pages(data) == len(builtin_lessons()[0].steps)
    assert "wrote" in capsys.readouterr().out
    assert not list(tmp_path.glob(".*.part"))  # written atomically: no temporary file left


def test_a_teachers_lesson_file_exports_and_a_broken_one_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mine = tmp_path / "mine.md"
    mine.write_text("# Mine\n\n## The MLP\nLook.\n\n```do\nopen mlp.py eval\n```\n")
    assert main(["lesson", str(mine), "--export", str(tmp_path / "mine.pdf")]) == 0
    assert _pages((tmp_path / "mine.pdf").read_bytes()) == 1
    broken = tmp_path / "broken.md"
    broken.write_text("# Broken\n\n## Step\n```do\nopen nowhere.py\n```\n")
    out = tmp_path / "broken.pdf"
    assert main(["lesson", str(broken), "--export", str(out)]) == 2
    err = capsys.readouterr().err
    assert "nowhere.py" in err and not out.exists()


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["lesson", "99", "--export", "h.pdf"], "no lesson 99"),
        (["lesson", "1", "--export", "h.png"], "a handout is a PDF"),
    ],
)
def test_lesson_command_mistakes_are_one_line(
    argv: list[str], said: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    assert said in capsys.readouterr().err
