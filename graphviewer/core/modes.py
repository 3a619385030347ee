"""Train, eval and no_grad captures of one model, with the same input and the same seed.

`capture_modes` is a job: it runs `capture_graph` once per mode on one `ModelSpec` (so the
input is the very same tensors) while a `ModeProbe` watches what the modes change: each
module's outputs (compared as they are made with the earlier modes' kept copies:
`core/mode_outputs.py`), what each Dropout zeroed and how it scaled the rest, and each
BatchNorm's batch statistics next to its running statistics before and after the step. The
captures themselves leave the model as it was (`core/integrity.py`: buffers, flags,
parameters, every seeded RNG); this module adds the parameters' `.grad`, which a forward that
calls `backward()` itself would otherwise change.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from torch import nn

from graphviewer.core.capture import ProgressSink, capture_graph
from graphviewer.core.errors import CaptureError
from graphviewer.core.fake import is_fake
from graphviewer.core.jobs import CancelToken, Job, Progress
from graphviewer.core.mode_outputs import ModeOutputs, OutputComparer, OutputDelta
from graphviewer.core.recorder import iter_tensors
from graphviewer.core.types import MODES, GraphSnapshot, Mode, ModelSpec

# Module outputs kept per mode for the diff; beyond it a module is reported as not compared.
OUTPUT_BUDGET_BYTES = 512 * 1024 * 1024


@dataclass(frozen=True)
class DropoutProbe:
    """What one Dropout did in one pass: the share of (non-zero) inputs it zeroed, and the
    factor it multiplied the others by (1/(1−p) in train, 1 in eval)."""

    path: str
    p: float
    zeroed_fraction: float
    scale: float  # measured: mean of output/input over the units kept
    elements: int

    @property
    def expected_scale(self) -> float:
        return 1.0 / (1.0 - self.p) if self.p < 1.0 else float("inf")


@dataclass(frozen=True)
class BatchNormProbe:
    """One BatchNorm's statistics per channel in one pass: those of the batch it saw, and the
    running ones before and after the call (they move only in train, by `momentum`)."""

    path: str
    momentum: float | None  # None: a cumulative average (1 / num_batches_tracked)
    batch_mean: np.ndarray
    batch_var: np.ndarray  # biased: what normalises the batch in train
    running_mean: np.ndarray | None  # None when the layer tracks no running statistics
    running_var: np.ndarray | None
    running_mean_after: np.ndarray | None
    running_var_after: np.ndarray | None
    training: bool  # True: the batch statistics normalised; False: the running ones

    @property
    def max_move(self) -> float:
        """How far one step moved the running statistics (max over channels, mean and var)."""
        if self.running_mean is None or self.running_mean_after is None:
            return 0.0
        assert self.running_var is not None and self.running_var_after is not None
        dm = np.abs(self.running_mean_after - self.running_mean)
        dv = np.abs(self.running_var_after - self.running_var)
        return float(max(dm.max(initial=0.0), dv.max(initial=0.0)))


@dataclass(frozen=True)
class ModeCapture:
    """One mode's snapshot and what the probe saw in it."""

    snapshot: GraphSnapshot
    dropouts: Mapping[str, DropoutProbe] = field(default_factory=dict)
    batchnorms: Mapping[str, BatchNormProbe] = field(default_factory=dict)


@dataclass
class ModeRun:
    """The captures of several modes of one model, and how each pair's module outputs differ
    (keyed by the pair; each `OutputDelta` keeps both sides' sums)."""

    captures: dict[Mode, ModeCapture]
    deltas: dict[frozenset[Mode], dict[str, OutputDelta]]


