"""One forward pass of a user's model, watched: module tree, autograd graph, activation stats.

`capture_graph` is a job (a generator yielding `Progress`); `capture_model` runs it synchronously.
Everything it installs is scoped to the calling thread and removed in `finally`: forward hooks on
the model's own modules (they ignore calls from other threads) and a thread-local
`TorchFunctionMode`. The model is left as it was (`core/integrity.py`): training flags, buffers
(BatchNorm running statistics), parameters, attribute bindings, and every RNG state it seeded.
"""

from __future__ import annotations

import contextlib
import linecache
import threading
import time
import types
import warnings
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack
from dataclasses import replace
from typing import Any

import torch

from graphviewer.core.autograd_graph import walk_autograd_graph
from graphviewer.core.errors import Cancelled, CaptureError
from graphviewer.core.fake import fake_mode_of, values_warning
from graphviewer.core.gc_pause import gc_paused
from graphviewer.core.integrity import ModelPreserved, function_modes_kept, seeded_rng
from graphviewer.core.interrupt import user_code
from graphviewer.core.jobs import CancelToken, Job, Progress, run_job
from graphviewer.core.kernel_clock import compile_clock, split_compile
from graphviewer.core.recorder import CaptureRecorder, FailurePoint, iter_tensors
from graphviewer.core.types import (
    ForwardFailure,
    GraphSnapshot,
    Mode,
    ModelSpec,
    SourceLoc,
    Warning_,
)
from graphviewer.core.usercode import UserCodeFilter, describe_exception
from graphviewer.core.warnings import review
from graphviewer.core.watchdog import ForwardTimedOut

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
        return GraphSnapshot(
            spec.name,
            mode,
            source,
            graph,
            {},
            {},
            out_ids,
            (),
            timings,
            spec.log,
            spec.notice,
            checked=review(graph, {}, {}, mode).checked,
        )

    model = spec.model
    # A model built without weights (--device meta) runs in its own fake mode; it has shapes
    # but no values to measure.
    fake = fake_mode_of(model, iter_tensors((spec.args, spec.kwargs)))
    stats = stats and fake is None
    recorder = CaptureRecorder(model, code, cancel, report, stats=stats)
    preserved = ModelPreserved(model, own_mode=False)  # the recorder's mode watches writes
    yield Progress("running forward", 0, recorder.module_count)
    start = time.perf_counter()
    with ExitStack() as scope:
        scope.enter_context(function_modes_kept())  # exits last, whatever the others did
        if fake is not None:
            scope.enter_context(fake)
        recorder.write_watch = scope.enter_context(preserved).write_watch
        # The recorder makes thousands of small acyclic objects (notes, statistics); left on,
        # the cyclic collector would sweep the whole heap several times during the pass.
        scope.enter_context(gc_paused())
        # The same dropout masks every time, alone or beside other threads: captures compare.
        scope.enter_context(seeded_rng(0, cancel))
        fixed_mode = not _set_training(model, mode == "train")
        scope.enter_context(torch.set_grad_enabled(mode != "no_grad"))
        if spec.hints.get("GRAPHVIEWER_DISABLE_MKLDNN"):
            # Process-wide, for this pass only: nn.LSTM unrolls into per-step ops.
            scope.enter_context(_mkldnn_disabled())
        failed: BaseException | None = None
        kernels = scope.enter_context(compile_clock())
        with recorder:
            try:
                with user_code():  # the only place the window's forced interrupt may land
                    output = model(*spec.args, **dict(spec.kwargs))
            except Cancelled:
                raise
            except BaseException as exc:
                if isinstance(exc, KeyboardInterrupt) and _on_main_thread():
                    raise  # a real Ctrl-C: signals land on the main thread only
                failed = exc  # from here on the failure path: user code raised it
        timings["forward"] = time.perf_counter() - start
        split_compile(timings, "forward", kernels)
        if failed is not None:
            # Walked before buffers are restored, like a finished pass.
            raise _forward_failed(failed, spec, mode, recorder, code, timings) from failed
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
        output_kind = _output_kind(output) if not out_ids else ""
        del output, roots, fn_ids

    modules = recorder.module_infos()
    findings = review(graph, modules, all_stats, mode)
    found = findings.warnings + _mode_warning(fixed_mode)
    return GraphSnapshot(
        name=spec.name,
        mode=mode,
        source_path=source,
        graph=graph,
        modules=modules,
        stats=all_stats,
        output_ids=out_ids,
        warnings=found
        + tuple(preserved.warnings)
        + values_warning(fake)
        + _empty_graph_warning(output_kind, mode),
        timings=timings,
        log=spec.log,
        notice=spec.notice,
        checked=findings.checked,
    )


def _on_main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


