"""Leaving the user's model and process as they were: RNG states, parameters, buffers, flags.

A capture runs the user's forward, which may draw random numbers (Dropout), update buffers
(BatchNorm), rebind attributes (``self.steps = self.steps + 1``) or even edit a parameter in
place under ``no_grad``. Two context managers undo all of it:

- `seeded_rng` gives the forward the same random numbers every time (captures compare) and puts
  back every RNG state it seeded: torch's CPU generator, each *initialised* accelerator's
  generators, Python's `random` and NumPy's global generator. An accelerator nobody has
  initialised is neither seeded nor touched (`torch.manual_seed` would queue a seed for it that
  runs when the user first uses the device). The global generators are process-wide, so one
  seeded section runs at a time (a process-wide lock): four captures in parallel threads draw the
  same Dropout masks as a lone capture, one after the other.
- `ModelPreserved` restores training flags, buffers (copied up front: they are small), and each
  module's parameter, buffer and tensor-attribute bindings by name. Parameters are *not* copied
  up front (that would double the memory of a big model): a `WriteWatch`, called from a
  thread-local function mode (the capture recorder's own, so that each op pays for one mode),
  copies a parameter just before the first in-place torch call on it (copy-on-write), and the
  copy is put back afterwards. An edit the mode cannot see (inside a C++ kernel) still moves the
  parameter's version counter; such a parameter is reported in `warnings`, not silently left
  changed.
"""

from __future__ import annotations

import contextlib
import random
import threading
from collections.abc import Callable, Iterator, Mapping
from typing import Any, Protocol

import numpy as np
import torch
from torch.overrides import TorchFunctionMode

from graphviewer.core.fake import is_fake
from graphviewer.core.jobs import CancelToken
from graphviewer.core.types import Warning_

# Reentrant: a capture started from inside a captured forward (graphviewer.capture called by
# the user's code) must not deadlock on its own thread.
_RNG_LOCK = threading.RLock()
_LOCK_POLL_S = 0.05


class DeviceRng(Protocol):
    """The RNG part of a torch device module (`torch.cuda`, `torch.xpu`, a custom backend)."""

    def get_rng_state(self, device: Any = ...) -> torch.Tensor: ...

    def set_rng_state(self, new_state: torch.Tensor, device: Any = ...) -> None: ...

    def manual_seed(self, seed: int) -> None: ...


def initialised_devices() -> list[tuple[DeviceRng, list[Any]]]:
    """Each accelerator module with a live generator, and its device indices, to fork and seed."""
    found: list[tuple[DeviceRng, list[Any]]] = []
    names = ["cuda", "xpu", torch._C._get_privateuse1_backend_name()]
    for name in dict.fromkeys(names):
        module = getattr(torch, name, None)
        is_initialized = getattr(module, "is_initialized", None)
        if module is None or not callable(is_initialized) or not is_initialized():
            continue
        found.append((module, list(range(module.device_count()))))
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():  # MPS has no lazy init: one generator, "mps"
        found.append((torch.mps, ["mps"]))
    return found


@contextlib.contextmanager
def seeded_rng(seed: int = 0, cancel: CancelToken | None = None) -> Iterator[None]:
    """Run the block alone (process-wide) with every live RNG seeded; restore them all after.

    Waiting for another thread's seeded section checks `cancel`, so a cancelled capture never
    waits for one stuck in user code.
    """
    while not _RNG_LOCK.acquire(timeout=_LOCK_POLL_S):
        if cancel is not None:
            cancel.raise_if_cancelled()
    try:
        devices = initialised_devices()
        cpu_state = torch.get_rng_state()
        device_states = [[m.get_rng_state(d) for d in ds] for m, ds in devices]
        python_state = random.getstate()
        numpy_state = np.random.get_state()
        try:
            torch.default_generator.manual_seed(seed)
            for module, indices in devices:
                for index in indices:
                    # Per device, not `manual_seed_all`: the same call works for every backend.
                    state = _seeded_state(module, index, seed)
                    module.set_rng_state(state, index)
            random.seed(seed)
            np.random.seed(seed)
            yield
        finally:
            torch.set_rng_state(cpu_state)
            for (module, indices), states in zip(devices, device_states, strict=True):
                for index, state in zip(indices, states, strict=True):
                    module.set_rng_state(state, index)
            random.setstate(python_state)
            np.random.set_state(numpy_state)
    finally:
        _RNG_LOCK.release()


def _seeded_state(module: DeviceRng, index: Any, seed: int) -> torch.Tensor:
    """The RNG state device `index` has after `manual_seed(seed)`, computed without leaving the
    other devices seeded (`manual_seed` seeds the current device only)."""
    saved = module.get_rng_state(index)
    device = getattr(module, "device", None)
    with device(index) if callable(device) and isinstance(index, int) else contextlib.nullcontext():
        module.manual_seed(seed)
    state = module.get_rng_state(index)
    module.set_rng_state(saved, index)
    return state


