"""Recording the real backward pass of a model file, node by node, in the engine's own order.

`record_backward` is a job like `capture_graph`: it runs the forward again (same mode, same
seeded random numbers, so the autograd nodes get the snapshot's ids), computes the loss (the
file's `loss_fn(output)`, else the output itself when it is one number, else the sum of every
floating output), hooks every node (`core/backward_hooks.py`) and runs `loss.backward()`. The
user's model is left as it was: parameters, buffers and flags (`ModelPreserved`), RNG states
(`seeded_rng`), and each leaf's `.grad`, which is set aside before and put back after.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack
from typing import Any

import torch

from graphviewer.core.autograd_graph import walk_autograd_graph
from graphviewer.core.backward_hooks import ForwardCancel, NodeHooks
from graphviewer.core.backward_record import BackwardRecord, StepRecorder, grad_stats
from graphviewer.core.capture import (
    _grad_fns,
    _mkldnn_disabled,
    _param_names,
    _set_training,
    live_spec,
)
from graphviewer.core.errors import BackwardError, Cancelled
from graphviewer.core.integrity import ModelPreserved, function_modes_kept, seeded_rng
from graphviewer.core.interrupt import user_code
from graphviewer.core.jobs import CancelToken, Job, Progress, run_job
from graphviewer.core.recorder import iter_tensors
from graphviewer.core.types import GraphSnapshot, Mode, ModelSpec
from graphviewer.core.usercode import UserCodeFilter, describe_exception

ProgressSink = Callable[[Progress], None]

NO_GRAD_REASON = (
    "under no_grad the forward builds no autograd graph, so there is no backward to step "
    "through: switch to train or eval"
)
_ACCUMULATE = "AccumulateGrad"


def backward_model(
    model: torch.nn.Module,
    inputs: Any,
    *,
    loss_fn: Callable[[Any], torch.Tensor] | None = None,
    mode: Mode = "train",
) -> BackwardRecord:
    """Record the backward of `model` on `inputs` (the Python API's `graphviewer.backward`)."""
    return run_job(record_backward(live_spec(model, inputs, loss_fn=loss_fn), mode))


def record_backward(
    spec: ModelSpec,
    mode: Mode = "train",
    *,
    snapshot: GraphSnapshot | None = None,
    cancel: CancelToken | None = None,
    report: ProgressSink | None = None,
) -> Job[BackwardRecord]:
    """The backward job: forward, loss, then the hooked `loss.backward()`.

    `snapshot` (the capture the user is looking at) lets a failure name the user's line that
    made the failing node. Raises `BackwardError` with one sentence naming the cause, `Cancelled`
    when `cancel` is set.
    """
    cancel = cancel or CancelToken()
    source = str(spec.path) if spec.path else None
    if mode == "no_grad":
        raise BackwardError(NO_GRAD_REASON, path=source)
    sources = spec.source_files or ((spec.path,) if spec.path and spec.path.suffix == ".py" else ())
    code = UserCodeFilter(sources)
    with ExitStack() as scope:
        scope.enter_context(function_modes_kept())
        if spec.model is None:  # a plain autograd script: its graph already exists
            output = spec.output
            leaf_names: Mapping[int, str] = spec.tensor_names
        else:
            model = spec.model
            scope.enter_context(ModelPreserved(model))
            _set_training(model, mode == "train")
            scope.enter_context(torch.enable_grad())
            if spec.hints.get("GRAPHVIEWER_DISABLE_MKLDNN"):
                scope.enter_context(_mkldnn_disabled())
            yield Progress("running forward")
            # The capture's random numbers (the same Dropout masks, so the same nodes); the
            # process-wide RNG lock is held for the forward only, not the backward.
            with seeded_rng(0, cancel), ForwardCancel(model, cancel.raise_if_cancelled):
                output = _user_call(code, source, "the forward", model, *spec.args, **spec.kwargs)
            leaf_names = _param_names(model)
        cancel.raise_if_cancelled()
        yield Progress("walking graph")
        walked = walk_autograd_graph(
            _grad_fns(output), leaf_names=leaf_names, check=cancel.raise_if_cancelled
        )
        loss, loss_source = _loss(spec, output, code, source)
        fn_ids = _with_loss_nodes(walked.fn_ids, loss)
        names = dict(leaf_names)
        for fn in fn_ids:  # unnamed leaves (a script's inputs) by their snapshot id
            if type(fn).__name__ == _ACCUMULATE and id(fn.variable) not in names:
                names[id(fn.variable)] = "input"
        total = len(fn_ids)
        every = max(1, total // 100)

        def on_step(done: int) -> None:
            if report is not None and (done % every == 0 or done == total):
                report(Progress("recording backward", done, total))

        recorder = StepRecorder(total, cancel.raise_if_cancelled, on_step)
        yield Progress("recording backward", 0, total)
        leaves = [fn.variable for fn in fn_ids if type(fn).__name__ == _ACCUMULATE]
        start = time.perf_counter()
        with NodeHooks(fn_ids, recorder, names), _grads_set_aside(leaves):
            try:
                loss.backward(retain_graph=spec.model is None)  # the user's own graph stays
            except Cancelled:
                raise
            except Exception as exc:
                raise _backward_failed(exc, recorder.running, snapshot, source) from exc
        seconds = time.perf_counter() - start
        loss_value = float(loss.detach().double().sum())
        del loss, output, walked, fn_ids, leaves
    return BackwardRecord(
        name=spec.name,
        mode=mode,
        loss_source=loss_source,
        loss_value=loss_value,
        steps=recorder.steps(),
        leaf_grads=dict(recorder.leaf_grads),
        seconds=seconds,
    )


def _user_call(
    code: UserCodeFilter,
    source: str | None,
    what: str,
    fn: Callable[..., Any],
    *args: Any,
    **kwargs: Any,
) -> Any:
    """Call the user's code; its exception becomes one `BackwardError` naming their line."""
    try:
        with user_code():
            return fn(*args, **kwargs)
    except Cancelled:
        raise
    except Exception as exc:
        where = code.traceback_location(exc.__traceback__)
        raise BackwardError(f"{what} raised {describe_exception(exc, where)}", path=source) from exc


def _loss(
    spec: ModelSpec, output: Any, code: UserCodeFilter, source: str | None
) -> tuple[torch.Tensor, str]:
    """The scalar to differentiate and where it came from, in words."""
    if spec.loss_fn is not None:
        loss = _user_call(code, source, "loss_fn(output)", spec.loss_fn, output)
        if not isinstance(loss, torch.Tensor):
            raise BackwardError(
                f"loss_fn(output) returned {type(loss).__name__}, not a tensor", path=source
            )
        if loss.numel() != 1:
            raise BackwardError(
                f"loss_fn(output) returned a tensor of shape {tuple(loss.shape)}, not a scalar: "
                "backward needs one number (end it with .mean() or .sum())",
                path=source,
            )
        if loss.grad_fn is None:
            raise BackwardError(
                "loss_fn(output) returned a tensor that does not require grad (detached, or "
                "made under no_grad): there is nothing to differentiate",
                path=source,
            )
        return loss, "loss_fn(output)"
    floats = [
        t
        for t in iter_tensors(output)
        if (t.is_floating_point() or t.is_complex()) and t.grad_fn is not None
    ]
    if not floats:
        raise BackwardError(
            "no floating tensor of the output requires grad (no parameter or input with "
            "requires_grad=True reached it): there is nothing to differentiate",
            path=source,
        )
    if len(floats) == 1 and floats[0].numel() == 1 and not floats[0].is_complex():
        return floats[0], "the output itself (one number)"
    parts = [t.real.sum() if t.is_complex() else t.sum() for t in floats]
    loss = parts[0]
    for part in parts[1:]:
        loss = loss + part
    what = "the output" if len(floats) == 1 else f"{len(floats)} floating outputs"
    return loss, f"sum of {what} (the file has no loss_fn)"


def _with_loss_nodes(fn_ids: Mapping[Any, str], loss: torch.Tensor) -> dict[Any, str]:
    """`fn_ids` plus the nodes of the loss made on top of the output (id ""): every node the
    engine will run."""
    found = dict(fn_ids)
    stack = [loss.grad_fn] if loss.grad_fn is not None else []
    while stack:
        fn = stack.pop()
        if fn in found:
            continue
        found[fn] = ""
        stack.extend(nxt for nxt, _ in fn.next_functions if nxt is not None)
    return found


@contextlib.contextmanager
def _grads_set_aside(leaves: list[torch.Tensor]) -> Iterator[None]:
    """Each leaf's `.grad` starts as None for the recorded backward (so the engine accumulates
    into a new tensor, never into the user's) and is put back, the very same tensor, after."""
    saved = [(t, t.grad) for t in leaves]
    try:
        for t, _ in saved:
            t.grad = None
        yield
    finally:
        for t, grad in saved:
            t.grad = grad


def _backward_failed(
    exc: BaseException, node_id: str | None, snapshot: GraphSnapshot | None, source: str | None
) -> BackwardError:
    """One sentence: the exception, the node it came from and the user's line that made it."""
    message = describe_exception(exc, None)
    where = ""
    if node_id and snapshot is not None and node_id in snapshot.graph:
        node = snapshot.node(node_id)
        where = f" in {node.backward_class} ({node_id})"
        if node.source is not None:
            loc = node.source
            where += f", made at {loc.file.rsplit('/', 1)[-1]}:{loc.line}"
            where += f": {loc.text}" if loc.text else ""
    return BackwardError(f"loss.backward() raised {message}{where}", path=source)


__all__ = ["NO_GRAD_REASON", "backward_model", "grad_stats", "record_backward"]
