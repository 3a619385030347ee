"""Stopping a user's script at its first forward: the model it builds, and the inputs it passes.

A tutorial that builds a model and then trains it for 5,000 steps would otherwise run all of
them before anything appears. While the script runs, a global forward pre-hook (this thread
only, removed on exit) watches for the first call of a model from the user's own code, records
the module and its arguments, and raises `_StopScript` — a `BaseException`, so that the
script's own `except Exception:` cannot swallow it — which the loader catches. Nothing of that
forward has run yet, so the model is in the state the script built it in.
"""

from __future__ import annotations

import contextlib
import sys
import threading
import types
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn
from torch.nn.modules import module as module_module

_MODULE_PY = module_module.__file__


RUN_SCRIPT_HINT = "pass --run-script to run it to its end"  # ends the stop's notice


@dataclass(frozen=True)
class FirstForward:
    """The script's first call of a model: the instance, its arguments, where and how it ran."""

    model: nn.Module
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    file: str
    line: int
    grad_enabled: bool  # False when the script called it under `torch.no_grad()`

    def notice(self, main_file: Path) -> str:
        """What the report and the window say about the stop."""
        where = f"line {self.line}"
        if Path(self.file).resolve() != main_file.resolve():
            where = f"{Path(self.file).name}:{self.line}"
        text = f"stopped the script at its first forward of {type(self.model).__name__} ({where})"
        if not self.grad_enabled:
            text += ", which it ran under no_grad"
        return f"{text}; {RUN_SCRIPT_HINT}"


class _StopScript(BaseException):
    """Raised from the hook to end the script; carries what was recorded."""

    def __init__(self, first: FirstForward) -> None:
        super().__init__("stopped at the first forward")
        self.first = first


class FirstForwardTrap:
    """Records the first forward the script makes; `first` is None if it made none."""

    def __init__(self, namespace: Mapping[str, Any], is_user_file: Callable[[str], bool]) -> None:
        self._namespace = namespace
        self._is_user_file = is_user_file
        self.first: FirstForward | None = None

    @contextlib.contextmanager
    def armed(self) -> Iterator[None]:
        """Watch module calls in this thread during the block; end it quietly at the first."""
        thread = threading.get_ident()

        def hook(module: nn.Module, args: tuple[Any, ...]) -> None:
            if threading.get_ident() != thread or self.first is not None:
                return
            found = self._record(module, args, sys._getframe(1))
            if found is not None:
                self.first = found
                raise _StopScript(found)

        handle = module_module.register_module_forward_pre_hook(hook)
        try:
            yield
        except _StopScript:
            pass
        finally:
            handle.remove()

    def _record(
        self, module: nn.Module, args: tuple[Any, ...], frame: types.FrameType | None
    ) -> FirstForward | None:
        if not _is_model(module):
            return None
        kwargs: dict[str, Any] = {}
        # Up through Module._call_impl's frames (they hold the call's kwargs) to its caller.
        while frame is not None and frame.f_code.co_filename == _MODULE_PY:
            if frame.f_code.co_name in ("_call_impl", "inner") and "kwargs" in frame.f_locals:
                kwargs = dict(frame.f_locals["kwargs"] or {})
            frame = frame.f_back
        if frame is None or not self._is_user_file(frame.f_code.co_filename):
            return None  # called by a library (a torchvision transform in a DataLoader)
        caller = frame
        outer = caller.f_back
        while outer is not None:  # inside another module's forward: not a top-level call
            if outer.f_code.co_filename == _MODULE_PY:
                return None
            outer = outer.f_back
        if self._is_part_of_another(module):  # last: it scans the script's models
            return None
        return FirstForward(
            module,
            tuple(args),
            kwargs,
            caller.f_code.co_filename,
            caller.f_lineno,
            torch.is_grad_enabled(),
        )

    def _is_part_of_another(self, module: nn.Module) -> bool:
        """`model.conv1(x)` in a tutorial probes a part: the model is the one that holds it."""
        for value in list(self._namespace.values()):
            if (
                isinstance(value, nn.Module)
                and value is not module
                and any(sub is module for sub in value.modules())
            ):
                return True
        return False


def _is_model(module: nn.Module) -> bool:
    """A module worth stopping for: it has weights, and is no loss (`criterion(out, y)`).

    Weightless modules (`nn.ReLU()` in a demo, a torchvision `Normalize` transform) are no model.
    """
    if isinstance(module, nn.modules.loss._Loss):
        return False
    return any(True for _ in module.parameters()) or any(True for _ in module.buffers())
