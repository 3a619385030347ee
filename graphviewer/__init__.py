"""graphviewer: see what your PyTorch model really computes.

From Python::

    import graphviewer
    snap = graphviewer.capture(model, x, mode="train")
    print(snap.num_nodes, snap.modules["layer1"].output_shapes)
    graphviewer.graph(model, x)            # a picture: inline in Jupyter, .export(path)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    import os
    from collections.abc import Callable

    import torch

    from graphviewer.core.backward_record import BackwardRecord
    from graphviewer.core.layout.direction import Direction
    from graphviewer.core.layout.fit import Fit
    from graphviewer.core.types import GraphSnapshot, Mode
    from graphviewer.render.export import ExportResult
    from graphviewer.render.notebook import GraphPicture


def capture(
    model: torch.nn.Module, inputs: Any, mode: Mode = "train", *, stats: bool = True
) -> GraphSnapshot:
    """Capture one forward pass of `model` on `inputs` (a tensor, a tuple of args or a dict of
    kwargs) and return its frozen `GraphSnapshot`: the same job the CLI and the window run.
    In Jupyter the snapshot shows inline as its picture."""
    from graphviewer.core.capture import capture_model

    _register_notebook()
    return capture_model(model, inputs, mode, stats=stats)


def graph(
    model: torch.nn.Module,
    inputs: Any,
    mode: Mode = "train",
    *,
    depth: int | None = None,
    expand_all: bool = False,
    direction: Direction | None = None,
    fit: Fit = "slide",
    theme: str = "light",
) -> GraphPicture:
    """Capture `model` on `inputs` and return its picture, as `graphviewer export` draws it:
    inline in Jupyter (SVG, pan and zoom), `.export(path)` to write it, `.show()` for the
    window, `.snapshot` for the data."""
    from graphviewer.core.capture import capture_model
    from graphviewer.render.notebook import GraphPicture

    _library_app()
    snapshot = capture_model(model, inputs, mode, stats=False)
    return GraphPicture(
        snapshot, depth, expand_all, direction, fit, theme, _show=lambda: show(model, inputs, mode)
    )


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
    """Open the graphviewer window on `model` run on `inputs`; block until it is closed (or,
    inside a running Qt event loop, return at once). With no display it raises
    `NoDisplayError` instead of letting Qt abort the process."""
    from graphviewer.ui.app import show_model

    show_model(model, inputs, mode)


def _library_app() -> None:
    """One QApplication for export and window alike (offscreen only with no display)."""
    from graphviewer.ui.library_app import library_app

    _register_notebook()
    library_app()


def _register_notebook() -> None:
    import sys

    if "IPython" not in sys.modules:
        return  # not in a notebook or IPython: nothing to register, nothing imported
    from graphviewer.render.notebook import register_ipython
    from graphviewer.ui.library_app import library_app

    register_ipython(library_app)


def export(
    model: torch.nn.Module,
    inputs: Any,
    path: str | os.PathLike[str],
    *,
    mode: Mode = "train",
    depth: int | None = None,
    theme: str = "light",
    width: int | None = None,
    direction: Direction | None = None,
    fit: Fit = "slide",
) -> ExportResult:
    """Capture `model` on `inputs` and write its graph to `path` (.png, .svg or .pdf), as the
    window would show it folded below `depth`; theme is "light", "dark" or "transparent";
    `direction` "TB" or "LR" and `fit` "slide", "page" or "none" shape it."""
    from graphviewer.core.capture import capture_model
    from graphviewer.render.snapshot_export import export_snapshot

    _library_app()
    snapshot = capture_model(model, inputs, mode, stats=False)
    result = export_snapshot(
        snapshot, path, depth=depth, theme=theme, width=width, direction=direction, fit=fit
    )
    if result.advice:
        import warnings

        warnings.warn(result.advice, stacklevel=2)
    return result


__all__ = ["__version__", "backward", "capture", "export", "graph", "show"]