# Tensor methods ending in "_" that change no values: no copy needed before them.
_NOT_WRITES = frozenset({"requires_grad_", "share_memory_", "retain_grad", "pin_memory_"})
# Functions that write into their running_mean / running_var arguments.
_WRITES_RUNNING_STATS = frozenset({"batch_norm", "instance_norm"})
_INPLACE_DUNDERS = frozenset(
    {
        "__setitem__",
        "__iadd__",
        "__isub__",
        "__imul__",
        "__itruediv__",
        "__ifloordiv__",
        "__imod__",
        "__ipow__",
        "__imatmul__",
        "__iand__",
        "__ior__",
        "__ixor__",
        "__ilshift__",
        "__irshift__",
    }
)


def _written(
    func: Callable[..., Any], args: tuple[Any, ...], kwargs: Mapping[str, Any]
) -> list[Any]:
    """The tensors a torch call writes into: its first argument for in-place calls (`add_`,
    `__setitem__`, `F.relu(inplace=True)`, `_foreach_add_`), the running statistics of
    `F.batch_norm`, and any `out=`."""
    name = getattr(func, "__name__", "")
    targets: list[Any] = []
    inplace = _inplace_name(name) or kwargs.get("inplace") is True
    if inplace and args:
        first = args[0]
        targets.extend(first if isinstance(first, (list, tuple)) else (first,))
    if name in _WRITES_RUNNING_STATS:  # running_mean and running_var, updated in the kernel
        targets.extend(args[1:3])
        targets.extend(kwargs[k] for k in ("running_mean", "running_var") if k in kwargs)
    out = kwargs.get("out")
    if out is not None:
        targets.extend(out if isinstance(out, (list, tuple)) else (out,))
    return [t for t in targets if isinstance(t, torch.Tensor)]


def _inplace_name(name: str) -> bool:
    return (
        name.endswith("_") and not name.startswith("__") and name not in _NOT_WRITES
    ) or name in _INPLACE_DUNDERS


def _writes_by_name(func: Callable[..., Any]) -> bool:
    """True for a function that may write a positional argument, whatever the arguments."""
    name = getattr(func, "__name__", "")
    return _inplace_name(name) or name in _WRITES_RUNNING_STATS


def _storage_key(t: torch.Tensor) -> int | None:
    """Where a tensor's values live, shared by `.data`, `.detach()` and views; None for tensors
    with no real storage (fake or meta)."""
    if is_fake(t):
        return None
    try:
        ptr = t.untyped_storage().data_ptr()
    except (RuntimeError, NotImplementedError):
        return None
    return ptr or None


class WriteWatch:
    """Copies a watched tensor just before the first torch call that writes it.

    `before` is called with every torch call of the pass, by the capture recorder's function
    mode (one Python mode per op, not two) or, where no recorder runs, by `_CopyOnWrite`. A
    function seen to write no positional argument is remembered in `reads_only`: the caller
    skips `before` for it with one set lookup.
    """

    def __init__(self, watched: list[torch.Tensor]) -> None:
        self._by_id = {id(t): t for t in watched}
        self._by_storage: dict[int, list[torch.Tensor]] = {}
        for t in watched:
            key = _storage_key(t)
            if key is not None:
                self._by_storage.setdefault(key, []).append(t)
        self.copies: dict[int, tuple[torch.Tensor, torch.Tensor]] = {}  # id -> (tensor, copy)
        self.reads_only: set[Any] = set()  # functions that write no positional argument

    def before(
        self, func: Callable[..., Any], args: tuple[Any, ...], kwargs: Mapping[str, Any] | None
    ) -> None:
        kwargs = kwargs or {}
        targets = _written(func, args, kwargs)
        if not targets and not kwargs and not _writes_by_name(func):
            self.reads_only.add(func)
        for target in targets:
            self._copy_before_write(target)

    def _copy_before_write(self, target: torch.Tensor) -> None:
        hits = [self._by_id[id(target)]] if id(target) in self._by_id else []
        key = _storage_key(target) if not hits else None
        if key is not None:
            hits = self._by_storage.get(key, [])
        for t in hits:
            if id(t) not in self.copies:
                with torch.no_grad():
                    self.copies[id(t)] = (t, t.detach().clone())


class _CopyOnWrite(TorchFunctionMode):
    """Thread-local: runs a `WriteWatch` before every torch call (where no recorder does)."""

    def __init__(self, watch: WriteWatch) -> None:
        super().__init__()
        self._watch = watch

    def __torch_function__(
        self,
        func: Callable[..., Any],
        types: Any,
        args: tuple[Any, ...] = (),
        kwargs: Mapping[str, Any] | None = None,
    ) -> Any:
        watch = self._watch
        if kwargs or func not in watch.reads_only:
            watch.before(func, args, kwargs)
        return func(*args, **kwargs) if kwargs else func(*args)


