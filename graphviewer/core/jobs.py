"""Jobs are plain generators: they yield `Progress`, check a `CancelToken`, and return a result.

The CLI drives them with `run_job` (synchronously); the window's worker drives the same
generator in a thread and turns each `Progress` into a signal.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import TypeVar

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


def run_job(job: Job[T], on_progress: Callable[[Progress], None] | None = None) -> T:
    """Drive a job generator to completion and return its result."""
    while True:
        try:
            progress = next(job)
        except StopIteration as stop:
            return stop.value  # type: ignore[no-any-return]
        if on_progress is not None:
            on_progress(progress)
