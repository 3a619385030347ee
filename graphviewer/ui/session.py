"""The model the window shows: opens, reloads, re-captures and re-lays it out through workers.

`ModelSession` holds the last good `OpenedGraph`; a failed open leaves it in place, so the graph
on screen stays usable under the error. Opening (load → capture → layout) and re-layout after a
collapse run on separate `JobWorker`s: the old graph can still be folded while a new one loads.
"""

from __future__ import annotations

import logging
import re
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from graphviewer.core.errors import NeedsInputError, UntrustedFileError
from graphviewer.core.jobs import CancelToken, Job, Progress
from graphviewer.core.layout.direction import Direction
from graphviewer.core.types import Layout, Mode
from graphviewer.ui.jobs import MeasureFactory, OpenedGraph, OpenRequest, lay_out, open_model
from graphviewer.ui.mode_cache import ModeCache
from graphviewer.ui.worker import JobWorker

log = logging.getLogger(__name__)


class ModelSession(QObject):
    """Runs the window's jobs and remembers the graph on screen; all signals on the GUI thread."""

    loading = Signal(object)  # OpenRequest: a job started
    progress = Signal(object)  # Progress
    opened = Signal(object)  # OpenedGraph: a new snapshot and layout
    relaid = Signal(object, str)  # OpenedGraph with a new layout; the item to keep in place
    failed = Signal(object, object)  # OpenRequest, the exception
    needs_trust = Signal(object)  # OpenRequest of an untrusted pickle
    needs_input = Signal(object, str)  # OpenRequest, the loader's hint ("16,20")
    cancelled = Signal()
    stuck = Signal(str)
    idle = Signal()  # no open job running any more (done, failed or cancelled)

    def __init__(
        self, make_measure: MeasureFactory | None = None, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._make_measure = make_measure
        self.current: OpenedGraph | None = None
        self.modes = ModeCache()  # the open model's captures per mode
        self._pending: OpenRequest | None = None
        self._anchor = ""
        self.direction: Direction = "TB"  # the flow of every graph opened from now on
        self._opener = JobWorker(self)
        self._layouter = JobWorker(self)
        self._opener.progress.connect(self._on_opener_progress)
        self._opener.finished.connect(self._on_opener_finished)
        self._opener.failed.connect(self._on_opener_failed)
        self._opener.cancelled.connect(self._on_opener_cancelled)
        self._opener.stuck.connect(self._on_opener_stuck)
        self._layouter.finished.connect(self._on_layouter_finished)
        self._layouter.failed.connect(self._on_layouter_failed)

    @property
    def busy(self) -> bool:
        return self._opener.busy

    @property
    def pending(self) -> OpenRequest | None:
        """The request being opened right now, if any."""
        return self._pending

    def set_measure(self, make_measure: MeasureFactory | None) -> None:
        """How jobs measure label text: a factory each job calls on its own thread."""
        self._make_measure = make_measure

    # -- requests ------------------------------------------------------------------------------
    def open(self, request: OpenRequest) -> None:
        """Open a file or live model in a worker; a running open is cancelled first."""
        request = replace(request, direction=self.direction)
        self._pending = request
        make_measure = self._make_measure
        self._layouter.cancel()
        self.loading.emit(request)
        self._opener.submit(
            lambda cancel, report: open_model(request, make_measure, cancel, report),
            name="graphviewer-open",
        )

    def open_path(self, path: Path, mode: Mode = "train") -> None:
        self.open(OpenRequest(path=Path(path), mode=mode))

    def reload(self) -> None:
        """Open the current model again (same mode, trust and folding)."""
        if self.current is not None:
            self.modes.clear()  # the file may have changed: every mode runs again
            self.open(replace(self.current.request, collapsed=self.current.layout.collapsed))

    def set_mode(self, mode: Mode) -> None:
        """Show the current model in another mode, keeping what is folded: at once when that
        mode was captured already, else captured again."""
        current = self.current
        if current is None or current.request.mode == mode:
            return
        cached = self.modes.get(current.request, mode)
        if cached is None:
            request = current.request.with_mode(mode)
            self.open(replace(request, collapsed=current.layout.collapsed))
            return
        self.show_cached(cached, current.layout.collapsed)

    def show_cached(self, opened: OpenedGraph, collapsed: frozenset[str] | None = None) -> None:
        """Show a capture kept in `modes` (no job runs), folded as `collapsed` when given."""
        if self._opener.busy:
            self._opener.cancel()  # an open still running would replace it when it ends
        self.current = opened
        self.opened.emit(opened)
        if collapsed is not None:
            wanted = frozenset(p for p in collapsed if p in opened.snapshot.modules)
            if wanted != opened.layout.collapsed:
                self.set_collapsed(wanted)

    def set_direction(self, direction: Direction) -> None:
        """Flow every graph `direction` from now on, the current one laid out again at once."""
        self.direction = direction
        if self.current is not None and self.current.layout.direction != direction:
            self.set_collapsed(self.current.layout.collapsed)

    def set_collapsed(self, collapsed: frozenset[str], anchor: str = "") -> None:
        """Lay the current graph out again with `collapsed` modules; `anchor` stays in place."""
        current = self.current
        if current is None:
            return
        direction = self.direction
        self._anchor = anchor
        make_measure = self._make_measure

        def job(cancel: CancelToken, _report: object) -> Job[tuple[object, Layout]]:
            measure = make_measure() if make_measure is not None else None
            snapshot = current.snapshot
            layout = yield from lay_out(
                snapshot, collapsed, current.layout, measure, cancel, direction=direction
            )
            return snapshot, layout

        self._layouter.submit(job, name="graphviewer-layout")

    def cancel(self) -> None:
        self._opener.cancel()

    def wait_idle(self, timeout_s: float = 5.0) -> bool:
        return self._opener.wait_idle(timeout_s) and self._layouter.wait_idle(timeout_s)

    # -- worker signals ------------------------------------------------------------------------
    def _on_opener_progress(self, _job: int, progress: Progress) -> None:
        self.progress.emit(progress)

    def _on_opener_finished(self, _job: int, result: OpenedGraph) -> None:
        self._pending = None
        self.current = result
        self.modes.put(result)
        self.opened.emit(result)
        if result.error is not None:  # a failed forward's partial graph: shown, then the error
            self.failed.emit(result.request, result.error)
        self.idle.emit()

    def _on_opener_failed(self, _job: int, error: BaseException) -> None:
        request, self._pending = self._pending, None
        log.info("open failed: %s: %s", type(error).__name__, error)
        if isinstance(error, UntrustedFileError) and request is not None:
            self.needs_trust.emit(request)
        elif isinstance(error, NeedsInputError) and request is not None:
            self.needs_input.emit(request, suggested_shape(error.hint))
        else:
            self.failed.emit(request, error)
        self.idle.emit()

    def _on_opener_cancelled(self, _job: int) -> None:
        if self._opener.busy:  # superseded by a newer open: that one is still running
            return
        self._pending = None
        self.cancelled.emit()
        self.idle.emit()

    def _on_opener_stuck(self, _job: int, why: str) -> None:
        self.stuck.emit(why)

    def _on_layouter_finished(self, _job: int, value: tuple[object, Layout]) -> None:
        snapshot, layout = value
        current = self.current
        if current is None or current.snapshot is not snapshot:
            return  # laid out a graph that has been replaced since
        result = current.with_layout(layout)
        self.current = result
        self.modes.put(result)
        self.relaid.emit(result, self._anchor)

    def _on_layouter_failed(self, _job: int, error: BaseException) -> None:
        self.failed.emit(None, error)


def suggested_shape(hint: str) -> str:
    """The shape a loader's hint suggests: "define example_input() or pass --input-shape 1,16"."""
    found = re.search(r"--input-shape (\S+)", hint)
    return found.group(1) if found else ""
