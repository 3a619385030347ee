"""The record of one backward pass: each step the engine ran, with its gradients' statistics.

`StepRecorder` is what the hooks write into while `loss.backward()` runs. It is thread-safe: on
CUDA the engine calls node hooks on its own device thread. It keeps statistics (and the values of
gradients of at most `MAX_VALUES` elements), never a gradient tensor, so memory stays bounded.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import torch

from graphviewer.core.stats import tensor_stats
from graphviewer.core.types import ActivationStats, Mode

MAX_VALUES = 16  # a gradient with at most this many elements keeps its values


@dataclass(frozen=True)
class GradStats:
    """One gradient tensor, measured: its norm and largest |g| on top of `ActivationStats`."""

    stats: ActivationStats
    norm: float
    max_abs: float
    values: tuple[float, ...] | None = None  # flattened, for tensors of ≤ MAX_VALUES elements

    @property
    def shape(self) -> tuple[int, ...]:
        return self.stats.shape

    @property
    def problem(self) -> str:
        """ "nan", "inf", "zero" or "" (finite and not all zero)."""
        s = self.stats
        if s.nan_count:
            return "nan"
        if s.inf_count:
            return "inf"
        if s.count and s.zeros_fraction >= 1.0:
            return "zero"
        return ""


@dataclass(frozen=True)
class BackwardStep:
    """One node the engine ran, in its order: the gradients flowing in (w.r.t. the node's
    outputs) and out (w.r.t. its inputs). `node_id` is the snapshot's id; "" for the nodes
    of the loss graphviewer made on top of the output (`sum`). For an `AccumulateGrad`,
    `param` names the leaf and `grads_in[0]` is the gradient it received."""

    index: int
    node_id: str
    backward_class: str
    grads_in: tuple[GradStats | None, ...]
    grads_out: tuple[GradStats | None, ...]
    param: str | None = None
    seconds: float = 0.0  # between the node's pre-hook and its hook
    # the node's small saved tensors (≤ MAX_VALUES elements) by name: PowBackward0's
    # ("self", (-0.7,)) is z itself
    saved: tuple[tuple[str, tuple[float, ...]], ...] = ()

    @property
    def is_leaf(self) -> bool:
        return self.backward_class == "AccumulateGrad"


@dataclass(frozen=True)
class BackwardRecord:
    """A whole recorded backward: the loss, the steps in engine order, each leaf's gradient."""

    name: str
    mode: Mode
    loss_source: str  # "loss_fn(output)", "the output itself", "sum of 2 floating outputs"
    loss_value: float
    steps: tuple[BackwardStep, ...]
    # leaf name ("layer1.weight", "x") -> the gradient it received (what `.grad` became)
    leaf_grads: Mapping[str, GradStats] = field(default_factory=dict)
    seconds: float = 0.0  # the recorded loss.backward()

    def step_of(self, node_id: str) -> int | None:
        """The index of the step that ran `node_id`, None when the engine never ran it."""
        for step in self.steps:
            if step.node_id == node_id:
                return step.index
        return None

    @property
    def problems(self) -> dict[str, str]:
        """Leaves whose gradient is all zero, NaN or Inf: name -> "zero" | "nan" | "inf"."""
        return {name: g.problem for name, g in self.leaf_grads.items() if g.problem}

    def grad_norms(self) -> dict[str, float]:
        """Node id -> norm of the gradient flowing into it (the sum over its outputs)."""
        norms: dict[str, float] = {}
        for step in self.steps:
            if not step.node_id:
                continue
            total = sum(g.norm**2 for g in step.grads_in if g is not None and math.isfinite(g.norm))
            norms[step.node_id] = math.sqrt(total)
        return norms


def grad_stats(grad: torch.Tensor | None) -> GradStats | None:
    """Measure one gradient (None stays None: an undefined gradient)."""
    if grad is None:
        return None
    with torch._C.DisableTorchFunction(), torch.no_grad():
        g = grad.detach()
        stats = tensor_stats(g)
        if g.numel() == 0:
            return GradStats(stats, 0.0, 0.0, ())
        if g.is_complex():
            g = g.abs()
        norm = float(torch.linalg.vector_norm(g.float() if not g.is_floating_point() else g))
        values = None
        if g.numel() <= MAX_VALUES:
            values = tuple(float(v) for v in g.double().cpu().flatten().tolist())
    max_abs = max(abs(stats.min), abs(stats.max)) if stats.count else 0.0
    return GradStats(stats, norm, max_abs, values)


