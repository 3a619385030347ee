"""The one place in the UI that starts threads: runs core jobs off the GUI thread as Qt signals.

A job is a generator factory ``make(cancel, report) -> Job``. `JobWorker` drives one job at a
time on a deep-stack thread (freeing a big autograd graph recurses in C++), turns each `Progress`
into a signal, `cancel()` into `CancelToken.cancel()`, and the job's exception into `failed`.
Submitting a new job cancels the running one; signals of a superseded job are dropped.

Cancellation is cooperative first (the capture's hooks check the token at every module call and
op). A user's forward stuck in a pure-Python loop never reaches a hook, so after a grace period
the worker raises `Cancelled` inside that thread (`core.interrupt`), only while it runs the user's
code, never in graphviewer's cleanup. A thread inside one long C call cannot be interrupted:
`stuck` says so.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, QTimer, Signal, Slot

from graphviewer.core.errors import Cancelled
from graphviewer.core.interrupt import Interruptible
from graphviewer.core.jobs import CancelToken, Job, Progress, drive, start_deep_thread

JobFactory = Callable[[CancelToken, Callable[[Progress], None]], Job[Any]]

log = logging.getLogger(__name__)

GRACE_MS = 1500  # cooperative cancel first; interrupt the thread after this


@dataclass
class _Run:
    """Book-keeping of one job's thread: its token, its interrupt switch, whether it has ended."""

    job_id: int
    token: CancelToken = field(default_factory=CancelToken)
    switch: Interruptible | None = None
    ended: bool = False


class JobWorker(QObject):
    """Runs one job at a time off the GUI thread; its public signals fire on the GUI thread."""

    started = Signal(int)  # job id
    progress = Signal(int, object)  # job id, Progress
    finished = Signal(int, object)  # job id, the job's return value
    failed = Signal(int, object)  # job id, the exception
    cancelled = Signal(int)  # job id
    stuck = Signal(int, str)  # job id, why the cancel has not landed yet
    ended = Signal(int, str)  # job id, "finished" | "failed" | "cancelled": its thread is done

    # Emitted from the job's thread; connected to our own slots, so Qt queues them to the GUI.
    _thread_progress = Signal(int, object)
    _thread_done = Signal(int, str, object)

    def __init__(self, parent: QObject | None = None, *, grace_ms: int = GRACE_MS) -> None:
        super().__init__(parent)
        self._grace_ms = grace_ms
        self._next_id = 0
        self._current: _Run | None = None
        self._alive: dict[int, _Run] = {}
        self._thread_progress.connect(self._on_thread_progress)
        self._thread_done.connect(self._on_thread_done)

    # -- public --------------------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        """True while a job (not a superseded one) is running."""
        return self._current is not None

    @property
    def current_id(self) -> int | None:
        return self._current.job_id if self._current else None

    def submit(self, make: JobFactory, name: str = "graphviewer-job") -> int:
        """Start `make(cancel, report)` on a new thread (cancelling any running job); its id.

        The new job is current before the old one's `cancelled` fires: a listener sees `busy`
        and knows the cancel was a hand-over, not the end of the work.
        """
        previous = self._current
        self._next_id += 1
        run = _Run(self._next_id)
        self._current = run
        self._alive[run.job_id] = run
        if previous is not None:
            self._stop(previous)

        def report(progress: Progress) -> None:
            self._thread_progress.emit(run.job_id, progress)

        def target() -> None:
            outcome: tuple[str, object] = ("cancelled", None)
            with Interruptible() as switch:
                run.switch = switch
                try:
                    job = make(run.token, report)
                    value = drive(job, report)
                    outcome = ("finished", value)
                except Cancelled:
                    outcome = ("cancelled", None)
                except BaseException as exc:  # SystemExit from user code included
                    outcome = ("cancelled", None) if run.token.cancelled else ("failed", exc)
            run.ended = True
            log.debug("job %d (%s) %s", run.job_id, name, outcome[0])
            with contextlib.suppress(RuntimeError):  # the worker's owner is gone: nobody to tell
                self._thread_done.emit(run.job_id, outcome[0], outcome[1])

        start_deep_thread(target, name)
        self.started.emit(run.job_id)
        return run.job_id

    def cancel(self) -> None:
        """Ask the running job to stop; interrupt its thread if it has not after a grace period."""
        run, self._current = self._current, None
        if run is not None:
            self._stop(run)

    def _stop(self, run: _Run) -> None:
        run.token.cancel()
        self.cancelled.emit(run.job_id)
        QTimer.singleShot(self._grace_ms, self, lambda: self._interrupt(run))

    def wait_idle(self, timeout_s: float = 5.0) -> bool:
        """Wait, processing events, until every job thread has ended; True if they all did.

        Events keep flowing so that the interrupt timers of a cancelled job still fire.
        """
        deadline = time.monotonic() + timeout_s
        while any(not r.ended for r in self._alive.values()):
            if time.monotonic() > deadline:
                return False
            QCoreApplication.processEvents()
            time.sleep(0.01)
        return True

    # -- the fallback interrupt ----------------------------------------------------------------
    def _interrupt(self, run: _Run) -> None:
        """Interrupt the thread if it is inside the user's code; look again later otherwise."""
        switch = run.switch
        if run.ended:
            return
        outcome = switch.interrupt(Cancelled) if switch is not None else "not-in-user-code"
        if outcome == "ended":
            return
        if outcome == "sent-before" and switch is not None and switch.in_user_code:
            self.stuck.emit(
                run.job_id,
                "the model is still inside one long native call and cannot be interrupted; "
                "it stops when that call returns",
            )
            return
        # Sent now, or the thread is in graphviewer's own code (which checks the token soon):
        # never interrupted there, since cleanup cut short would leave hooks on the model.
        QTimer.singleShot(self._grace_ms, self, lambda: self._interrupt(run))

    # -- slots on the GUI thread ---------------------------------------------------------------
    @Slot(int, object)
    def _on_thread_progress(self, job_id: int, progress: Progress) -> None:
        if self._current is not None and job_id == self._current.job_id:
            self.progress.emit(job_id, progress)

    @Slot(int, str, object)
    def _on_thread_done(self, job_id: int, outcome: str, value: object) -> None:
        self._alive.pop(job_id, None)
        self.ended.emit(job_id, outcome)  # for superseded and cancelled jobs too
        if self._current is None or job_id != self._current.job_id:
            return  # superseded or cancelled: `cancelled` was already emitted
        self._current = None
        if outcome == "finished":
            self.finished.emit(job_id, value)
        elif outcome == "failed":
            self.failed.emit(job_id, value)
        else:
            self.cancelled.emit(job_id)
