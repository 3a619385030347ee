"""The collector policy: paused while a capture or layout builds many objects, frozen after a
load so that full sweeps skip the model, and the previous model's cycles collected first."""

from __future__ import annotations

import gc
import weakref

from graphviewer.core.gc_pause import gc_paused, settle_loaded


class _Cycle:
    def __init__(self) -> None:
        self.me = self


def test_gc_paused_nests_and_restores() -> None:
    assert gc.isenabled()
    with gc_paused():
        assert not gc.isenabled()
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the inner block does not re-enable it early
    assert gc.isenabled()


def test_settle_loaded_freezes_and_later_collects_old_cycles() -> None:
    old = _Cycle()
    alive = weakref.ref(old)
    settle_loaded(collect=False)  # a first load: frozen, nothing collected
    assert gc.get_freeze_count() > 0
    del old
    gc.collect()
    assert alive() is not None  # a frozen cycle waits…
    settle_loaded(collect=True)  # …until the next load collects it
    assert alive() is None and gc.get_freeze_count() > 0
