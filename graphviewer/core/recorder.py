"""What watches a forward pass: forward hooks on each module and a thread-local function mode.

The hooks keep the module stack (which module is running), the module tree's shapes and each
module's output statistics. The `TorchFunctionMode` sees every torch call the user's code makes
on this thread and claims the autograd nodes each call created for the innermost running module
and the user's source line. Both are removed when the recorder's context exits.
"""

from __future__ import annotations

import contextlib
import sys
import threading
import time
import types
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

import torch
from torch.overrides import TorchFunctionMode

from graphviewer.core.autograd_graph import NodeNote
from graphviewer.core.errors import Cancelled
from graphviewer.core.integrity import WriteWatch
from graphviewer.core.jobs import CancelToken, Progress
from graphviewer.core.output_keys import MAX_CALLS, module_output_key
from graphviewer.core.stats import StatsCollector, same_figures
from graphviewer.core.types import ActivationStats, ModuleInfo, SourceLoc
from graphviewer.core.usercode import UserCodeFilter

_REPORT_EVERY_S = 0.05


@dataclass(frozen=True)
class FailurePoint:
    """Where the forward stood when an exception left it: the module, the op, what flowed in.

    `input_fns` are the grad_fns of the failing op's tensor inputs (kept for the walk to map
    to node ids; they never leave the worker)."""

    module: str | None
    op: str | None = None
    input_shapes: tuple[tuple[int, ...], ...] = ()
    input_fns: tuple[Any, ...] = ()
    source: SourceLoc | None = None


