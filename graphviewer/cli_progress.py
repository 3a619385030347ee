"""Progress of a long command on standard error: one tqdm bar per stage, only where someone sees it.

A bar appears once its stage has taken a second (tqdm's `delay`), so a quick `inspect` prints
nothing extra; nothing at all is drawn when standard error is not a terminal (a pipe, a log
file, CI) or with `--quiet`. Stages come from the jobs' `Progress` (loading, "running forward"
module by module, walking the graph) and from the command itself (laying out, writing the file).
"""

from __future__ import annotations

import shutil
import sys
import threading
import time
from typing import TextIO

from tqdm import tqdm

from graphviewer.core.jobs import Progress

tqdm.monitor_interval = 0  # no monitor thread: the ticker below refreshes the bar

SHOW_AFTER_S = 1.0
TICK_S = 0.2


class CliProgress:
    """Callable sink for `Progress` from any thread; `stage()` for the command's own steps.

    A ticker thread draws a stage's bar once the stage has lasted `SHOW_AFTER_S` and keeps its
    clock running while the stage gives no news (one long native call, the layout)."""

    def __init__(self, *, quiet: bool = False, stream: TextIO | None = None) -> None:
        self._stream = stream or sys.stderr
        isatty = getattr(self._stream, "isatty", None)
        self.enabled = not quiet and callable(isatty) and bool(isatty())
        self._bar: tqdm | None = None  # type: ignore[type-arg]
        self._stage = ""
        self._since = self._since_wall = 0.0
        self._done = self._total = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._ticker: threading.Thread | None = None

    def __call__(self, progress: Progress) -> None:
        if not self.enabled:
            return
        with self._lock:
            if progress.stage != self._stage:
                self._close_bar()
                self._stage, self._since = progress.stage, time.monotonic()
                self._since_wall = time.time()  # tqdm's clock: the elapsed time counts from here
            self._done, self._total = progress.done, progress.total
            if self._bar is not None:
                self._draw()
            if self._ticker is None:
                self._ticker = threading.Thread(
                    target=self._tick, name="graphviewer-progress", daemon=True
                )
                self._ticker.start()

    def stage(self, name: str) -> None:
        """A step of the command's own with no count: laying out, writing the picture."""
        self(Progress(name))

    def close(self) -> None:
        """Take the bar off the terminal (it leaves no line behind)."""
        self._stop.set()
        with self._lock:
            self._close_bar()
            self._stage = ""

    def __enter__(self) -> CliProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _tick(self) -> None:
        while not self._stop.wait(TICK_S):
            with self._lock:
                if not self._stage:
                    continue
                if self._bar is None and time.monotonic() - self._since >= SHOW_AFTER_S:
                    size = shutil.get_terminal_size((80, 24))
                    self._bar = tqdm(
                        total=self._total or None,
                        desc=f"graphviewer: {self._stage}",
                        file=self._stream,
                        leave=False,
                        # The terminal's size, or 80×24 where it reports none (0×0: a fresh
                        # pseudo-terminal), which tqdm takes as "no room: draw nothing".
                        ncols=size.columns,
                        nrows=size.lines,
                        bar_format=_COUNTED if self._total else _UNCOUNTED,
                    )
                    self._bar.start_t = self._bar.last_print_t = self._since_wall
                if self._bar is not None:
                    self._draw()

    def _draw(self) -> None:
        bar = self._bar
        assert bar is not None
        if self._total:
            bar.total = self._total
            bar.n = self._done
        bar.refresh()

    def _close_bar(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None


_COUNTED = "{desc}: {percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt} modules [{elapsed}]"
_UNCOUNTED = "{desc} … [{elapsed}]"
