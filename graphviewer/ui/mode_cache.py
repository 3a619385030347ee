"""The captures of the open model, one per mode: switching back to a mode costs nothing.

Keyed by what was opened, mode and folding aside (a live model by its identity: a spec holds
tensors, which cannot be compared by value). Opening another model, or reloading this one,
starts a new cache.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from graphviewer.core.types import Mode
from graphviewer.ui.jobs import OpenedGraph, OpenRequest


def model_key(request: OpenRequest) -> tuple[Any, ...]:
    """What names one opened model whatever its mode and folding."""
    return (
        request.path,
        request.trust,
        request.input_shape,
        request.model,
        request.run_script,
        id(request.spec) if request.spec is not None else None,
        request.device,
    )


class ModeCache:
    """Per mode, the last good `OpenedGraph` of one model."""

    def __init__(self) -> None:
        self._key: tuple[Any, ...] | None = None
        self._by_mode: dict[Mode, OpenedGraph] = {}

    def put(self, opened: OpenedGraph) -> None:
        """Keep `opened` for its mode; a capture of another model empties the cache first.
        A failed forward's partial graph is not kept: switching back runs it again."""
        key = model_key(opened.request)
        if key != self._key:
            self._key, self._by_mode = key, {}
        if opened.error is None:
            mode = opened.snapshot.mode
            self._by_mode[mode] = replace(opened, request=opened.request.with_mode(mode))

    def get(self, request: OpenRequest, mode: Mode) -> OpenedGraph | None:
        if model_key(request) != self._key:
            return None
        return self._by_mode.get(mode)

    def modes(self) -> tuple[Mode, ...]:
        return tuple(self._by_mode)

    def clear(self) -> None:
        self._key, self._by_mode = None, {}