class CaptureRecorder:
    """Context manager that records one forward pass of `model` on the current thread."""

    def __init__(
        self,
        model: torch.nn.Module,
        code: UserCodeFilter,
        cancel: CancelToken,
        report: Callable[[Progress], None] | None = None,
        *,
        stats: bool = True,
    ) -> None:
        self._model = model
        # Set by the capture: run before every torch call (copy-on-write of the user's tensors).
        self.write_watch: WriteWatch | None = None
        self._code = code
        self.cancel = cancel
        self._report = report
        self._stats = stats
        self._paths: dict[int, str] = {}
        for path, module in model.named_modules(remove_duplicate=True):
            self._paths.setdefault(id(module), path)
        self._stack: list[str] = []
        # the running calls as (path, n) frames, one tuple per call shared by all its nodes
        self._frames: list[tuple[tuple[str, int], ...]] = [()]
        # Beside each running call: the torch frame that runs its forward and the user's line
        # that frame runs under, where an op's walk up its stack may stop (`UserCodeFilter`).
        self._callers: list[tuple[types.FrameType | None, SourceLoc | None]] = [(None, None)]
        self._calls: dict[str, int] = {}
        self._in_shapes: dict[str, tuple[tuple[int, ...], ...]] = {}
        self._out_shapes: dict[str, tuple[tuple[int, ...], ...]] = {}
        self._varied: set[str] = set()  # modules whose calls saw different input shapes
        self.notes: dict[Any, NodeNote] = {}
        self._collector = StatsCollector()
        # grad_fn -> which tensor it measured, as `_identity` (one fn makes every piece of a
        # split: the fn alone does not tell a module's output is the piece that was measured)
        self._op_stat_keys: dict[Any, tuple[Any, ...]] = {}
        self._module_alias: dict[str, Any] = {}  # output key -> grad_fn sharing its stats
        self._module_first: dict[str, str] = {}  # "module:path" -> the key of its first output
        self._view_alias: dict[Any, tuple[Any, tuple[int, ...]]] = {}  # view fn -> (base fn, shape)
        # footprint -> fn, root, version, and the shape when the measured tensor was contiguous
        self._footprints: dict[tuple[Any, ...], tuple[Any, Any, int, tuple[int, ...] | None]] = {}
        # view fn -> (version, address, shape) of a view whose own measurement would give its
        # base's figures exactly (a multi-output fn such as split's is one piece of several)
        self._view_exact: dict[Any, tuple[Any, ...]] = {}
        self._handles: list[Any] = []
        self._hookless: set[str] = set()  # module paths no hook could be put on
        self._mode: _OpRecorder | None = None
        self._thread = 0
        self._last_report = 0.0
        self._op_failure: tuple[BaseException, FailurePoint] | None = None

    @property
    def module_count(self) -> int:
        return len(self._paths)

    def __enter__(self) -> CaptureRecorder:
        self._thread = threading.get_ident()
        try:
            for module in self._model.modules():
                try:
                    self._handles.append(
                        module.register_forward_pre_hook(self._on_module_enter, with_kwargs=True)
                    )
                    self._handles.append(module.register_forward_hook(self._on_module_exit))
                except (RuntimeError, AttributeError):  # TorchScript modules take no Python hooks
                    self._hookless.add(self._paths.get(id(module), "?"))
            mode = _OpRecorder(self)
            mode.__enter__()
            self._mode = mode
        except BaseException:  # `with` calls no __exit__ when __enter__ raises: undo it here
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        mode, self._mode = self._mode, None
        try:
            if mode is not None:
                mode.__exit__(None, None, None)
        finally:  # the hooks go even if leaving the mode failed
            handles, self._handles = self._handles, []
            for handle in handles:
                handle.remove()

    # -- hooks -------------------------------------------------------------------------------
    def _on_module_enter(self, module: torch.nn.Module, args: Any, kwargs: Any) -> None:
        if threading.get_ident() != self._thread:
            return
        if self.cancel.cancelled:
            raise Cancelled()
        path = self._paths.get(id(module), "?")
        self._stack.append(path)
        calls = self._calls.get(path, 0)
        self._calls[path] = calls + 1
        self._frames.append((*self._frames[-1], (path, calls + 1)))
        caller = sys._getframe(1)  # torch's frame that called this hook, then the forward
        self._callers.append((caller, self._code.frame_location(caller, *self._callers[-1])))
        if (
            calls > 0
            and path not in self._varied
            and _shapes((args, kwargs)) != self._in_shapes.get(path)
        ):
            self._varied.add(path)
        if calls == 0:
            self._in_shapes[path] = _shapes((args, kwargs))
            now = time.perf_counter()
            if self._report is not None and now - self._last_report > _REPORT_EVERY_S:
                self._last_report = now
                self._report(Progress("running forward", len(self._calls), self.module_count))

    def _on_module_exit(self, module: torch.nn.Module, args: Any, output: Any) -> None:
        if threading.get_ident() != self._thread:
            return
        path = self._stack.pop() if self._stack else self._paths.get(id(module), "?")
        frame = self._frames[-1]
        call = frame[-1][1] if frame and frame[-1][0] == path else self._calls.get(path, 1)
        if len(self._frames) > 1:
            self._frames.pop()
            self._callers.pop()
        found = iter_tensors(output)
        if path not in self._out_shapes:
            self._out_shapes[path] = _shapes(found)
        if self._stats and call <= MAX_CALLS:
            for index, t in enumerate(found):
                if t.is_floating_point():
                    self._measure_module(module_output_key(path, call, index), t)
        if self._stats and call == 1 and found and found[0].is_floating_point():
            self._module_first[f"module:{path}"] = module_output_key(path, 1, 0)

    def _measure_module(self, key: str, t: torch.Tensor) -> None:
        fn = t.grad_fn
        if fn is not None and self._op_stat_keys.get(fn) == _identity(t):
            self._module_alias[key] = fn  # the same tensor an op just measured
        elif fn is not None and self._view_exact.get(fn) == _identity(t):
            self._module_alias[key] = fn  # a view (Conv1D's output) of a measured tensor
        else:
            self._collector.add(key, t)

    # -- ops ---------------------------------------------------------------------------------
    def on_op(self, output: Any) -> None:
        """Claim the autograd nodes a torch call just created (called by the function mode)."""
        note: NodeNote | None = None
        for t in iter_tensors(output):
            fn = t.grad_fn
            if fn is None or fn in self.notes:
                continue
            first_new = note is None
            if note is None:
                note = self._note()
            self._take(fn, t, note, measure=first_new)

    def on_tensor(self, fn: Any, t: torch.Tensor) -> None:
        """`on_op` for the common case: one tensor out, with a grad_fn not seen before."""
        self._take(fn, t, self._note(), measure=True)

    def _note(self) -> NodeNote:
        # skip=3: _note ← on_op/on_tensor ← the function mode ← the caller of the torch function
        module = self._stack[-1] if self._stack else ""
        where = self._code.caller_location(3, *self._callers[-1])
        return NodeNote(module, where, self._frames[-1])

    def _take(self, fn: Any, t: torch.Tensor, note: NodeNote, *, measure: bool) -> None:
        self._claim(fn, note)
        if measure and self._stats and t.is_floating_point():
            self._measure_op(fn, t)

    def _measure_op(self, fn: Any, t: torch.Tensor) -> None:
        """Measure an op's output or, when it holds exactly the values of an output measured
        before (a view, reshape, transpose or permute of it, unchanged since), share that
        measurement instead of repeating it."""
        where = _footprint(t)
        # The root tensor's node (kept alive in `notes`) tells the same memory from a new
        # tensor that reuses a freed one's address.
        root = t._base if t._base is not None else t
        root_fn = root.grad_fn
        if where is not None and root_fn is not None:
            seen = self._footprints.get(where)
            if seen is not None and seen[1] is root_fn and seen[2] == t._version:
                shape = tuple(t.shape)
                self._view_alias[fn] = (seen[0], shape)
                if seen[3] is not None and t.is_contiguous() and same_figures(seen[3], shape):
                    self._view_exact[fn] = _identity(t)
                return
        self._collector.add(fn, t)
        self._op_stat_keys[fn] = _identity(t)
        if where is not None and root_fn is not None:
            layout = tuple(t.shape) if t.is_contiguous() else None
            self._footprints[where] = (fn, root_fn, t._version, layout)

    def _claim(self, root: Any, note: NodeNote) -> None:
        stack = [root]
        self.notes[root] = note
        while stack:
            fn = stack.pop()
            for nxt, _ in fn.next_functions:
                if nxt is None or nxt in self.notes or type(nxt).__name__ == "AccumulateGrad":
                    continue
                self.notes[nxt] = note
                stack.append(nxt)

    def note_root_call(self, args: Any, output: Any) -> None:
        """Shapes of the root's call where no hook could see it (TorchScript)."""
        if "" in self._hookless and "" not in self._calls:
            self._calls[""] = 1
            self._in_shapes[""] = _shapes(args)
            self._out_shapes[""] = _shapes(output)

    # -- failure -----------------------------------------------------------------------------
    def on_op_failed(self, func: Any, args: Any, kwargs: Any, exc: BaseException) -> None:
        """Remember the torch call that raised `exc` (called by the function mode)."""
        inputs = iter_tensors((args, kwargs))
        fns = tuple(dict.fromkeys(t.grad_fn for t in inputs if t.grad_fn is not None))
        point = FailurePoint(
            module=self._stack[-1] if self._stack else None,
            op=_op_name(func),
            input_shapes=tuple(tuple(t.shape) for t in inputs),
            input_fns=fns,
            source=self._code.caller_location(skip=2),
        )
        self._op_failure = (exc, point)

    def failure_point(self, exc: BaseException) -> FailurePoint:
        """Where `exc` left the forward: the op that raised it if one did (it or an exception
        it led to), else the innermost module still running (the hooks never saw it return)."""
        if self._op_failure is not None:
            raised, point = self._op_failure
            seen: set[int] = set()
            cur: BaseException | None = exc
            while cur is not None and id(cur) not in seen:
                if cur is raised:
                    return point
                seen.add(id(cur))
                cur = cur.__cause__ or cur.__context__
        module = self._stack[-1] if self._stack else None
        shapes = self._in_shapes.get(module, ()) if module is not None else ()
        return FailurePoint(module=module, input_shapes=shapes)

    # -- results -----------------------------------------------------------------------------
    def module_infos(self) -> dict[str, ModuleInfo]:
        infos: dict[str, ModuleInfo] = {}
        for path, module in self._model.named_modules(remove_duplicate=True):
            parent = None if not path else (path.rsplit(".", 1)[0] if "." in path else "")
            children = tuple(
                f"{path}.{name}" if path else name
                for name, child in module.named_children()
                if child is not None
                and self._paths.get(id(child)) == (f"{path}.{name}" if path else name)
            )
            infos[path] = ModuleInfo(
                path=path,
                class_name=getattr(module, "original_name", None) or type(module).__name__,
                parent=parent,
                children=children,
                input_shapes=self._in_shapes.get(path, ()),
                output_shapes=self._out_shapes.get(path, ()),
                calls=self._calls.get(path, 0),
                num_params=sum(p.numel() for p in module.parameters(recurse=False)),
                observed=path not in self._hookless or path in self._calls,
                shapes_vary=path in self._varied,
            )
        return {path: _titled(info, infos) for path, info in infos.items()}

    def collect_stats(self, ids: Mapping[Any, str]) -> dict[str, ActivationStats]:
        """All statistics keyed "module:<path>" and "node:<id>", once the walk gave nodes ids."""
        raw = self._collector.results()
        out: dict[str, ActivationStats] = {}
        for key, st in raw.items():
            if isinstance(key, str):
                out[key] = st
            elif (node_id := ids.get(key)) is not None:
                out[f"node:{node_id}"] = st
        for key, fn in self._module_alias.items():
            if fn in raw:
                out[key] = raw[fn]
            elif fn in self._view_alias and self._view_alias[fn][0] in raw:
                base_fn, shape = self._view_alias[fn]
                out[key] = replace(raw[base_fn], shape=shape)  # `same_figures`: only the shape
        for short, key in self._module_first.items():
            if key in out:
                out[short] = out[key]
        for fn, (base_fn, shape) in self._view_alias.items():
            node_id = ids.get(fn)
            if node_id is not None and base_fn in raw:
                # The same values in another layout: units/dead units do not carry over.
                out[f"node:{node_id}"] = replace(
                    raw[base_fn], shape=shape, units=0, dead_units=0,
                    unit_active=None, unit_mean=None, unit_std=None, unit_samples=0,
                )  # fmt: skip
        return out


