"""The window's jobs: open a model (load → capture → lay out) and re-lay out after a collapse.

Plain generators over core, Qt-free, run by `ui.worker.JobWorker`. What they return is frozen
(`OpenedGraph`) so it can cross from the worker thread to the GUI. Label widths come from a
`MeasureFactory` called on the job's thread: Qt font metrics made on the GUI thread must not be
used on another.
"""

from __future__ import annotations

import io
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from graphviewer.core.errors import CaptureError
from graphviewer.core.jobs import CancelToken, Job, Progress
from graphviewer.core.layout.direction import Direction
from graphviewer.core.types import GraphSnapshot, Layout, Mode, ModelSpec

log = logging.getLogger(__name__)

Measure = Callable[[str], tuple[float, float]]
MeasureFactory = Callable[[], Measure]  # called on the job's thread


@dataclass(frozen=True)
class OpenRequest:
    """What to open and how: a file (or a live model's spec), the mode, trust, an input shape."""

    path: Path | None
    mode: Mode = "train"
    trust: bool = False
    input_shape: tuple[int, ...] | None = None
    model: str | None = None  # `--model`: a variable, a class or a call such as "Net(3)"
    run_script: bool = False  # `--run-script`: run a script to its end, not to its first forward
    spec: ModelSpec | None = None  # a live model from `graphviewer.show`; None for a file
    collapsed: frozenset[str] | None = None  # None: the layout engine's default depth
    depth: int | None = None  # the expansion depth when `collapsed` is None (None: default)
    device: str | None = None  # "meta": build without weights; None: the file's hint, else cpu
    direction: Direction = "TB"  # the flow: top to bottom or left to right

    @property
    def title(self) -> str:
        if self.path is not None:
            return self.path.name
        return self.spec.name if self.spec is not None else "untitled"

    def with_mode(self, mode: Mode) -> OpenRequest:
        return replace(self, mode=mode)


@dataclass(frozen=True)
class OpenedGraph:
    """One opened model as the window shows it: the request, its snapshot and its layout."""

    request: OpenRequest
    snapshot: GraphSnapshot
    layout: Layout
    timings: dict[str, float] = field(default_factory=dict)  # stage -> seconds
    # A forward that failed after building part of its graph: that part is `snapshot` (its
    # `failure` says where), and this is the error to show above it.
    error: CaptureError | None = None

    def with_layout(self, layout: Layout) -> OpenedGraph:
        request = replace(self.request, collapsed=None, direction=layout.direction)
        return replace(self, layout=layout, request=request)


def open_model(
    request: OpenRequest,
    make_measure: MeasureFactory | None,
    cancel: CancelToken,
    report: Callable[[Progress], None],
) -> Job[OpenedGraph]:
    """Load the file (unless the request holds a live spec), capture one pass, lay it out."""
    from graphviewer.core.capture import capture_graph

    log.info("opening %s (%s)", request.path or request.title, request.mode)
    measure = make_measure() if make_measure is not None else None
    timings: dict[str, float] = {}
    spec = yield from load_spec(request, cancel, report, timings)
    error: CaptureError | None = None
    collapsed = request.collapsed
    try:
        snapshot = yield from capture_graph(spec, request.mode, cancel=cancel, report=report)
    except CaptureError as exc:
        # What the forward built before it failed is shown with the error (a forward that
        # failed before making any node leaves nothing to show: the last graph stays).
        if exc.snapshot is None or exc.snapshot.num_nodes == 0:
            raise
        snapshot, error = exc.snapshot, exc
        collapsed = _unfold_failure(snapshot, collapsed, request.depth)
    del spec  # the live model stays in the request only for `graphviewer.show`
    timings.update(snapshot.timings)
    layout = yield from lay_out(
        snapshot, collapsed, None, measure, cancel, depth=request.depth, direction=request.direction
    )
    timings["layout"] = layout.seconds
    log.info(
        "opened %s: %d nodes; %s",
        request.title,
        snapshot.num_nodes,
        ", ".join(f"{k} {v:.2f} s" for k, v in timings.items()),
    )
    return OpenedGraph(request, snapshot, layout, timings, error)


def load_spec(
    request: OpenRequest,
    cancel: CancelToken,
    report: Callable[[Progress], None],
    timings: dict[str, float],
) -> Job[ModelSpec]:
    """The request's model: its live spec, or its file loaded (`timings["load"]` set)."""
    from graphviewer.core.gc_pause import settle_loaded
    from graphviewer.core.model_file import load_model_file

    spec = request.spec
    if spec is None:
        assert request.path is not None
        yield Progress("loading")
        start = time.perf_counter()
        spec = load_model_file(
            request.path,
            trust=request.trust,
            input_shape=request.input_shape,
            model_name=request.model,
            run_script=request.run_script,
            cancel=cancel,
            stdout=io.StringIO(),  # the script's prints land in spec.log, not on a terminal
            report=report,
            device=request.device,
        )
        # The previous model's cycles are collected, the new one kept out of full sweeps:
        # a sweep of a big model's objects would stall a frame for 200+ ms at random.
        settle_loaded(collect=True)
        timings["load"] = time.perf_counter() - start
    cancel.raise_if_cancelled()
    return spec


def _unfold_failure(
    snapshot: GraphSnapshot, collapsed: frozenset[str] | None, depth: int | None
) -> frozenset[str]:
    """The folding for a failed forward's graph: as asked (or the default), except that the
    module that raised and every module around it are open, so it can be seen and selected."""
    from graphviewer.core.layout import default_collapsed

    if collapsed is None:
        collapsed = frozenset(default_collapsed(snapshot.graph, snapshot.modules, depth=depth))
    failure = snapshot.failure
    if failure is None or failure.module is None:
        return collapsed
    parts = failure.module.split(".") if failure.module else []
    around = {".".join(parts[:k]) for k in range(len(parts) + 1)}
    return frozenset(p for p in collapsed if p not in around)


def lay_out(
    snapshot: GraphSnapshot,
    collapsed: frozenset[str] | None,
    previous: Layout | None,
    measure: Measure | None,
    cancel: CancelToken,
    *,
    depth: int | None = None,
    direction: Direction = "TB",
) -> Job[Layout]:
    """Lay out `snapshot` with `collapsed` modules (None: fold below `depth`), near `previous`,
    flowing in `direction`."""
    from graphviewer.core.layout import default_collapsed, layout_graph

    yield Progress("laying out")
    log.debug("laying out %d nodes", snapshot.num_nodes)
    cancel.raise_if_cancelled()
    if collapsed is None:
        collapsed = frozenset(default_collapsed(snapshot.graph, snapshot.modules, depth=depth))
    else:  # a reload may have renamed or removed modules
        collapsed = frozenset(p for p in collapsed if p in snapshot.modules)
    return layout_graph(  # no_grad's empty graph gives an empty layout
        snapshot.graph,
        snapshot.modules,
        collapsed=collapsed,
        measure=measure,
        previous=previous,
        direction=direction,
    )