def capture_modes(
    spec: ModelSpec,
    modes: Sequence[Mode] = MODES,
    *,
    cancel: CancelToken | None = None,
    report: ProgressSink | None = None,
    stats: bool = True,
    budget: int = OUTPUT_BUDGET_BYTES,
) -> Job[ModeRun]:
    """Capture `spec` in each of `modes`, same inputs, same seed; the model is left as it was.

    A forward that fails in one mode raises its `CaptureError`, naming the mode.
    """
    cancel = cancel or CancelToken()
    modes = tuple(dict.fromkeys(modes))
    if spec.model is None:
        raise CaptureError(
            "there is no nn.Module to switch between modes: a plain autograd script's graph is "
            "built before graphviewer runs anything, the same in every mode",
            path=spec.path,
        )
    captures: dict[Mode, ModeCapture] = {}
    kept: dict[Mode, ModeOutputs] = {}
    deltas: dict[frozenset[Mode], dict[str, OutputDelta]] = {}
    model = spec.model
    with _grads_kept(model):
        for k, mode in enumerate(modes):
            yield Progress(f"capturing {mode}", k, len(modes))
            cancel.raise_if_cancelled()
            outputs = kept[mode] = ModeOutputs(budget)
            comparers = [
                OutputComparer(mode, earlier, kept[earlier], outputs) for earlier in modes[:k]
            ]
            probe = ModeProbe(model, outputs, comparers)
            try:
                with probe:
                    snapshot = yield from capture_graph(
                        spec, mode, cancel=cancel, report=report, stats=stats
                    )
            except CaptureError as exc:
                raise CaptureError(
                    f"in {mode} mode: {exc.cause}", path=exc.path, hint=exc.hint,
                    snapshot=exc.snapshot,
                ) from exc  # fmt: skip
            captures[mode] = ModeCapture(snapshot, probe.dropouts, probe.batchnorms)
            for c in comparers:
                deltas[frozenset((c.mine, c.theirs))] = c.deltas
    kept.clear()  # the module outputs never outlive the captures
    return ModeRun(captures, deltas)


@contextmanager
def _grads_kept(model: nn.Module) -> Iterator[None]:
    """Every parameter's `.grad` as it was: the same tensor object with the same values."""
    saved = []
    for p in model.parameters():
        g = p.grad
        saved.append((p, g, None if g is None else g.detach().clone()))
    try:
        yield
    finally:
        with torch.no_grad(), torch._C.DisableTorchFunction():
            for p, g, values in saved:
                if p.grad is not g:
                    p.grad = g
                if g is not None and values is not None and not torch.equal(g, values):
                    g.copy_(values)


def _is_dropout(module: nn.Module) -> bool:
    """A Dropout that zeroes units (alpha dropout sets them to a negative value instead)."""
    return isinstance(module, nn.modules.dropout._DropoutNd) and not isinstance(
        module, (nn.AlphaDropout, nn.FeatureAlphaDropout)
    )


def _is_batchnorm(module: nn.Module) -> bool:
    return isinstance(module, nn.modules.batchnorm._BatchNorm)


def _as_numpy(t: torch.Tensor | None) -> np.ndarray | None:
    if t is None:
        return None
    return t.detach().to("cpu", torch.float64).numpy().copy()


