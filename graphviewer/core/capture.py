"""One forward pass of a user's model, watched: module tree, autograd graph, activation stats.

`capture_graph` is a job (a generator yielding `Progress`); `capture_model` runs it synchronously.
Everything it installs is scoped to the calling thread and removed in `finally`: forward hooks on
the model's own modules (they ignore calls from other threads) and a thread-local
`TorchFunctionMode`. The model is left as it was: training flags, buffers (BatchNorm running
statistics), parameters and their gradients, and the global RNG state.
"""

from __future__ import annotations

import contextlib
import time
import warnings
from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack
from typing import Any

import torch

from graphviewer.core.autograd_graph import walk_autograd_graph
from graphviewer.core.errors import Cancelled, CaptureError
from graphviewer.core.gc_pause import gc_paused
from graphviewer.core.interrupt import user_code
from graphviewer.core.jobs import CancelToken, Job, Progress, run_job
from graphviewer.core.recorder import CaptureRecorder, iter_tensors
from graphviewer.core.types import GraphSnapshot, Mode, ModelSpec, Warning_
from graphviewer.core.usercode import UserCodeFilter, describe_exception
from graphviewer.core.warnings import find_warnings

ProgressSink = Callable[[Progress], None]


def capture_model(
    model: torch.nn.Module,
    inputs: Any,
    mode: Mode = "train",
    *,
    stats: bool = True,
    loss_fn: Callable[[Any], torch.Tensor] | None = None,
) -> GraphSnapshot:
    """Capture one forward pass of a live model (the Python API's `graphviewer.capture`)."""
    return run_job(capture_graph(live_spec(model, inputs, loss_fn=loss_fn), mode, stats=stats))


def live_spec(
    model: torch.nn.Module, inputs: Any, *, loss_fn: Callable[[Any], torch.Tensor] | None = None
) -> ModelSpec:
    """A `ModelSpec` for a model the caller already holds: a tensor, a tuple of args or a dict."""
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    if isinstance(inputs, Mapping):
        args, kwargs = (), dict(inputs)
    elif isinstance(inputs, (tuple, list)):
        args, kwargs = tuple(inputs), {}
    else:
        args, kwargs = (inputs,), {}
    return ModelSpec(
        path=None,
        name=type(model).__name__,
        model=model,
        args=args,
        kwargs=kwargs,
        loss_fn=loss_fn,
        kind="live",
    )


