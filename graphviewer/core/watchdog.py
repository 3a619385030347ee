"""Runs a job for a one-shot process under a time limit and Ctrl-C: the CLI's way to stop a forward.

The window interrupts a stuck forward through its worker; the CLI has no worker, so this runs the
job on a deep-stack thread and, when the time limit passes, raises `ForwardTimedOut` inside that
thread with `PyThreadState_SetAsyncExc` (it lands at the thread's next bytecode, so a Python loop
stops at once; a long native call only when it returns). Ctrl-C raises `Cancelled` there the same
way and waits a moment for the thread to clean up before the `KeyboardInterrupt` goes on.
"""

from __future__ import annotations

import ctypes
import threading
import time
from typing import Any, TypeVar

from graphviewer.core.errors import Cancelled, CaptureError
from graphviewer.core.jobs import Job, drive, start_deep_thread

T = TypeVar("T")

_STOP_GRACE_S = 5.0  # how long an interrupted job gets to unwind before the caller gives up


class ForwardTimedOut(BaseException):
    """Raised inside a job's thread when it ran past its time limit (`seconds`).

    A `BaseException`, like `KeyboardInterrupt`: a user's `except Exception` must not swallow it.
    """

    seconds: float = 0.0


def run_watched(job: Job[T], *, timeout: float | None = None, what: str = "the forward") -> T:
    """Run `job` to completion on a deep-stack thread and return its result (its exceptions are
    re-raised here), stopping it after `timeout` seconds (None: no limit) or on Ctrl-C."""
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["value"] = drive(job)
        except BaseException as exc:
            outcome["error"] = exc

    thread = start_deep_thread(target, "graphviewer-job")
    deadline = time.monotonic() + timeout if timeout else None
    try:
        while thread.is_alive():
            thread.join(0.1)
            if deadline is not None and time.monotonic() > deadline:
                # One class per limit: the async exception is raised from a class, not an instance.
                timed_out = type("ForwardTimedOut", (ForwardTimedOut,), {"seconds": timeout})
                _raise_in(thread, timed_out)
                deadline = None
                thread.join(_STOP_GRACE_S)
                if thread.is_alive():
                    raise CaptureError(
                        f"{what} ran longer than {timeout:g} s (--timeout) and is stuck inside "
                        "one native call that cannot be interrupted"
                    )
    except KeyboardInterrupt:
        _raise_in(thread, Cancelled)
        thread.join(_STOP_GRACE_S / 2)
        raise
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]  # type: ignore[no-any-return]


def _raise_in(thread: threading.Thread, exc_class: type[BaseException]) -> None:
    if thread.ident is not None and thread.is_alive():
        ctypes.pythonapi.PyThreadState_SetAsyncExc(
            ctypes.c_ulong(thread.ident), ctypes.py_object(exc_class)
        )