def _forward_failed(
    exc: BaseException,
    spec: ModelSpec,
    mode: Mode,
    recorder: CaptureRecorder,
    code: UserCodeFilter,
    timings: dict[str, float],
) -> CaptureError:
    """The error a failed forward raises: one line naming the user's line, and the partial
    snapshot of what was built before it (None when even that could not be read)."""
    source = str(spec.path) if spec.path else None
    shown = _reported_exception(exc)
    where = code.traceback_location(exc.__traceback__) or code.traceback_location(
        shown.__traceback__
    )
    if isinstance(shown, RecursionError):
        where = _recursing_line(code, exc.__traceback__) or where
    point = recorder.failure_point(exc)
    where = where or point.source
    if isinstance(shown, ForwardTimedOut):
        cause = f"forward ran longer than {shown.seconds:g} s (--timeout) and was stopped"
        cause += describe_exception(shown, where).removeprefix(type(shown).__name__)
        message = f"stopped after {shown.seconds:g} s (--timeout)"
    else:
        verb = "called" if isinstance(shown, SystemExit) else "raised"
        cause = f"forward {verb} {describe_exception(shown, where)}"
        message = describe_exception(shown, None)
    hint = _EXCEPTION_HINTS.get(type(shown), "")
    failure = ForwardFailure(
        message=message,
        exception=type(shown).__name__,
        module=point.module,
        op=point.op,
        input_shapes=point.input_shapes,
        source=where,
    )
    try:
        partial = _partial_snapshot(spec, mode, recorder, failure, point, timings)
    except Exception:  # the report of the failure must never hide the failure itself
        partial = None
    return CaptureError(cause, path=source, hint=hint, snapshot=partial)


# What a user needs to know on top of the exception itself.
_EXCEPTION_HINTS: dict[type[BaseException], str] = {
    EOFError: "graphviewer gives your code no standard input: input() cannot be answered",
    KeyboardInterrupt: "raised by your code, not by Ctrl-C",
}


def _reported_exception(exc: BaseException) -> BaseException:
    """The exception to name: a RecursionError that surfaced as another error (numba's
    "SystemError: ... returned a result with an exception set" out of a statistics hook) is
    reported as itself."""
    if isinstance(exc, RecursionError):
        return exc
    seen: set[int] = set()
    cur: BaseException | None = exc
    while cur is not None and id(cur) not in seen:
        if isinstance(cur, RecursionError):
            return cur
        seen.add(id(cur))
        cur = cur.__cause__ or cur.__context__
    return exc


def _recursing_line(code: UserCodeFilter, tb: types.TracebackType | None) -> SourceLoc | None:
    """The user's line that recursed: the one most often on the stack (the innermost user frame
    is wherever the stack happened to run out)."""
    counts: Counter[tuple[str, int, str]] = Counter()
    while tb is not None:
        frame = tb.tb_frame.f_code
        if code.is_user_file(frame.co_filename):
            counts[(frame.co_filename, tb.tb_lineno, frame.co_name)] += 1
        tb = tb.tb_next
    if not counts:
        return None
    (file, line, function), _ = counts.most_common(1)[0]
    return SourceLoc(file, line, function, linecache.getline(file, line).strip())


def _partial_snapshot(
    spec: ModelSpec,
    mode: Mode,
    recorder: CaptureRecorder,
    failure: ForwardFailure,
    point: FailurePoint,
    timings: dict[str, float],
) -> GraphSnapshot:
    """The graph built up to a failure: walked from every autograd node the forward made that
    no later node consumed (the last tensors made before it raised)."""
    notes = recorder.notes
    consumed = {nxt for fn in notes for nxt, _ in fn.next_functions if nxt is not None}
    roots = [fn for fn in notes if fn not in consumed]
    start = time.perf_counter()
    graph, out_ids, fn_ids = walk_autograd_graph(
        roots, notes=notes, param_names=_param_names(spec.model) if spec.model else {}
    )
    timings["walk"] = time.perf_counter() - start
    for node_id in out_ids:  # none of them is the model's output: it never returned one
        graph.nodes[node_id]["node"] = graph.nodes[node_id]["node"]._replace(kind="op")
    inputs = tuple(fn_ids[fn] for fn in point.input_fns if fn in fn_ids)
    stats = recorder.collect_stats(fn_ids)
    modules = recorder.module_infos()
    findings = review(graph, modules, stats, mode)
    return GraphSnapshot(
        name=spec.name,
        mode=mode,
        source_path=str(spec.path) if spec.path else None,
        graph=graph,
        modules=modules,
        stats=stats,
        output_ids=(),
        warnings=findings.warnings,
        timings=dict(timings),
        log=spec.log,
        failure=replace(failure, input_nodes=inputs),
        checked=findings.checked,
    )


def _output_kind(output: Any) -> str:
    """Why a forward's output gave no graph: "none" (no tensor in it) or "no_grad"."""
    return "none" if not iter_tensors(output) else "no_grad"


def _empty_graph_warning(kind: str, mode: Mode) -> tuple[Warning_, ...]:
    """A word on an empty graph outside no_grad: the output holds no tensor, or none of its
    tensors requires grad."""
    if not kind or mode == "no_grad":
        return ()
    if kind == "none":
        message = (
            "the forward returned no tensor (None, a string, or a container without tensors): "
            "there is no autograd graph to walk"
        )
    else:
        message = (
            "no tensor the forward returned requires grad (no parameter or input with "
            "requires_grad=True reached it, or it was detached or made under no_grad): "
            "the autograd graph is empty"
        )
    return (Warning_("empty_graph", "(root)", message),)


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
