"""Module outputs of one mode, kept to compare the next modes' with as they are made.

`ModeOutputs` keeps a pass's module outputs (every call, every tensor) as float32 CPU copies,
within a memory budget; a tensor a module returns unchanged from its child (a block returning
its last layer's output) is copied once. While a later mode's forward runs, each module output
is compared at once with the kept one of the same module, call and position (`compare_output`)
and only the sums are kept (`OutputDelta`): the diff after the passes is then a matter of
milliseconds, and no mode's outputs outlive the captures.
"""

from __future__ import annotations

import contextlib
import math
import weakref
from dataclasses import dataclass, field
from typing import Any

import torch

from graphviewer.core.types import Mode


@dataclass
class OutputDelta:
    """How one module's outputs differ between two modes, summed over calls and tensors.

    Per side (mode): the sum of squares and the largest |value|; between them: max |a − b| and
    the sum of squares of a − b. `note` says why they could not be paired.
    """

    max_abs: float = 0.0
    diff2: float = 0.0
    norm2: dict[Mode, float] = field(default_factory=dict)
    absmax: dict[Mode, float] = field(default_factory=dict)
    allclose: bool = True  # every pair `torch.allclose` (checked for the model output only)
    note: str = ""

    def relative(self, base: Mode) -> float:
        """‖a − b‖ / ‖base‖ (inf when `base` is all zeros and the other is not)."""
        if self.note:
            return math.nan
        b2 = self.norm2.get(base, 0.0)
        if b2 == 0.0:
            return 0.0 if self.diff2 == 0.0 else math.inf
        return math.sqrt(self.diff2 / b2)


@dataclass
class ModeOutputs:
    """Each module's outputs of one pass as detached float32 CPU copies, in call order."""

    budget: int
    by_module: dict[str, list[torch.Tensor]] = field(default_factory=dict)
    skipped: set[str] = field(default_factory=set)  # modules beyond the memory budget
    nbytes: int = 0
    # id(tensor) -> (a weak reference to it, its version, its copy): a tensor a parent module
    # returns unchanged from its child is copied once (the reference tells a new tensor that
    # reuses a freed one's id apart)
    _copies: dict[int, tuple[Any, int, torch.Tensor]] = field(default_factory=dict)

    _sums: dict[int, tuple[float, float]] = field(default_factory=dict)

    def sums(self, copy: torch.Tensor) -> tuple[float, float]:
        """(sum of squares, max |value|) of a kept copy's finite values, measured once."""
        got = self._sums.get(id(copy))
        if got is None:
            got = self._sums[id(copy)] = _sums(copy)
        return got

    def keep(self, path: str, tensors: list[torch.Tensor]) -> list[torch.Tensor] | None:
        """Keep `tensors` as `path`'s next call's outputs; None (and the module skipped from
        here on) beyond the budget. Runs with torch functions hidden from any function mode."""
        if path in self.skipped:
            return None
        copies = []
        for t in tensors:
            seen = self._copies.get(id(t))
            if seen is not None and seen[0]() is t and seen[1] == t._version:
                copies.append(seen[2])
                continue
            size = t.numel() * 4
            if self.nbytes + size > self.budget:
                self.skipped.add(path)
                self.by_module.pop(path, None)
                return None
            self.nbytes += size
            kept = t.detach().to("cpu", torch.float32, copy=True)
            # a tensor subclass without weak references is copied each time
            with contextlib.suppress(TypeError):
                self._copies[id(t)] = (weakref.ref(t), t._version, kept)
            copies.append(kept)
        self.by_module.setdefault(path, []).extend(copies)
        return copies


class OutputComparer:
    """Compares one pass's module outputs with a kept pass's, call by call, as they come."""

    def __init__(self, mine: Mode, theirs: Mode, kept: ModeOutputs, own: ModeOutputs) -> None:
        """Compare `mine`'s copies (kept in `own`) with `theirs`' (kept in `kept`)."""
        self.mine, self.theirs, self._kept, self._own = mine, theirs, kept, own
        self.deltas: dict[str, OutputDelta] = {}
        self._cursor: dict[str, int] = {}
        self._done: dict[tuple[int, int], tuple[float, float]] = {}  # same pair seen again

    def compare(self, path: str, tensors: list[torch.Tensor] | None, *, check_close: bool) -> None:
        """Compare `path`'s next call's kept copies (None: beyond this pass's budget)."""
        delta = self.deltas.get(path)
        if delta is None:
            delta = self.deltas[path] = OutputDelta(
                norm2={self.mine: 0.0, self.theirs: 0.0},
                absmax={self.mine: 0.0, self.theirs: 0.0},
            )
        if delta.note:
            return
        if tensors is None or path in self._kept.skipped:
            delta.note = "not compared: the module outputs exceed the memory budget"
            return
        theirs = self._kept.by_module.get(path, [])
        start = self._cursor.get(path, 0)
        self._cursor[path] = start + len(tensors)
        if start + len(tensors) > len(theirs):
            delta.note = f"{self.mine} made more output tensors than {self.theirs}"
            return
        for x, y in zip(tensors, theirs[start : start + len(tensors)], strict=True):
            if tuple(x.shape) != tuple(y.shape):
                delta.note = f"shape {tuple(x.shape)} in {self.mine}, {tuple(y.shape)} in " + (
                    self.theirs
                )
                return
            self._add(delta, x, y, check_close)

    def _add(self, delta: OutputDelta, x: torch.Tensor, y: torch.Tensor, check: bool) -> None:
        # x and y are kept copies: alive for the whole run, so their ids name them
        n2x, mx = self._own.sums(x)
        n2y, my = self._kept.sums(y)
        delta.norm2[self.mine] += n2x
        delta.norm2[self.theirs] += n2y
        delta.absmax[self.mine] = max(delta.absmax[self.mine], mx)
        delta.absmax[self.theirs] = max(delta.absmax[self.theirs], my)
        if check and delta.allclose:
            delta.allclose = bool(torch.allclose(x, y, equal_nan=True))
        key = (id(x), id(y))
        done = self._done.get(key)
        if done is None and x.numel():
            done = self._done[key] = _sums(torch.sub(x, y))[::-1]
        if done is not None:
            delta.max_abs = max(delta.max_abs, done[0])
            delta.diff2 += done[1]


def _sums(t: torch.Tensor) -> tuple[float, float]:
    """(sum of squares, max |value|) over the finite values of a float32 tensor."""
    if not t.numel():
        return (0.0, 0.0)
    # float32 accumulation: ~1e-5 relative error for a relative change shown to 0.1 %, ten
    # times faster than in float64 (which converts every value first)
    n = float(torch.linalg.vector_norm(t))
    absmax = max(-float(t.min()), float(t.max()))  # two vectorised reductions: no |t| copy
    if math.isfinite(n) and math.isfinite(absmax):  # no NaN or Inf: the common case, no copy
        return (n * n, absmax)
    finite = torch.nan_to_num(t, nan=0.0, posinf=0.0, neginf=0.0)
    n = float(torch.linalg.vector_norm(finite))
    return (n * n, float(finite.abs().max()))