class _OpRecorder(TorchFunctionMode):
    """Thread-local by torch's design: sees only the torch calls of the thread that entered it."""

    def __init__(self, recorder: CaptureRecorder) -> None:
        super().__init__()
        self._recorder = recorder

    def __torch_function__(
        self,
        func: Callable[..., Any],
        types: Any,
        args: tuple[Any, ...] = (),
        kwargs: Mapping[str, Any] | None = None,
    ) -> Any:
        recorder = self._recorder
        if recorder.cancel.cancelled:
            raise Cancelled()
        watch = recorder.write_watch
        if watch is not None and (kwargs or func not in watch.reads_only):
            watch.before(func, args, kwargs)
        try:
            out = func(*args, **kwargs) if kwargs else func(*args)
        except Exception as exc:  # zero-cost until raised; the error propagates unchanged
            # Out of stack (a RecursionError) the note may fail too: never mask the error.
            with contextlib.suppress(Exception):
                recorder.on_op_failed(func, args, kwargs, exc)
            raise
        if isinstance(out, torch.Tensor):
            fn = out.grad_fn  # None under no_grad
            if fn is not None and fn not in recorder.notes:
                recorder.on_tensor(fn, out)
        elif isinstance(out, (tuple, list)) and torch.is_grad_enabled():
            recorder.on_op(out)
        return out


