"""The compare view's job: one load, every mode captured on the same input, diffs, layouts.

Qt-free like `ui.jobs`; run by the modes controller's `JobWorker`. Its result holds an
`OpenedGraph` per mode (they go into the session's per-mode cache, so every later switch is
instant) and the diff of every pair of modes: module outputs are compared in the worker as the
captures run and never leave it; only frozen data reaches the GUI.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from itertools import combinations

from graphviewer.core.jobs import CancelToken, Job, Progress
from graphviewer.core.mode_diff import ModeDiff, diff_modes
from graphviewer.core.types import MODES, Mode
from graphviewer.ui.jobs import MeasureFactory, OpenedGraph, OpenRequest, lay_out, load_spec


@dataclass(frozen=True)
class ComparedModes:
    """Every mode of one model as the window shows it, and what differs between each pair."""

    request: OpenRequest
    opened: Mapping[Mode, OpenedGraph]
    diffs: Mapping[frozenset[Mode], ModeDiff]

    def diff(self, shown: Mode, other: Mode) -> ModeDiff | None:
        return self.diffs.get(frozenset((shown, other)))


def compare_modes_job(
    request: OpenRequest,
    make_measure: MeasureFactory | None,
    cancel: CancelToken,
    report: Callable[[Progress], None],
    collapsed: frozenset[str] | None = None,
) -> Job[ComparedModes]:
    """Load `request`'s model once, capture train, eval and no_grad, lay each out, diff."""
    from graphviewer.core.modes import capture_modes

    measure = make_measure() if make_measure is not None else None
    timings: dict[str, float] = {}
    spec = yield from load_spec(request, cancel, report, timings)
    start = time.perf_counter()
    run = yield from capture_modes(spec, MODES, cancel=cancel, report=report)
    timings["capture modes"] = time.perf_counter() - start
    del spec
    yield Progress("comparing modes")
    diffs = {frozenset((a, b)): diff_modes(run, a, b) for a, b in combinations(MODES, 2)}
    opened: dict[Mode, OpenedGraph] = {}
    previous = None
    for mode, capture in run.captures.items():
        snap = capture.snapshot
        layout = yield from lay_out(snap, collapsed, previous, measure, cancel, depth=request.depth)
        previous = layout if layout.items else previous
        opened[mode] = OpenedGraph(request.with_mode(mode), snap, layout, dict(timings))
    return ComparedModes(request, opened, diffs)
