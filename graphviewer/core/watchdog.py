"""Runs a job for a one-shot process under a time limit and Ctrl-C: the CLI's way to stop a forward.

The window interrupts a stuck forward through its worker; the CLI has no worker, so this runs the
job on a deep-stack thread and, when the time limit passes, raises `ForwardTimedOut` inside that
thread with `PyThreadState_SetAsyncExc` (it lands at the thread's next bytecode inside the user's
code, so a Python loop stops at once; a long native call only when it returns). Ctrl-C cancels the
job's token, then raises `Cancelled` there the same way, and waits a moment for the thread to clean
up before the `KeyboardInterrupt` goes on.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from graphviewer.core.errors import Cancelled, CaptureError
from graphviewer.core.interrupt import Interruptible
from graphviewer.core.jobs import CancelToken, Job, Progress, drive, start_deep_thread

T = TypeVar("T")

_STOP_GRACE_S = 5.0  # how long an interrupted job gets to unwind before the caller gives up
_CANCEL_GRACE_S = 1.0  # how long a cancelled job gets to stop by itself before the interrupt


class ForwardTimedOut(BaseException):
    """Raised inside a job's thread when it ran past its time limit (`seconds`).

    A `BaseException`, like `KeyboardInterrupt`: a user's `except Exception` must not swallow it.
    """

    seconds: float = 0.0


def run_watched(
    job: Job[T],
    *,
    timeout: float | None = None,
    what: str = "the forward",
    cancel: CancelToken | None = None,
    on_progress: Callable[[Progress], None] | None = None,
) -> T:
    """Run `job` to completion on a deep-stack thread and return its result (its exceptions are
    re-raised here), stopping it after `timeout` seconds (None: no limit) or on Ctrl-C.

    Ctrl-C first sets `cancel` (the job's own token: its hooks stop the forward at the next
    module call or torch op, cleanly); a forward still running after a moment is interrupted.
    Every interrupt lands only inside the user's code (`core.interrupt`), never in torch's mode
    switches or graphviewer's cleanup, which would leave a broken mode stack behind.
    """
    outcome: dict[str, Any] = {}
    switch = Interruptible()

    def target() -> None:
        with switch:
            try:
                outcome["value"] = drive(job, on_progress)
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
                deadline = None
                _stop(thread, switch, timed_out, _STOP_GRACE_S)
                if thread.is_alive():
                    raise CaptureError(
                        f"{what} ran longer than {timeout:g} s (--timeout) and is stuck inside "
                        "one native call that cannot be interrupted"
                    )
    except KeyboardInterrupt:
        if cancel is not None:
            cancel.cancel()
            thread.join(_CANCEL_GRACE_S)
        _stop(thread, switch, Cancelled, _STOP_GRACE_S / 2)
        raise
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]  # type: ignore[no-any-return]


def _stop(
    thread: threading.Thread, switch: Interruptible, exc: type[BaseException], grace: float
) -> None:
    """Interrupt `thread` with `exc` once it is inside the user's code; wait up to `grace`
    seconds for it to end (it may be in graphviewer's own code, which checks its token)."""
    end = time.monotonic() + grace
    while thread.is_alive() and time.monotonic() < end:
        if switch.interrupt(exc) == "ended":
            break
        thread.join(0.02)
    thread.join(max(0.0, end - time.monotonic()))