_saved_names: dict[type, tuple[str, ...]] = {}


def small_saved(fn: Any) -> tuple[tuple[str, tuple[float, ...]], ...]:
    """The values of a node's saved tensors of at most `MAX_VALUES` elements, by name."""
    cls = type(fn)
    names = _saved_names.get(cls)
    if names is None:
        names = _saved_names[cls] = tuple(n for n in dir(fn) if n.startswith("_saved_"))
    found: list[tuple[str, tuple[float, ...]]] = []
    for name in names:
        try:
            value = getattr(fn, name)
        except RuntimeError:  # already freed
            continue
        if isinstance(value, torch.Tensor) and value.numel() <= MAX_VALUES:
            with torch._C.DisableTorchFunction():
                flat = value.detach().double().cpu().flatten().tolist()
            found.append((name.removeprefix("_saved_"), tuple(float(v) for v in flat)))
    return tuple(found)


def _measure(grads: Sequence[torch.Tensor | None]) -> tuple[GradStats | None, ...]:
    return tuple(grad_stats(g) for g in grads)


class StepRecorder:
    """Collects `BackwardStep`s from node hooks, in the order the engine calls them.

    `check` is called at each step (it raises to cancel); `on_step(done)` reports progress.
    """

    def __init__(
        self,
        total: int,
        check: Callable[[], None] | None = None,
        on_step: Callable[[int], None] | None = None,
    ) -> None:
        self.total = total
        self._check = check
        self._on_step = on_step
        self._lock = threading.Lock()
        self._open: dict[Any, tuple[int, float, tuple[GradStats | None, ...]]] = {}
        self._steps: list[BackwardStep | None] = []
        self._info: list[tuple[str, str, str | None]] = []
        self._saved: list[tuple[tuple[str, tuple[float, ...]], ...]] = []
        self.running: str | None = None  # the node whose pre-hook ran last without its hook
        self.leaf_grads: dict[str, GradStats] = {}

    def before(self, key: Any, node_id: str, cls: str, param: str | None, grads: Any) -> None:
        """The node's pre-hook: the gradients w.r.t. its outputs are about to flow in."""
        if self._check is not None:
            self._check()
        measured = _measure(grads)
        saved = small_saved(key) if cls != "AccumulateGrad" else ()
        with self._lock:
            index = len(self._steps)
            self._steps.append(None)
            self._info.append((node_id, cls, param))
            self._saved.append(saved)
            self._open[key] = (index, time.perf_counter(), measured)
            self.running = node_id
        if param is not None and measured and measured[0] is not None:
            with self._lock:
                self.leaf_grads[param] = measured[0]
        if self._on_step is not None:
            self._on_step(index + 1)

    def after(self, key: Any, grads: Any) -> None:
        """The node's hook: the gradients w.r.t. its inputs have been computed."""
        measured = _measure(grads)
        with self._lock:
            opened = self._open.pop(key, None)
            if opened is None:
                return
            index, start, grads_in = opened
            node_id, cls, param = self._info[index]
            self._steps[index] = BackwardStep(
                index,
                node_id,
                cls,
                grads_in,
                measured,
                param,
                time.perf_counter() - start,
                self._saved[index],
            )
            self.running = None

    def steps(self) -> tuple[BackwardStep, ...]:
        """The finished steps, in engine order (a step whose hook never ran keeps no grads out)."""
        with self._lock:
            done: list[BackwardStep] = []
            for k, step in enumerate(self._steps):
                if step is None:  # the pre-hook ran, the node raised or was cancelled
                    node_id, cls, param = self._info[k]
                    step = BackwardStep(k, node_id, cls, (), (), param, saved=self._saved[k])
                done.append(step)
            return tuple(done)
