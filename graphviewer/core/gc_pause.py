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
