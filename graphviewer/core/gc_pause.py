"""Pausing Python's cyclic garbage collector while a step builds many small acyclic objects."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic collector for the block (nested uses are fine).

    The walk, the capture and the layout build tens of thousands of small objects that make no
    cycles; with the collector on, each thousand allocations sweeps the young objects and every
    so often the whole heap, which with torch and transformers imported is hundreds of thousands
    of objects (one sweep: tens of milliseconds). Halves the walk's time."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def settle_loaded(*, collect: bool) -> None:
    """Take everything alive now (the libraries, the model just loaded) out of the collector's
    full sweeps, as `gc.freeze` does.

    With torch, Qt and a GPT-2 loaded a process holds ~350,000 objects, and a full collection
    walks them all: 200+ ms, at whatever moment the allocation count calls for it (a frame of
    the window, the middle of an export). Frozen objects are still freed by their reference
    counts; only cycles among them wait. So a long-lived process (the window) asks to `collect`
    first: the previous model's cycles go, then the new model is frozen. A one-shot command
    (inspect, export), and the window's first open, have nothing to collect.
    """
    if collect and gc.get_freeze_count():
        gc.unfreeze()
        gc.collect()
    gc.freeze()
