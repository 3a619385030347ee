"""The CLI's process: Ctrl-C at any moment, exiting at once when the model left threads, and
bytes to standard output. One-shot processes only; the window has its own handling."""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from typing import Any, NoReturn

EXIT_USER_ERROR = 2
EXIT_INTERRUPTED = 130


def exit_on_sigint(signum: int, frame: object) -> None:
    """The SIGINT handler until the forward starts: one line, status 130, now."""
    print("graphviewer: interrupted", file=sys.stderr)
    exit_flushed(EXIT_INTERRUPTED)


_installed = False


def sigint_ends_process() -> None:
    """Until the forward starts, Ctrl-C ends the process at once: a KeyboardInterrupt raised
    while torch or the user's file imports can be swallowed by a bare `except:` in there and
    leave torch half-initialised (the forward then fails with a RecursionError)."""
    global _installed
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, exit_on_sigint)
        _installed = True


def sigint_raises() -> None:
    """From the forward on, Ctrl-C raises KeyboardInterrupt again: the job is cancelled and
    an export's temporary file is removed before the process ends."""
    global _installed
    if _installed:
        signal.signal(signal.SIGINT, signal.default_int_handler)
        _installed = False


def exit_now_if_threads_remain(status: int, before: set[threading.Thread]) -> int:
    """Exit at once, output flushed, when threads the command started are still running.

    Python would wait for a non-daemon thread the model started (for ever, or 22 s) and abort
    on a daemon one still inside torch at shutdown (SIGABRT, "terminate called without an
    active exception"); a forward stuck in native code after Ctrl-C would do the same."""
    stray = [t for t in threading.enumerate() if t.is_alive() and t not in before]
    if not stray:
        return status
    ours = [t for t in stray if t.name.startswith("graphviewer-")]
    if ours:
        print("graphviewer: the forward is still running; exiting without it", file=sys.stderr)
    if len(stray) > len(ours):
        names = ", ".join(sorted({t.name for t in stray if t not in ours}))
        print(
            f"graphviewer: note: the model left {len(stray) - len(ours)} thread(s) running "
            f"({names}); exiting without waiting for them",
            file=sys.stderr,
        )
    exit_flushed(status)


def exit_flushed(status: int) -> NoReturn:
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(status)


def write_stdout(stdout: Any, data: bytes) -> None:
    """Bytes to standard output: its binary buffer, or as text where it has none (a test's)."""
    buffer = getattr(stdout, "buffer", None)
    if buffer is not None:
        stdout.flush()
        buffer.write(data)
        buffer.flush()
    else:
        stdout.write(data.decode("utf-8", errors="replace"))
        stdout.flush()
