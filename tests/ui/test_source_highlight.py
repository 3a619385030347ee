"""The Source dock colours Python as Python reads it, in both themes."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from graphviewer.ui.main_window import MainWindow
from graphviewer.ui.panels.python_highlight import python_spans
from tests.ui.conftest import OpenAndWait
from tests.ui.test_window import click_layer1_addmm

SAMPLES = Path(__file__).resolve().parents[2] / "samples"

CODE = '''@torch.no_grad()
def forward(self, x):  # a comment
    """A docstring
    over two lines."""
    match x:
        case 1:
            return len(x) + 0.5
    return f"{x}"
'''


def _kinds(text: str) -> dict[tuple[int, str], str]:
    """(line, token text) -> kind, for the coloured tokens of `text`."""
    lines = text.splitlines()
    out = {}
    for row, spans in python_spans(text).items():
        for start, length, kind in spans:
            out[(row, lines[row][start : start + length])] = kind
    return out


def test_python_spans_follow_the_tokenizer() -> None:
    kinds = _kinds(CODE)
    assert kinds[(0, "@")] == "decorator" and kinds[(0, "torch")] == "decorator"
    assert kinds[(1, "def")] == "keyword" and kinds[(1, "forward")] == "definition"
    assert kinds[(1, "# a comment")] == "comment"
    assert kinds[(2, '"""A docstring')] == "string"  # a string over two lines
    assert kinds[(3, '    over two lines."""')] == "string"
    assert kinds[(4, "match")] == "keyword"  # a soft keyword at a line's start
    assert kinds[(6, "len")] == "builtin" and kinds[(6, "0.5")] == "number"
    assert (1, "x") not in kinds  # plain names keep the text colour


def test_python_spans_survive_a_syntax_error() -> None:
    kinds = _kinds('x = 1  # ok\ns = """never closed\n')
    assert kinds[(0, "# ok")] == "comment" and kinds[(0, "1")] == "number"


def test_source_dock_colours_the_users_file(
    window: MainWindow, open_and_wait: OpenAndWait, qtbot: QtBot
) -> None:
    click_layer1_addmm(window, open_and_wait, qtbot)
    source = window.source
    assert source.file.endswith("mlp.py")
    lines = Path(source.file).read_text().splitlines()
    row = next(i for i, t in enumerate(lines) if t.startswith("class MLP"))
    assert source.highlighter.kind_at(row, 0) == "keyword"  # class
    assert source.highlighter.kind_at(row, 6) == "definition"  # MLP
    light = _colour_at(window, row, 0)
    assert light not in ("#000000", _colour_at(window, row + 1, 4) or "")  # not plain text
    window._apply_theme("dark")  # the user picks the dark theme: the colours follow
    qtbot.waitUntil(lambda: source.palette().window().color().lightnessF() < 0.5, timeout=3000)
    assert _colour_at(window, row, 0) not in (light, None), "the colour did not follow the theme"


def _colour_at(window: MainWindow, row: int, column: int) -> str | None:
    """The foreground colour the highlighter gave the text at (row, column), if any."""
    block = window.source._edit.document().findBlockByNumber(row)
    for r in block.layout().formats():
        if r.start <= column < r.start + r.length:
            return str(r.format.foreground().color().name())
    return None
