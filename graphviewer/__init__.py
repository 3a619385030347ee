"""graphviewer: see what your PyTorch model really computes.

From Python::

    import graphviewer
    snap = graphviewer.capture(model, x, mode="train")
    print(snap.num_nodes, snap.modules["layer1"].output_shapes)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    import os
    from collections.abc import Callable

    import torch

    from graphviewer.core.backward_record import BackwardRecord
    from graphviewer.core.types import GraphSnapshot, Mode
    from graphviewer.render.export import ExportResult


def capture(
    model: torch.nn.Module, inputs: Any, mode: Mode = "train", *, stats: bool = True
) -> GraphSnapshot:
    """Capture one forward pass of `model` on `inputs` (a tensor, a tuple of args or a dict of
    kwargs) and return its frozen `GraphSnapshot`: the same job the CLI and the window run."""
    from graphviewer.core.capture import capture_model

    return capture_model(model, inputs, mode, stats=stats)


def backward(
    model: torch.nn.Module,
    inputs: Any,
    *,
    loss_fn: Callable[[Any], torch.Tensor] | None = None,
    mode: Mode = "train",
) -> BackwardRecord:
    """Record the real backward of `model` on `inputs`: the loss is `loss_fn(output)`, else the
    output itself when it is one number, else the sum of its floating tensors. Returns the
    `BackwardRecord` (steps in the engine's order, gradient statistics); the model and every
    `.grad` are left as they were."""
    from graphviewer.core.backward import backward_model

    return backward_model(model, inputs, loss_fn=loss_fn, mode=mode)


def show(model: torch.nn.Module, inputs: Any, mode: Mode = "train") -> None:
    """Open the graphviewer window on `model` run on `inputs`; block until it is closed."""
    from graphviewer.ui.app import show_model

    show_model(model, inputs, mode)


def export(
    model: torch.nn.Module,
    inputs: Any,
    path: str | os.PathLike[str],
    *,
    mode: Mode = "train",
    depth: int | None = None,
    theme: str = "light",
    width: int | None = None,
) -> ExportResult:
    """Capture `model` on `inputs` and write its graph to `path` (.png, .svg or .pdf), as the
    window would show it folded below `depth`; theme is "light", "dark" or "transparent"."""
    from graphviewer.core.capture import capture_model
    from graphviewer.render.snapshot_export import export_snapshot

    snapshot = capture_model(model, inputs, mode, stats=False)
    return export_snapshot(snapshot, path, depth=depth, theme=theme, width=width)


__all__ = ["__version__", "backward", "capture", "export", "show"]