class ModelPreserved:
    """Context manager that puts a model back as it was after the forward ran (see module doc).

    `warnings` lists what could not be put back, once the context has exited.
    """

    def __init__(self, model: torch.nn.Module, *, own_mode: bool = True) -> None:
        """`own_mode=False`: the caller's function mode runs `write_watch.before` on each
        torch call (the capture recorder does), so no second mode slows every op."""
        self._model = model
        self._own_mode = own_mode
        self._cow: _CopyOnWrite | None = None
        self.warnings: list[Warning_] = []

    def __enter__(self) -> ModelPreserved:
        # One walk over the modules: a ResNet-50 has 150 of them and this runs every capture.
        self._training: list[tuple[torch.nn.Module, bool]] = []
        self._bindings: list[tuple[torch.nn.Module, dict[str, Any], dict[str, Any], dict[str, Any]]]
        self._bindings = []
        self._buffers: list[tuple[torch.Tensor, torch.Tensor]] = []
        self._params: list[tuple[str, torch.Tensor, int]] = []
        seen: set[int] = set()
        for path, m in self._model.named_modules(remove_duplicate=True):
            params, buffers, tensors = dict(m._parameters), dict(m._buffers), _tensor_attributes(m)
            self._training.append((m, m.training))
            self._bindings.append((m, params, buffers, tensors))
            for b in buffers.values():
                if b is not None and id(b) not in seen:
                    seen.add(id(b))
                    self._buffers.append((b, b.detach().clone()))
            for name, p in params.items():
                if p is not None and id(p) not in seen:
                    seen.add(id(p))
                    self._params.append((f"{path}.{name}" if path else name, p, p._version))
        watched = [p for _, p, _ in self._params]
        watched += [t for _, _, _, tensors in self._bindings for t in tensors.values()]
        self.write_watch = WriteWatch(watched)
        if self._own_mode:
            cow = _CopyOnWrite(self.write_watch)
            cow.__enter__()
            self._cow = cow
        return self

    def __exit__(self, *exc: object) -> None:
        cow, self._cow = self._cow, None
        try:
            if cow is not None:
                cow.__exit__(None, None, None)
        finally:
            # Even when leaving the mode fails (an interrupt that landed inside torch's own
            # mode switch leaves this thread's mode stack out of order), the model is put back.
            self._restore()

    def _restore(self) -> None:
        # No function mode may see the restoring copies: after an interrupt inside torch's own
        # mode switch, a cancelled recorder's mode can still be active here and would raise.
        with torch._C.DisableTorchFunction():
            self._put_all_back()

    def _put_all_back(self) -> None:
        for m, params, buffers, tensors in self._bindings:
            _restore_dict(m._parameters, params)
            _restore_dict(m._buffers, buffers)
            for name, value in tensors.items():
                if m.__dict__.get(name) is not value:
                    m.__dict__[name] = value
        with torch.no_grad():
            for tensor, saved in self.write_watch.copies.values():
                _put_back(tensor, saved)
            for buf, saved in self._buffers:
                _put_back(buf, saved)
        for m, training in self._training:
            if m.training != training:
                m.training = training
        restored = self.write_watch.copies
        changed = [n for n, p, v in self._params if p._version != v and id(p) not in restored]
        if changed:
            shown = ", ".join(changed[:3]) + (
                f" and {len(changed) - 3} more" if len(changed) > 3 else ""
            )
            self.warnings.append(
                Warning_(
                    "integrity",
                    "(root)",
                    f"the forward changed parameter {shown} in place where no Python-level torch "
                    "call showed it (TorchScript or a C++ kernel): its old values are lost",
                )
            )


def _tensor_attributes(module: torch.nn.Module) -> dict[str, torch.Tensor]:
    """Plain tensor attributes (`self.mask = torch.ones(...)`, neither parameter nor buffer)."""
    return {k: v for k, v in vars(module).items() if isinstance(v, torch.Tensor)}


def _restore_dict(current: dict[str, Any], saved: dict[str, Any]) -> None:
    """Put a module's `_parameters`/`_buffers` entries back by name, only if they changed."""
    if list(current.keys()) == list(saved) and all(current[k] is v for k, v in saved.items()):
        return
    if not isinstance(current, dict):
        # A TorchScript module's C++-backed wrapper: no entry can be added or removed, only
        # set again by name.
        for k, v in saved.items():
            if k in current and current[k] is not v:
                current[k] = v
        return
    current.clear()
    current.update(saved)


def _put_back(tensor: torch.Tensor, saved: torch.Tensor) -> None:
    if tensor.shape == saved.shape and tensor.dtype == saved.dtype:
        tensor.copy_(saved)
    else:  # resized or re-typed in place (`resize_`, `set_`): rebind the old values
        tensor.data = saved


@contextlib.contextmanager
def function_modes_kept() -> Iterator[None]:
    """Leaves this thread's torch function-mode stack as deep as it was on entry.

    An interrupt that lands inside torch's own mode switch (`_pop_mode_temporarily`) can leave
    the capture's modes pushed after their `__exit__`; left there, a cancelled recorder's mode
    would cancel every later torch call on the thread.
    """
    depth = torch._C._len_torch_function_stack()
    try:
        yield
    finally:
        while torch._C._len_torch_function_stack() > depth:
            torch._C._pop_torch_function_stack()
