"""The error hierarchy: every failure a user can cause is one of these, with a one-line message."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from graphviewer.core.types import GraphSnapshot


class GraphviewerError(Exception):
    """Base of every error graphviewer reports to a user (CLI: one line, exit status 2)."""

    def __init__(self, message: str, *, path: str | Path | None = None, hint: str = "") -> None:
        self.path = str(path) if path is not None else None
        self.cause = message
        self.hint = hint
        super().__init__(message)

    def __str__(self) -> str:
        text = f"{self.path}: {self.cause}" if self.path else self.cause
        return f"{text} ({self.hint})" if self.hint else text


class ModelLoadError(GraphviewerError):
    """The file is no model we can open: missing, unreadable, wrong kind, raised on import."""


class UntrustedFileError(ModelLoadError):
    """The file is a full pickle, which can run code; it opens only once the user trusts it."""


class NeedsInputError(ModelLoadError):
    """The model opened but no example input could be found; the caller should ask for a shape."""


class CaptureError(GraphviewerError):
    """The forward pass (or the graph walk) failed: usually an exception in the user's code.

    `snapshot`, when set, is what the forward built before it failed (its `failure` says where).
    """

    def __init__(
        self,
        message: str,
        *,
        path: str | Path | None = None,
        hint: str = "",
        snapshot: GraphSnapshot | None = None,
    ) -> None:
        super().__init__(message, path=path, hint=hint)
        self.snapshot = snapshot


class Cancelled(GraphviewerError):
    """The job was cancelled by the user."""

    def __init__(self, message: str = "cancelled") -> None:
        super().__init__(message)


class BackwardError(GraphviewerError):
    """The backward pass could not be recorded: no graph (no_grad), a loss that is no scalar or
    needs no grad, or `loss.backward()` raised (an in-place edit of a saved tensor)."""
