"""The standard streams user code gets in a one-shot process, so that it cannot break ours.

While a model file loads and its forward runs, `user_stdio` gives the user's code its own
`sys.stdout` / `sys.stderr` (closing them closes nothing of ours), an empty standard input
(`input()` raises `EOFError` at once instead of waiting or printing a prompt onto our error line)
and, for a JSON channel, points file descriptor 1 at standard error so that even `os.write(1, …)`
or a C library's printf cannot corrupt the document written after it.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
from collections.abc import Iterator
from typing import Any, TextIO


class UserStream(io.TextIOBase):
    """A stream handed to user code: writes go to `target`; `close()` closes only this stream.

    It remembers whether the last text written ended a line (`open_line`): an `input()` prompt
    or a `print(..., end="")` must not glue our next message to it."""

    def __init__(self, target: TextIO) -> None:
        super().__init__()
        self._target = target
        self.open_line = False

    def write(self, text: str) -> int:
        if self.closed:
            raise ValueError("I/O operation on closed file.")
        if text:
            self.open_line = not text.endswith("\n")
        return self._target.write(text)

    def flush(self) -> None:
        if not self.closed:
            with contextlib.suppress(OSError, ValueError):
                self._target.flush()

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        # Libraries keep a reference to the stream they were imported under (colorama asks
        # it at exit): never fail, whatever became of the target.
        try:
            return not self.closed and bool(self._target.isatty())
        except (AttributeError, OSError, ValueError):
            return False

    def fileno(self) -> int:
        return self._target.fileno()

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return getattr(self._target, "encoding", None) or "utf-8"

    @property
    def buffer(self) -> Any:
        return getattr(self._target, "buffer", None)


class UserStdio:
    """What `user_stdio` set up; `open_line` says a message should start on a new line."""

    def __init__(self, stdout: UserStream, stderr: UserStream) -> None:
        self.stdout, self.stderr = stdout, stderr

    @property
    def open_line(self) -> bool:
        return self.stdout.open_line or self.stderr.open_line


@contextlib.contextmanager
def user_stdio(*, json_channel: bool = False) -> Iterator[UserStdio]:
    """Give user code its own streams and no standard input; with `json_channel`, whatever it
    writes to standard output (file descriptor 1 included) lands on standard error."""
    saved = (sys.stdin, sys.stdout, sys.stderr)
    out_target = sys.stderr if json_channel else sys.stdout
    streams = UserStdio(UserStream(out_target), UserStream(sys.stderr))
    moved: list[tuple[int, int]] = []  # (fd, saved copy) to put back
    with contextlib.ExitStack() as undo:
        undo.callback(_restore_fds, moved)
        _flush(sys.__stdout__, sys.stdout)
        # The empty stdin at the descriptor too: a child process or os.read(0) gets EOF.
        with contextlib.suppress(OSError):
            null = os.open(os.devnull, os.O_RDONLY)
            moved.append((0, os.dup(0)))
            os.dup2(null, 0)
            os.close(null)
        if json_channel:
            with contextlib.suppress(OSError):
                moved.append((1, os.dup(1)))
                os.dup2(2, 1)
        sys.stdin = io.StringIO("")
        sys.stdout, sys.stderr = streams.stdout, streams.stderr
        try:
            yield streams
        finally:
            streams.stdout.flush()
            streams.stderr.flush()
            # Anything written to the process's own streams meanwhile goes where fd 1 points now.
            _flush(sys.__stdout__, sys.__stderr__)
            sys.stdin, sys.stdout, sys.stderr = saved
            if streams.open_line:  # an input() prompt: our next line must not be glued to it
                with contextlib.suppress(OSError, ValueError):
                    sys.stderr.write("\n")


def _flush(*streams: Any) -> None:
    for stream in streams:
        with contextlib.suppress(OSError, ValueError, AttributeError):
            stream.flush()


def _restore_fds(moved: list[tuple[int, int]]) -> None:
    for fd, copy in reversed(moved):
        with contextlib.suppress(OSError):
            os.dup2(copy, fd)
            os.close(copy)
