"""Python syntax colours for the Source dock, from the standard library's own tokenizer.

`tokenize` reads the file exactly as Python does (triple-quoted strings over many lines,
f-strings, decorators, `match` as a soft keyword), so the colours are right where a regex
highlighter guesses. The whole file is tokenized once when it is shown; the highlighter then
looks each line's spans up by line number. Colours come in a light and a dark set, chosen from
the palette's window colour so that they follow the theme.
"""

from __future__ import annotations

import builtins
import io
import keyword
import token
import tokenize
from collections import defaultdict

from PySide6.QtGui import QColor, QFont, QSyntaxHighlighter, QTextCharFormat, QTextDocument

Span = tuple[int, int, str]  # start column, length, kind

_COLOURS = {
    "light": {
        "keyword": "#8839ef",
        "builtin": "#1e66f5",
        "string": "#40a02b",
        "number": "#d20f39",
        "comment": "#6c7086",
        "decorator": "#df8e1d",
        "definition": "#0b7285",
    },
    "dark": {
        "keyword": "#cba6f7",
        "builtin": "#89b4fa",
        "string": "#a6e3a1",
        "number": "#fab387",
        "comment": "#9399b2",
        "decorator": "#f9e2af",
        "definition": "#74c7ec",
    },
}
_BUILTINS = frozenset(dir(builtins))
_SOFT_KEYWORDS = frozenset(getattr(keyword, "softkwlist", ()))


def python_spans(text: str) -> dict[int, list[Span]]:
    """Per 0-based line: (column, length, kind) of each coloured token. A file that does not
    tokenize (a syntax error halfway) keeps the colours of what came before the error."""
    spans: dict[int, list[Span]] = defaultdict(list)
    lines = text.splitlines(keepends=True)
    previous = ""
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            kind = _kind(tok, previous)
            # "" at the start of a logical line: decorators and soft keywords start one
            starts_line = tok.type in (token.NL, token.NEWLINE, token.INDENT, token.DEDENT)
            previous = "" if starts_line else tok.string
            if kind is None:
                continue
            (r0, c0), (r1, c1) = tok.start, tok.end
            for row in range(r0, r1 + 1):  # a token over several lines: one span per line
                start = c0 if row == r0 else 0
                end = c1 if row == r1 else len(lines[row - 1]) if row - 1 < len(lines) else 0
                if end > start:
                    spans[row - 1].append((start, end - start, kind))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        pass
    return dict(spans)


def _kind(tok: tokenize.TokenInfo, previous: str) -> str | None:
    if tok.type == token.COMMENT:
        return "comment"
    if tok.type == token.STRING or tok.type in _FSTRING_TYPES:
        return "string"
    if tok.type == token.NUMBER:
        return "number"
    if tok.type == token.OP and tok.string == "@" and not previous:
        return "decorator"
    if tok.type != token.NAME:
        return None
    if previous in ("def", "class"):
        return "definition"
    if keyword.iskeyword(tok.string):
        return "keyword"
    if tok.string in _SOFT_KEYWORDS and not previous:
        return "keyword"
    if previous == "@":
        return "decorator"
    if tok.string in _BUILTINS and previous != ".":
        return "builtin"
    return None


# Python 3.12 splits f-strings into tokens of their own.
_FSTRING_TYPES = frozenset(
    getattr(token, name)
    for name in ("FSTRING_START", "FSTRING_MIDDLE", "FSTRING_END")
    if hasattr(token, name)
)


class PythonHighlighter(QSyntaxHighlighter):
    """Colours a document holding one Python file; `set_text_spans` after each new file."""

    def __init__(self, document: QTextDocument, theme: str = "light") -> None:
        super().__init__(document)
        self._spans: dict[int, list[Span]] = {}
        self._formats: dict[str, QTextCharFormat] = {}
        self.set_theme(theme)

    def set_theme(self, theme: str) -> None:
        self._formats = {}
        for kind, colour in _COLOURS.get(theme, _COLOURS["light"]).items():
            fmt = QTextCharFormat()
            fmt.setForeground(QColor(colour))
            if kind in ("keyword", "definition"):
                fmt.setFontWeight(QFont.Weight.Bold)
            if kind == "comment":
                fmt.setFontItalic(True)
            self._formats[kind] = fmt
        self.rehighlight()

    def set_text_spans(self, spans: dict[int, list[Span]]) -> None:
        self._spans = spans
        self.rehighlight()

    def highlightBlock(self, text: str) -> None:
        for start, length, kind in self._spans.get(self.currentBlock().blockNumber(), ()):
            self.setFormat(start, length, self._formats[kind])

    def kind_at(self, line: int, column: int) -> str | None:
        """The kind coloured at (0-based line, column), for tests and tooltips."""
        for start, length, kind in self._spans.get(line, ()):
            if start <= column < start + length:
                return kind
        return None
