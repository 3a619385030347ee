"""Models built with no weights in memory (`--device meta`): torch's `FakeTensorMode`.

Under a fake mode every tensor carries its shape, dtype and device but no values, so a
7B-parameter model is built and run in a few hundred MB: the module tree, the shapes and the full
autograd graph are real; activation statistics are not (there is nothing to read). A plain
`meta` device is not enough: model code that reads a value (`.item()` in a transformers mask)
fails there, while a fake mode lets it through (transformers checks for fake tensors).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager, nullcontext
from typing import Any

import torch

from graphviewer.core.errors import ModelLoadError
from graphviewer.core.types import Warning_

DEVICES = ("cpu", "meta")
DEVICE_HINT = "GRAPHVIEWER_DEVICE"  # a model file's own `GRAPHVIEWER_DEVICE = "meta"`
VALUES_UNAVAILABLE = "values not available (built without weights: --device meta)"
META_SUGGESTION = (
    "it does not fit in memory: open it with --device meta to see its modules, shapes and "
    "graph without building its weights"
)
_FAKE_MODULE = "torch._subclasses.fake_tensor"


def fake_mode() -> Any:
    """A new mode for building and running one model without weights.

    Real tensors made outside it (module-level constants of the user's file) may mix in.
    """
    from torch._subclasses.fake_tensor import FakeTensorMode

    return FakeTensorMode(allow_non_fake_inputs=True)


def building(device: object) -> AbstractContextManager[Any]:
    """The context a model is built in for `device`: a fresh fake mode for "meta"."""
    if device is not None and device not in DEVICES:
        raise ModelLoadError(f"{DEVICE_HINT} = {device!r}: expected one of {', '.join(DEVICES)}")
    return fake_mode() if device == "meta" else nullcontext()


def is_fake(t: torch.Tensor) -> bool:
    """True for a tensor without values (fake or meta). Cheap: no fake tensor can exist before
    torch's fake tensor module is imported."""
    if t.device.type == "meta":
        return True
    module = sys.modules.get(_FAKE_MODULE)
    return module is not None and isinstance(t, module.FakeTensor)


def fake_mode_of(model: torch.nn.Module, tensors: Iterable[torch.Tensor]) -> Any | None:
    """The fake mode a model's weights or inputs belong to, or None for a real model.

    The forward must run inside that same mode: fake tensors of two modes do not mix.
    """
    module = sys.modules.get(_FAKE_MODULE)
    if module is None:
        return None
    for t in _weights_then(model, tensors):
        if isinstance(t, module.FakeTensor):
            return t.fake_mode
    return None


def _weights_then(model: torch.nn.Module, tensors: Iterable[torch.Tensor]) -> Iterator[Any]:
    yield from model.parameters()
    yield from model.buffers()
    yield from tensors


def values_warning(fake: Any | None) -> tuple[Warning_, ...]:
    """The snapshot's plain word that a fake model has no statistics (report, JSON, window)."""
    return (Warning_("values", "(root)", VALUES_UNAVAILABLE),) if fake is not None else ()


def tidy_allocator_message(text: str) -> str:
    """torch's allocator failure without its C++ noise: "DefaultCPUAllocator: can't allocate
    memory: you tried to allocate 4398046511104 bytes" → "... 4,398,046,511,104 bytes"."""
    text = re.sub(r"\[enforce fail at [^\]]*\] err == 0\. ", "", text)
    text = re.sub(r"\. Error code 12 \(Cannot allocate memory\)", "", text)
    return re.sub(r"allocate (\d+) bytes", lambda m: f"allocate {int(m[1]):,} bytes", text)


def out_of_memory(exc: BaseException | None) -> bool:
    """True when building a model failed for want of memory (torch's allocator or Python's)."""
    while exc is not None:
        if isinstance(exc, MemoryError):
            return True
        if isinstance(exc, RuntimeError):
            text = str(exc)
            if "can't allocate memory" in text or "not enough memory" in text:
                return True
        exc = exc.__cause__ or exc.__context__
    return False
