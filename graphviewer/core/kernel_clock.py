"""How long numba spent compiling the statistics kernels, so that it is not counted as the forward.

The kernels in `core.scan` are compiled on their first call and cached on disk: the first capture
on a machine (or after an upgrade) compiles them for a few seconds, later ones load them in
milliseconds. Timed inside the forward, that compile would read as a forward of several seconds.
`compile_clock` listens to numba's own "numba:compile" events (outermost ones only, so nested
compiles count once) and `split_compile` moves the compile time into a stage of its own.
`warm_kernels` compiles (or loads) them ahead of time: setup calls it once per install.
"""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping
from contextlib import contextmanager
from typing import Any

COMPILE_STAGE = "compile kernels"


class CompileClock:
    """Seconds numba spent compiling while the clock was installed (read at any time)."""

    def __init__(self, timer: Any) -> None:
        self._timer = timer  # numba's TimingListener: outermost compile events only

    @property
    def seconds(self) -> float:
        return float(self._timer.duration) if self._timer.done else 0.0


@contextmanager
def compile_clock() -> Iterator[CompileClock]:
    """Measure numba compile time inside the block (any thread: numba's listeners are global,
    and the statistics kernels compile on the thread that runs the forward)."""
    from numba.core import event

    with event.install_listener("numba:compile", event.TimingListener()) as timer:
        yield CompileClock(timer)


def split_compile(timings: MutableMapping[str, float], stage: str, clock: CompileClock) -> None:
    """Move the compile time measured during `stage` into a stage of its own."""
    spent = min(clock.seconds, timings.get(stage, 0.0))
    if spent <= 0.0:
        return
    timings[stage] -= spent
    timings[COMPILE_STAGE] = timings.get(COMPILE_STAGE, 0.0) + spent


def warm_kernels() -> float:
    """Compile (first run) or load (later runs) the statistics kernels for the layouts a capture
    uses, and return the seconds numba spent compiling."""
    import torch

    from graphviewer.core.stats import tensor_stats

    with compile_clock() as clock:
        for dtype in (torch.float32, torch.float64):
            for shape in ((64,), (8, 16), (2, 4, 8), (2, 3, 4, 4)):
                tensor_stats(torch.randn(shape, dtype=dtype))
            tensor_stats(torch.full((4, 8), float("nan"), dtype=dtype))
    return clock.seconds


if __name__ == "__main__":
    print(f"statistics kernels ready ({warm_kernels():.1f} s compiling)")
