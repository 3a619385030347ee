"""Installing the backward recorder's hooks on every autograd node, and removing them all.

`NodeHooks` is a context manager: a pre-hook and a hook on each node of the walked graph
(`Node.register_prehook` / `Node.register_hook`), each removed in `__exit__` whether the backward
finished, raised or was cancelled. The hooks only hand the gradients to a `StepRecorder`, which is
thread-safe: on CUDA the engine calls them on its own device thread, never the caller's.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import torch

from graphviewer.core.backward_record import StepRecorder

_ACCUMULATE = "AccumulateGrad"


class NodeHooks:
    """Hooks on every node of `fn_ids` (grad_fn → snapshot id) feeding `recorder`; `leaf_names`
    names leaf tensors by id (parameters and a script's `x`, `w`)."""

    def __init__(
        self, fn_ids: Mapping[Any, str], recorder: StepRecorder, leaf_names: Mapping[int, str]
    ) -> None:
        self._fn_ids = fn_ids
        self._recorder = recorder
        self._leaf_names = leaf_names
        self._handles: list[Any] = []

    def __enter__(self) -> NodeHooks:
        try:
            for fn, node_id in self._fn_ids.items():
                self._install(fn, node_id)
        except BaseException:
            self._remove()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self._remove()

    @property
    def installed(self) -> int:
        return len(self._handles)

    def _install(self, fn: Any, node_id: str) -> None:
        cls = type(fn).__name__
        param = None
        if cls == _ACCUMULATE:
            var = fn.variable
            param = self._leaf_names.get(id(var), "input")
        rec = self._recorder
        self._handles.append(fn.register_prehook(_pre(rec, fn, node_id, cls, param)))
        self._handles.append(fn.register_hook(_post(rec, fn)))

    def _remove(self) -> None:
        handles, self._handles = self._handles, []
        for handle in handles:
            handle.remove()


def _pre(
    rec: StepRecorder, key: Any, node_id: str, cls: str, param: str | None
) -> Callable[..., None]:
    def prehook(grad_outputs: tuple[torch.Tensor | None, ...]) -> None:
        rec.before(key, node_id, cls, param, grad_outputs)

    return prehook


def _post(rec: StepRecorder, key: Any) -> Callable[..., None]:
    def hook(grad_inputs: tuple[torch.Tensor | None, ...], _outputs: Any) -> None:
        rec.after(key, grad_inputs)

    return hook


class ForwardCancel:
    """Forward pre-hooks on every module of a model that raise once `check` does, so a long
    forward run for the backward stops at the next module; removed on exit."""

    def __init__(self, model: torch.nn.Module, check: Callable[[], None]) -> None:
        self._model = model
        self._check = check
        self._handles: list[Any] = []

    def __enter__(self) -> ForwardCancel:
        check = self._check

        def pre(_module: torch.nn.Module, _args: Any) -> None:
            check()

        self._handles = []
        for m in self._model.modules():
            try:
                self._handles.append(m.register_forward_pre_hook(pre))
            except RuntimeError:  # a TorchScript module takes no hooks: cancel lands after it
                continue
        return self

    def __exit__(self, *exc: object) -> None:
        handles, self._handles = self._handles, []
        for handle in handles:
            handle.remove()
