"""The job worker: results, errors, cooperative cancel, and the interrupt of a stuck Python loop."""

from __future__ import annotations

import time

from pytestqt.qtbot import QtBot

from graphviewer.core.jobs import Progress
from graphviewer.ui.worker import JobWorker


def _counting(n: int):
    def make(cancel, report):
        def job():
            for i in range(n):
                cancel.raise_if_cancelled()
                yield Progress("counting", i, n)
            return n

        return job()

    return make


def test_worker_returns_result_and_progress(qtbot: QtBot) -> None:
    worker = JobWorker()
    seen: list[Progress] = []
    worker.progress.connect(lambda _id, p: seen.append(p))
    with qtbot.waitSignal(worker.finished, timeout=5000) as blocker:
        worker.submit(_counting(3))
    assert blocker.args[1] == 3
    assert not worker.busy


def test_worker_reports_errors_including_system_exit(qtbot: QtBot) -> None:
    def make(cancel, report):
        def job():
            yield Progress("about to exit")
            raise SystemExit(3)

        return job()

    worker = JobWorker()
    with qtbot.waitSignal(worker.failed, timeout=5000) as blocker:
        worker.submit(make)
    assert isinstance(blocker.args[1], SystemExit)


def test_worker_interrupts_a_python_infinite_loop(qtbot: QtBot) -> None:
    started = []

    def make(cancel, report):
        def job():
            from graphviewer.core.interrupt import user_code

            yield Progress("looping")
            started.append(True)
            with user_code():  # the user's code: the only place the interrupt may land
                while True:  # never checks the token: only the interrupt can stop it
                    pass

        return job()

    worker = JobWorker(grace_ms=100)
    worker.submit(make)
    qtbot.waitUntil(lambda: bool(started), timeout=5000)
    with qtbot.waitSignal(worker.cancelled, timeout=2000):
        worker.cancel()
    start = time.monotonic()
    assert worker.wait_idle(5.0)
    assert time.monotonic() - start < 5.0


def test_worker_new_job_supersedes_old(qtbot: QtBot) -> None:
    def slow(cancel, report):
        def job():
            while True:
                cancel.raise_if_cancelled()
                time.sleep(0.01)
                yield Progress("slow")

        return job()

    worker = JobWorker()
    results: list[object] = []
    worker.finished.connect(lambda _id, v: results.append(v))
    worker.submit(slow)
    with qtbot.waitSignal(worker.finished, timeout=5000):
        worker.submit(_counting(2))
    assert results == [2]
    assert worker.wait_idle(5.0)
