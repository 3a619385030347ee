"""The statistics keys of a module's outputs: one per call and per tensor it returned.

`"module:<path>"` is the first tensor of the first call (what warnings, the report and JSON
have always read); `"module:<path>@<call>#<index>"` is tensor `index` (in `iter_tensors` order:
LSTM's `(out, (h, c))` is 0, 1, 2) of call `call` (1-based). Both name the same statistics for
the first output of the first call.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple, TypeVar

T = TypeVar("T")

MAX_CALLS = 256  # calls of one module whose outputs are measured (an RNN cell in a loop)


class OutputRef(NamedTuple):
    """One measured output of a module: which call, which tensor, and its statistics key."""

    call: int
    output: int  # the tensor's place among the call's outputs (0-based)
    key: str


def module_output_key(path: str, call: int = 1, index: int = 0) -> str:
    """The statistics key of tensor `index` returned by call `call` of module `path`."""
    return f"module:{path}@{call}#{index}"


def module_output_index(key: str) -> tuple[str, int, int] | None:
    """`"module:a.b@2#1"` → `("a.b", 2, 1)`; `"module:a.b"` → `("a.b", 1, 0)`; else None."""
    if not key.startswith("module:"):
        return None
    rest = key[len("module:") :]
    head, at, tail = rest.rpartition("@")
    if not at or "#" not in tail:
        return (rest, 1, 0)
    call, _, index = tail.partition("#")
    if not (call.isdigit() and index.isdigit()):
        return (rest, 1, 0)
    return (head, int(call), int(index))


def module_outputs(stats: Mapping[str, T], path: str) -> list[OutputRef]:
    """Every measured output of module `path`, by call then index (empty when none was)."""
    prefix = f"module:{path}@"
    found = []
    for key in stats:
        if key.startswith(prefix) and (got := module_output_index(key)) and got[0] == path:
            found.append(OutputRef(got[1], got[2], key))
    if not found and f"module:{path}" in stats:
        found.append(OutputRef(1, 0, f"module:{path}"))
    return sorted(found)