def capture_graph(
    spec: ModelSpec,
    mode: Mode = "train",
    *,
    cancel: CancelToken | None = None,
    report: ProgressSink | None = None,
    stats: bool = True,
) -> Job[GraphSnapshot]:
    """The capture job: run the forward in `mode`, walk its autograd graph, collect statistics.

    `report` is called from inside the forward (module by module) for progress the generator
    cannot yield while the user's forward runs. Raises `CaptureError` naming the user's line when
    their code fails, `Cancelled` when `cancel` is set.
    """
    cancel = cancel or CancelToken()
    timings: dict[str, float] = {}
    source = str(spec.path) if spec.path else None
    sources = spec.source_files or ((spec.path,) if spec.path and spec.path.suffix == ".py" else ())
    code = UserCodeFilter(sources)

    if spec.model is None:  # a plain autograd script: the graph already exists
        yield Progress("walking graph")
        start = time.perf_counter()
        graph, out_ids, _ = walk_autograd_graph(
            _grad_fns(spec.output), leaf_names=spec.tensor_names, check=cancel.raise_if_cancelled
        )
        timings["walk"] = time.perf_counter() - start
        return GraphSnapshot(spec.name, mode, source, graph, {}, {}, out_ids, (), timings, spec.log)

    model = spec.model
    recorder = CaptureRecorder(model, code, cancel, report, stats=stats)
    yield Progress("running forward", 0, recorder.module_count)
    start = time.perf_counter()
    with ExitStack() as scope:
        scope.enter_context(_model_preserved(model))
        # The recorder makes thousands of small acyclic objects (notes, statistics); left on,
        # the cyclic collector would sweep the whole heap several times during the pass.
        scope.enter_context(gc_paused())
        scope.enter_context(torch.random.fork_rng(devices=[]))
        torch.manual_seed(0)  # the same dropout masks every time: captures compare
        fixed_mode = not _set_training(model, mode == "train")
        scope.enter_context(torch.set_grad_enabled(mode != "no_grad"))
        if spec.hints.get("GRAPHVIEWER_DISABLE_MKLDNN"):
            # Process-wide, for this pass only: nn.LSTM unrolls into per-step ops.
            scope.enter_context(_mkldnn_disabled())
        with recorder:
            try:
                with user_code():  # the only place the window's forced interrupt may land
                    output = model(*spec.args, **dict(spec.kwargs))
            except Cancelled:
                raise
            except BaseException as exc:
                if isinstance(exc, KeyboardInterrupt):
                    raise
                where = code.traceback_location(exc.__traceback__)
                cause = f"forward raised {describe_exception(exc, where)}"
                raise CaptureError(cause, path=source) from exc
        timings["forward"] = time.perf_counter() - start
        recorder.note_root_call((spec.args, spec.kwargs), output)
        cancel.raise_if_cancelled()

        # The walk runs before buffers are restored: restoring them in place would make the
        # saved running statistics unreadable.
        yield Progress("walking graph")
        start = time.perf_counter()
        roots = _grad_fns(output)
        graph, out_ids, fn_ids = walk_autograd_graph(
            roots,
            notes=recorder.notes,
            param_names=_param_names(model),
            check=cancel.raise_if_cancelled,
        )
        timings["walk"] = time.perf_counter() - start
        all_stats = recorder.collect_stats(fn_ids)
        del output, roots, fn_ids

    modules = recorder.module_infos()
    return GraphSnapshot(
        name=spec.name,
        mode=mode,
        source_path=source,
        graph=graph,
        modules=modules,
        stats=all_stats,
        output_ids=out_ids,
        warnings=find_warnings(graph, modules, all_stats, mode) + _mode_warning(fixed_mode),
        timings=timings,
        log=spec.log,
    )


def _set_training(model: torch.nn.Module, train: bool) -> bool:
    """Switch train/eval mode; False where the model refuses (a `torch.export` program's
    module fixes its mode when it is exported)."""
    try:
        model.train(train)
    except NotImplementedError:
        return False
    return True


def _mode_warning(fixed: bool) -> tuple[Warning_, ...]:
    if not fixed:
        return ()
    message = (
        "this exported program fixed its train/eval mode when it was exported; "
        "--mode only switches autograd on or off"
    )
    return (Warning_("mode", "(root)", message),)


def _grad_fns(output: Any) -> list[Any]:
    """The distinct grad_fn nodes of every tensor in a (nested) model output, in order."""
    found: dict[Any, None] = {}
    for t in iter_tensors(output):
        if t.grad_fn is not None:
            found.setdefault(t.grad_fn, None)
    return list(found)


def _param_names(model: torch.nn.Module) -> dict[int, str]:
    names: dict[int, str] = {}
    for name, p in model.named_parameters(remove_duplicate=False):
        names.setdefault(id(p), name)
    return names


@contextlib.contextmanager
def _mkldnn_disabled() -> Iterator[None]:
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*oneDNN.*")
        with torch.backends.mkldnn.flags(enabled=False):
            yield


class _model_preserved:
    """Restores training flags and buffers (BatchNorm running stats) after the pass."""

    def __init__(self, model: torch.nn.Module) -> None:
        self._model = model

    def __enter__(self) -> None:
        self._training = [(m, m.training) for m in self._model.modules()]
        self._buffers = [(b, b.detach().clone()) for b in self._model.buffers() if b is not None]

    def __exit__(self, *exc: object) -> None:
        with torch.no_grad():
            for buf, saved in self._buffers:
                if buf.shape == saved.shape:
                    buf.copy_(saved)
        for m, training in self._training:
            m.training = training