class ModeProbe:
    """Forward hooks, on the calling thread only, that watch what a mode changes.

    Everything it computes runs with torch functions hidden from the capture's function mode:
    the recorder must not mistake the probe's arithmetic for the user's ops.
    """

    def __init__(
        self, model: nn.Module, outputs: ModeOutputs, comparers: Sequence[OutputComparer] = ()
    ) -> None:
        self._model = model
        self._thread = 0
        self._handles: list[Any] = []
        self.outputs = outputs
        self._comparers = comparers
        self.dropouts: dict[str, DropoutProbe] = {}
        self.batchnorms: dict[str, BatchNormProbe] = {}
        self._bn_before: dict[str, tuple[Any, ...]] = {}

    def __enter__(self) -> ModeProbe:
        self._thread = threading.get_ident()
        seen: set[int] = set()
        try:
            for path, module in self._model.named_modules(remove_duplicate=False):
                if id(module) in seen:
                    continue
                seen.add(id(module))
                try:
                    if _is_batchnorm(module):
                        self._handles.append(
                            module.register_forward_pre_hook(self._bn_pre_hook(path))
                        )
                    self._handles.append(module.register_forward_hook(self._post_hook(path)))
                except (RuntimeError, AttributeError):  # TorchScript modules take no hooks
                    continue
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        handles, self._handles = self._handles, []
        for handle in handles:
            handle.remove()

    # -- hooks ---------------------------------------------------------------------------------
    def _post_hook(self, path: str) -> Any:
        def hook(module: nn.Module, args: Any, output: Any) -> None:
            if threading.get_ident() != self._thread:
                return
            with torch._C.DisableTorchFunction(), torch.no_grad():
                self._keep_output(path, output)
                if _is_dropout(module):
                    self._note_dropout(path, module, args, output)
                elif path in self._bn_before:
                    self._note_batchnorm(path, module)

        return hook

    def _bn_pre_hook(self, path: str) -> Any:
        def hook(module: nn.Module, args: Any) -> None:
            if threading.get_ident() != self._thread or not args:
                return
            x = args[0]
            if not isinstance(x, torch.Tensor) or x.dim() < 2 or is_fake(x):
                return
            with torch._C.DisableTorchFunction(), torch.no_grad():
                xf = x.detach().to(torch.float64)
                dims = [d for d in range(xf.dim()) if d != 1]
                mean = xf.mean(dim=dims)
                var = xf.var(dim=dims, unbiased=False)
                rm = getattr(module, "running_mean", None)
                rv = getattr(module, "running_var", None)
                self._bn_before[path] = (
                    _as_numpy(mean),
                    _as_numpy(var),
                    _as_numpy(rm) if isinstance(rm, torch.Tensor) else None,
                    _as_numpy(rv) if isinstance(rv, torch.Tensor) else None,
                    module.training,
                )

        return hook

    # -- what the hooks record -----------------------------------------------------------------
    def _keep_output(self, path: str, output: Any) -> None:
        tensors = [t for t in iter_tensors(output) if not is_fake(t)]
        if not tensors:  # no tensor, or only fake ones (a model built without weights)
            return
        copies = self.outputs.keep(path, tensors)
        for comparer in self._comparers:
            comparer.compare(path, copies, check_close=path == "")

    def _note_dropout(self, path: str, module: nn.Module, args: Any, output: Any) -> None:
        x = args[0] if args else None
        if not isinstance(x, torch.Tensor) or not isinstance(output, torch.Tensor):
            return
        if x.shape != output.shape or is_fake(x) or not x.numel():
            return
        p = float(getattr(module, "p", 0.0))
        if output is x:  # eval: the input passes through untouched
            self.dropouts[path] = DropoutProbe(path, p, 0.0, 1.0, int(x.numel()))
            return
        live = x != 0
        n_live = int(live.sum())
        if n_live == 0:
            return
        kept = output != 0
        zeroed = n_live - int((live & kept).sum())
        # output = input · mask · scale, scale > 0: the kept units' sums of |value| give the
        # scale (signed sums could cancel out), with no gather of the kept units
        kept_in = float(torch.linalg.vector_norm(torch.where(kept, x, 0).double(), 1))
        scale = float(torch.linalg.vector_norm(output.double(), 1)) / kept_in if kept_in else 0.0
        self.dropouts[path] = DropoutProbe(path, p, zeroed / n_live, scale, int(x.numel()))

    def _note_batchnorm(self, path: str, module: nn.Module) -> None:
        mean, var, rm, rv, training = self._bn_before.pop(path)
        rm_after = getattr(module, "running_mean", None)
        rv_after = getattr(module, "running_var", None)
        self.batchnorms[path] = BatchNormProbe(
            path=path,
            momentum=getattr(module, "momentum", None),
            batch_mean=mean,
            batch_var=var,
            running_mean=rm,
            running_var=rv,
            running_mean_after=_as_numpy(rm_after) if rm is not None else None,
            running_var_after=_as_numpy(rv_after) if rv is not None else None,
            training=bool(training) or rm is None,
        )
