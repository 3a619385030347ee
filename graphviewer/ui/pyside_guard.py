"""Keeps a PySide6 reference-count bug from killing the window after a minute of panning.

PySide6 6.12.0 on CPython 3.11 gives back `None` from every void method (`QPainter.drawPath`,
`QRectF.setX`, `QWidget.update`…) and `True` from `Signal.emit()` without taking a new
reference, so each such call lowers that object's reference count by one for good. A frame of
the canvas makes 80–160 of those calls; `None` starts with about 70,000 references in the
window's process (`True` with a few thousand), and when a count reaches zero CPython aborts
with "Fatal Python error: none_dealloc" (or "bool_dealloc") — measured: the MLP window died
after about 2,000 frames of panning, and selecting the 20,800 nodes one line of the unrolled
LSTM made (one `drawRoundedRect` each) killed it at once.

From CPython 3.12 on these objects are immortal and the bug is harmless. Before that,
`guard_none()` checks whether this PySide6 leaks and, if it does, gives `None`, `True` and
`False` 2**40 extra references each: what CPython 3.12 does for every interpreter. They are
static objects that are never freed, so the extra count changes nothing else.
"""

from __future__ import annotations

import ctypes
import sys

from PySide6.QtCore import QObject, QRectF, Signal

RESERVE = 1 << 40
_PROBE_CALLS = 1000
_guarded = False  # once per process is enough


def none_lost_per_call() -> float:
    """How many references to `None` one void PySide6 call loses here (0.0 when it is sound)."""
    rect = QRectF()
    before = sys.getrefcount(None)
    for _ in range(_PROBE_CALLS):
        rect.setX(1.0)
    return (before - sys.getrefcount(None)) / _PROBE_CALLS


def true_lost_per_emit() -> float:
    """How many references to `True` one `Signal.emit()` loses here (0.0 when it is sound)."""
    probe = _Probe()
    probe.ping.connect(_ignore)
    before = sys.getrefcount(True)
    for _ in range(_PROBE_CALLS):
        probe.ping.emit()
    return (before - sys.getrefcount(True)) / _PROBE_CALLS


def guard_none() -> bool:
    """Make `None`, `True` and `False` immortal if this PySide6 leaks them; True if it had to."""
    global _guarded
    if sys.version_info >= (3, 12) or hasattr(sys, "gettotalrefcount"):
        return False  # immortal already, or a debug build whose object header differs
    if _guarded or (none_lost_per_call() < 0.5 and true_lost_per_emit() < 0.5):
        return _guarded
    for singleton in (None, True, False):
        refcount = ctypes.c_ssize_t.from_address(id(singleton))  # ob_refcnt opens the header
        refcount.value += RESERVE
    _guarded = True
    return True


class _Probe(QObject):
    ping = Signal()


def _ignore() -> None:
    """A receiver for the probe signal (emit only returns `True` when someone listens)."""
