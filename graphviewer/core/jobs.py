"""Jobs are plain generators: they yield `Progress`, check a `CancelToken`, and return a result.

The CLI drives them with `run_job` (synchronously); the window's worker drives the same
generator in a thread and turns each `Progress` into a signal.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any, TypeVar

from graphviewer.core.errors import Cancelled

T = TypeVar("T")


@dataclass(frozen=True)
class Progress:
    """One step of a job: `stage` is shown to the user ("running forward"), `total` may be 0."""

    stage: str
    done: int = 0
    total: int = 0


class CancelToken:
    """A thread-safe flag a job checks between steps; `cancel()` may be called from any thread."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def raise_if_cancelled(self) -> None:
        if self._event.is_set():
            raise Cancelled()


Job = Generator[Progress, None, T]


# Freeing a deep autograd graph whose nodes Python has touched recurses in C++, one frame per
# node: 50,000 nodes overflow the default 8 MB stack (measured on torch 2.13). Jobs therefore run
# on threads with a large stack; it is virtual memory, only the pages used are committed.
DEEP_STACK_BYTES = 1024 * 1024 * 1024
_stack_lock = threading.Lock()


def drive(job: Job[T], on_progress: Callable[[Progress], None] | None = None) -> T:
    """Drive a job generator to completion on the current thread and return its result."""
    while True:
        try:
            progress = next(job)
        except StopIteration as stop:
            return stop.value  # type: ignore[no-any-return]
        if on_progress is not None:
            on_progress(progress)


def start_deep_thread(target: Callable[[], None], name: str) -> threading.Thread:
    """Start a daemon thread with a stack deep enough to free 100,000-node autograd graphs."""
    with _stack_lock:
        previous = threading.stack_size(DEEP_STACK_BYTES)
        try:
            thread = threading.Thread(target=target, name=name, daemon=True)
            thread.start()
        finally:
            threading.stack_size(previous)
    return thread


def run_job(job: Job[T], on_progress: Callable[[Progress], None] | None = None) -> T:
    """Run a job to completion on a deep-stack thread, wait for it, and return its result.

    Its exceptions are re-raised here; `on_progress` is called on the job's thread.
    """
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["value"] = drive(job, on_progress)
        except BaseException as exc:
            outcome["error"] = exc

    thread = start_deep_thread(target, "graphviewer-job")
    while thread.is_alive():
        thread.join(0.1)
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]  # type: ignore[no-any-return]