def _titled(info: ModuleInfo, infos: Mapping[str, ModuleInfo]) -> ModuleInfo:
    """`info` with its canvas title when a parent was never called (so draws no box): the
    path below its nearest called ancestor, not its last name alone ("h.0", not "0")."""
    parent = infos.get(info.parent) if info.parent else None
    if parent is None or not parent.path or parent.calls or not info.calls:
        return info
    top = parent
    while top.parent and (up := infos.get(top.parent)) is not None and up.path and not up.calls:
        top = up
    start = len(top.parent) + 1 if top.parent else 0
    return replace(info, title=info.path[start:])


def _op_name(func: Any) -> str:
    """`torch.nn.functional.linear` → "linear", `Tensor.__matmul__` → "matmul"."""
    name = str(getattr(func, "__name__", None) or func)
    return name.strip("_") or name


def _identity(t: torch.Tensor) -> tuple[Any, ...]:
    """Which values a tensor holds now: its version (shared with its views), where it starts,
    its shape and strides."""
    return (t._version, t.data_ptr(), t.shape, t.stride())


def _footprint(t: torch.Tensor) -> tuple[Any, ...] | None:
    """The memory a tensor's values occupy, in a form two views share exactly when they hold the
    same elements: the first element's address, the dtype, and the dims without size 1 sorted
    by stride, contiguous runs merged. None for a tensor whose elements overlap (expand)."""
    dims = sorted(
        ((st, sz) for sz, st in zip(t.shape, t.stride(), strict=True) if sz != 1), reverse=True
    )
    merged: list[tuple[int, int]] = []
    for st, sz in dims:
        if st == 0:
            return None
        if merged and merged[-1][0] == st * sz:
            merged[-1] = (st, merged[-1][1] * sz)
        else:
            merged.append((st, sz))
    return (t.data_ptr(), t.dtype, *merged)


def iter_tensors(value: Any) -> list[torch.Tensor]:
    """Every tensor in a nested value: tuples, lists, dicts, dataclasses (model outputs).

    A list, not a generator: it runs for every torch call of a forward, and most values are a
    tensor or a flat tuple of them."""
    if isinstance(value, torch.Tensor):
        return [value]
    found: list[torch.Tensor] = []
    _collect(value, found, 0)
    return found


def _collect(value: Any, found: list[torch.Tensor], depth: int) -> None:
    if isinstance(value, torch.Tensor):
        found.append(value)
    elif depth > 8 or value is None or isinstance(value, (bool, int, float, str)):
        return
    elif isinstance(value, (tuple, list)):
        for v in value:
            _collect(v, found, depth + 1)
    elif isinstance(value, Mapping):
        for v in value.values():
            _collect(v, found, depth + 1)
    elif hasattr(value, "__dataclass_fields__"):
        for name in value.__dataclass_fields__:
            _collect(getattr(value, name, None), found, depth + 1)


def _shapes(value: Any) -> tuple[tuple[int, ...], ...]:
    return tuple(tuple(t.shape) for t in iter_tensors(value))
