"""Lessons: short sequences of steps that drive the app's own panels. Parsing and checking only
(Qt-free); the window runs the actions (`ui.lesson_runner`).

A lesson is a Markdown file:

    # How model(x) runs                      ← the lesson's title (the first line)
    One or two sentences of introduction.

    ## The module tree                       ← a step
    Text the user reads: what to look at and why.

    ```do                                    ← what the app does on entering the step
    open mlp.py
    select module layer1
    ```

    ```check                                 ← what the user is asked to do (optional)
    selected module act1
    ```

`ACTIONS` and `CHECKS` list every verb with its arguments; `parse_lesson` rejects anything else
with the file and line (`LessonError`). A file name in `open` is one of the samples
(`graphviewer samples`) or a path relative to the lesson file.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from graphviewer.core.errors import GraphviewerError

MODES = ("train", "eval", "no_grad")


class LessonError(GraphviewerError):
    """A lesson file that cannot be read: the message names the file and line."""


@dataclass(frozen=True)
class Verb:
    """One action or check: its words, the arguments it takes, and what it means."""

    usage: str  # "select module PATH"
    help: str
    check_args: Callable[[Sequence[str]], str] | None = None  # "" or what is wrong


def _count(low: int, high: int) -> Callable[[Sequence[str]], str]:
    def check(args: Sequence[str]) -> str:
        if low <= len(args) <= high:
            return ""
        want = str(low) if low == high else f"{low} to {high}"
        return f"takes {want} argument{'s' if high != 1 else ''}, got {len(args)}"

    return check


def _mode_arg(args: Sequence[str]) -> str:
    if len(args) != 1:
        return f"takes 1 argument, got {len(args)}"
    return "" if args[0] in MODES else f"mode must be one of {', '.join(MODES)}"


def _select_args(args: Sequence[str]) -> str:
    if len(args) == 2 and args[0] in ("module", "op"):
        return ""
    if len(args) == 4 and args[0] == "op" and args[2] == "in":
        return ""
    return "is `select module PATH`, `select op NAME` or `select op NAME in MODULE`"


def _open_args(args: Sequence[str]) -> str:
    if not args:
        return "takes a file"
    for word in args[1:]:
        if word in MODES:
            continue
        key, _, value = word.partition("=")
        if key != "shape" or not re.fullmatch(r"\d+(,\d+)*", value):
            return f"takes a mode ({', '.join(MODES)}) or shape=N,N,… after the file, not {word!r}"
    return ""


@dataclass(frozen=True)
class OpenArgs:
    """`open FILE [MODE] [shape=1,8]`, read."""

    file: str
    mode: str = "train"
    shape: tuple[int, ...] | None = None


def open_args(args: Sequence[str]) -> OpenArgs:
    mode, shape = "train", None
    for word in args[1:]:
        if word in MODES:
            mode = word
        elif word.startswith("shape="):
            shape = tuple(int(d) for d in word[6:].split(","))
    return OpenArgs(args[0], mode, shape)


ACTIONS: Mapping[str, Verb] = {
    "open": Verb(
        "open FILE [MODE] [shape=N,…]", "open a sample or a file beside the lesson", _open_args
    ),
    "mode": Verb("mode train|eval|no_grad", "re-run the forward in another mode", _mode_arg),
    "select": Verb("select module PATH | select op NAME [in MODULE]", "select it", _select_args),
    "fold": Verb("fold PATH", "fold a module into one box", _count(1, 1)),
    "unfold": Verb("unfold PATH", "show a module's insides", _count(1, 1)),
    "expand": Verb("expand all | expand default", "unfold every module, or the usual depth"),
    "find": Verb("find TEXT", "highlight the nodes whose op matches", _count(1, 1)),
    "show": Verb("show DOCK", "show a dock (Modules, Details, Source, Legend, …)", _count(1, 1)),
    "fit": Verb("fit", "fit the graph in the window", _count(0, 0)),
    # The panels register how they run these (ui.lesson_runner); a lesson may use them only
    # where the window has the panel.
    "activations": Verb("activations MODULE", "show a module's activations", _count(1, 1)),
    "backward": Verb(
        "backward [STEP|last]", "record the backward pass, go to a step", _count(0, 1)
    ),
    "compare": Verb("compare MODE MODE", "compare two modes side by side", _count(2, 2)),
}

CHECKS: Mapping[str, Verb] = {
    "selected": Verb(
        "selected module PATH | selected op NAME", "the user selected it", _select_args
    ),
    "mode": Verb("mode train|eval|no_grad", "the graph shown is of this mode", _mode_arg),
    "folded": Verb("folded PATH", "the module is folded", _count(1, 1)),
    "unfolded": Verb("unfolded PATH", "the module is unfolded", _count(1, 1)),
    "opened": Verb("opened FILE", "this file's graph is shown", _count(1, 1)),
    "backward": Verb("backward step N|last", "the backward panel shows this step", _count(2, 2)),
}


@dataclass(frozen=True)
class Command:
    """One line of a `do` or `check` block: the verb, its arguments, where it was written."""

    verb: str
    args: tuple[str, ...]
    line: int

    def __str__(self) -> str:
        return " ".join((self.verb, *self.args))


@dataclass(frozen=True)
class Step:
    title: str
    text: str  # Markdown
    actions: tuple[Command, ...]
    checks: tuple[Command, ...]
    line: int


@dataclass
class _Draft:
    """A step being read."""

    title: str
    line: int
    text: list[str]
    actions: list[Command]
    checks: list[Command]

    def step(self) -> Step:
        text = "\n".join(self.text).strip()
        return Step(self.title, text, tuple(self.actions), tuple(self.checks), self.line)


@dataclass(frozen=True)
class Lesson:
    title: str
    intro: str  # Markdown
    steps: tuple[Step, ...]
    path: Path | None = None

    @property
    def folder(self) -> Path | None:
        return self.path.parent if self.path is not None else None


_FENCE = re.compile(r"^```\s*(\w*)\s*$")


def parse_lesson(text: str, path: Path | None = None) -> Lesson:
    """Read a lesson; a mistake raises `LessonError` naming the file and the line."""
    where = path.name if path is not None else "<lesson>"

    def fail(line: int, message: str) -> LessonError:
        return LessonError(f"{where}:{line}: {message}")

    lines = text.splitlines()
    first = next((i for i, s in enumerate(lines) if s.strip()), None)
    if first is None or not lines[first].startswith("# "):
        raise fail((first or 0) + 1, "a lesson starts with its title: `# Title`")
    title = lines[first][2:].strip()
    intro: list[str] = []
    steps: list[Step] = []
    current: _Draft | None = None
    block: tuple[str, int, list[str]] | None = None  # kind, opening line, lines
    for number, raw in enumerate(lines[first + 1 :], start=first + 2):
        fence = _FENCE.match(raw.strip())
        if block is not None:
            if fence and not fence.group(1):
                kind, opened, body = block
                if current is None:
                    raise fail(opened, f"a `{kind}` block belongs in a step (`## Step title`)")
                parsed = _commands(kind, body, opened + 1, fail)
                (current.actions if kind == "do" else current.checks).extend(parsed)
                block = None
            else:
                block[2].append(raw)
            continue
        if fence and fence.group(1) in ("do", "check"):
            block = (fence.group(1), number, [])
            continue
        if raw.startswith("## "):
            if current is not None:
                steps.append(current.step())
            current = _Draft(raw[3:].strip(), number, [], [], [])
            continue
        if raw.startswith("# "):
            raise fail(number, "one `# Title` per lesson; steps are `## Step title`")
        (current.text if current is not None else intro).append(raw)
    if block is not None:
        raise fail(block[1], f"the `{block[0]}` block is never closed with ```")
    if current is not None:
        steps.append(current.step())
    if not steps:
        raise fail(len(lines), "a lesson needs at least one step (`## Step title`)")
    return Lesson(title, "\n".join(intro).strip(), tuple(steps), path)


def _commands(
    kind: str, body: Sequence[str], start: int, fail: Callable[[int, str], LessonError]
) -> list[Command]:
    verbs = ACTIONS if kind == "do" else CHECKS
    out: list[Command] = []
    for number, raw in enumerate(body, start=start):
        text = raw.strip()
        if not text or text.startswith("#"):
            continue
        try:
            words = shlex.split(text, comments=True)
        except ValueError as exc:
            raise fail(number, f"cannot read `{text}`: {exc}") from None
        verb, args = words[0], tuple(words[1:])
        spec = verbs.get(verb)
        if spec is None:
            known = ", ".join(verbs)
            what = "action" if kind == "do" else "check"
            raise fail(number, f"unknown {what} '{verb}' (known: {known})")
        problem = spec.check_args(args) if spec.check_args else ""
        if problem:
            raise fail(number, f"`{verb}` {problem} (usage: {spec.usage})")
        out.append(Command(verb, args, number))
    return out


def load_lesson(path: Path) -> Lesson:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise LessonError(f"{path}: cannot read the lesson: {exc}") from None
    return parse_lesson(text, path)


def lessons_dir() -> Path:
    """The built-in lessons: `resources/lessons` of the checkout, else an install's."""
    from graphviewer.core.resources import data_dirs

    candidates = data_dirs("lessons")
    return next((folder for folder in candidates if folder.is_dir()), candidates[0])


def builtin_lessons() -> list[Lesson]:
    """Every built-in lesson, in the order of their file names (`01-call.md`, …)."""
    return [load_lesson(p) for p in sorted(lessons_dir().glob("*.md"))]


def resolve_file(name: str, lesson: Lesson) -> Path:
    """`open FILE`: a path beside the lesson file, else a sample of that name."""
    from graphviewer.core.resources import samples_dir

    if lesson.folder is not None and (lesson.folder / name).is_file():
        return (lesson.folder / name).resolve()
    if (samples_dir() / name).is_file():
        return samples_dir() / name
    raise LessonError(f"the lesson opens {name!r}: no such sample or file beside the lesson")
