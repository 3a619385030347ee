"""Opening a user's model file into a `ModelSpec`: the one entry point for the CLI and the window.

The loader is chosen by content (`sniff_kind`), not only by suffix: a `.py` script (with
`build_model()` / `example_input()` / `loss_fn()`, or tutorial-style), a full pickle (only once
trusted), a TorchScript archive, or a `torch.export` program. Every failure is a
`ModelLoadError` (or `UntrustedFileError`, `NeedsInputError`) whose message names the file and
the cause in one line.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from graphviewer.core import fake
from graphviewer.core.errors import ModelLoadError, NeedsInputError, UntrustedFileError
from graphviewer.core.jobs import CancelToken, Progress
from graphviewer.core.loading import archives, discover
from graphviewer.core.loading.first_forward import FirstForward
from graphviewer.core.loading.sniff import KIND_NAMES, image_format, sniff_kind
from graphviewer.core.loading.userscript import (
    UserScope,
    call_user,
    compile_user_file,
    run_user_file,
    run_user_script,
    user_scope,
)
from graphviewer.core.types import ModelSpec

log = logging.getLogger(__name__)

__all__ = ["load_model_file", "sniff_kind"]

_EXPECTED = "expected a .py script, a torch.save file, TorchScript or a .pt2 program"
_NOT_A_MODEL = {
    "missing": "no such file",
    "directory": "is a directory, not a model file",
    "special": "is not a regular file (a named pipe, socket or device); save the model to a file",
    "unreadable": "cannot read the file (permission denied?)",
    "truncated": "is truncated: it stops inside the first bytes of a zip, pickle or image",
    "empty": "the file is empty",
    "notebook": "is a Jupyter notebook; export it as a .py script (File > Save and Export As)",
    "text": f"is a text file, not a model ({_EXPECTED})",
    "zip": f"is a zip archive torch did not write ({_EXPECTED})",
    "corrupt-zip": "is a truncated or damaged zip archive",
    "pickle": "is a plain Python pickle (pickle.dump), not a torch.save file",
    "unknown": f"unrecognised file content ({_EXPECTED})",
}
HINT_PREFIX = "GRAPHVIEWER_"


def load_model_file(
    path: str | Path,
    *,
    trust: bool = False,
    model_name: str | None = None,
    input_name: str | None = None,
    output_name: str | None = None,
    input_shape: tuple[int, ...] | None = None,
    input_dtype: str = "float32",
    cancel: CancelToken | None = None,
    stdout: TextIO | None = None,
    run_script: bool = False,
    report: Callable[[Progress], None] | None = None,
    device: str | None = None,
) -> ModelSpec:
    """Open the model file at `path` and return a `ModelSpec` ready to capture.

    `trust` allows full pickles (they run code). `model_name` (a variable, a class or a call
    such as ``Net(3)``), `input_name` and `output_name` pick the parts of a tutorial-style
    script; `input_shape`/`input_dtype` make an input when the file has none. A script is
    stopped at its first forward (its model and inputs are those of that call) unless
    `run_script`. What the user's code prints goes to `stdout` (default: `sys.stderr`) and
    into `ModelSpec.log`; `report` hears what is happening. `device="meta"` builds the model
    without weights (`core/fake.py`); None follows the file's `GRAPHVIEWER_DEVICE` hint, else
    builds on the CPU.
    """
    path = Path(path).expanduser()
    cancel = cancel or CancelToken()
    request = _Request(
        trust, model_name, input_name, output_name, input_shape, input_dtype, run_script, device
    )
    try:
        kind = sniff_kind(path)
        log.info("loading %s as %s%s", path, kind, " (trusted)" if trust else "")
        cancel.raise_if_cancelled()
        if kind == "python":
            return _load_python(path, request, cancel, stdout, report or (lambda _p: None))
        if kind in KIND_NAMES:
            return _load_archive(path, kind, request, cancel, stdout)
        if kind == "image":
            raise ModelLoadError(f"is a {image_format(path)} image, not a model")
        if kind == "unknown" and path.suffix.lower() == ".py":
            raise ModelLoadError("not a Python file: its content is binary, not text")
        raise ModelLoadError(_NOT_A_MODEL[kind])
    except ModelLoadError as exc:
        if exc.path is None:
            exc.path = str(path)
        raise


@dataclass(frozen=True)
class _Request:
    """The caller's choices, passed down as one value."""

    trust: bool
    model_name: str | None
    input_name: str | None
    output_name: str | None
    input_shape: tuple[int, ...] | None
    input_dtype: str
    run_script: bool = False
    device: str | None = None


def _load_python(
    path: Path,
    request: _Request,
    cancel: CancelToken,
    stdout: TextIO | None,
    report: Callable[[Progress], None],
) -> ModelSpec:
    code = compile_user_file(path)
    # A convention file is run whole (its functions may follow a smoke test), and so is a
    # script whose named output tensor is computed after its first forward. A script builds its
    # model at module level: with --device meta all of it runs without weights; a
    # build_model() file's module level (imports, classes) runs as it is.
    convention = "build_model" in code.co_names
    stop = not request.run_script and request.output_name is None and not convention
    report(Progress(f"running {path.name}" if stop else f"running {path.name} to its end"))
    try:
        with user_scope(path, stdout) as scope:
            with fake.building(None if convention else request.device):
                namespace, first = run_user_script(path, code, scope, stop_at_first_forward=stop)
            cancel.raise_if_cancelled()
            device = request.device or namespace.get(fake.DEVICE_HINT)
            if callable(namespace.get("build_model")):
                with fake.building(device):
                    fields = _from_convention(namespace, request, scope, cancel)
            else:
                report(Progress("finding the model"))
                fields = _from_script(namespace, request, scope, first, cancel)
    except ModelLoadError as exc:
        if not exc.hint and request.device != "meta" and fake.out_of_memory(exc.__cause__):
            exc.hint = fake.META_SUGGESTION
            exc.cause = fake.tidy_allocator_message(exc.cause)
        raise
    hints = {k: v for k, v in namespace.items() if k.startswith(HINT_PREFIX)}
    notice = fields.pop("notice", "") or (first.notice(path) if first is not None else "")
    return ModelSpec(
        path=path,
        name=path.stem,
        log=scope.log.getvalue(),
        source_files=scope.source_files,
        hints=hints,
        notice=notice,
        **fields,
    )


def _from_convention(
    namespace: Mapping[str, Any], request: _Request, scope: UserScope, cancel: CancelToken
) -> dict[str, Any]:
    """`build_model()`, `example_input()` and the optional `loss_fn(output)`."""
    from torch import nn

    model = call_user(scope, "build_model()", namespace["build_model"])
    if not isinstance(model, nn.Module):
        raise ModelLoadError(f"build_model() returned a {type(model).__name__}, not an nn.Module")
    cancel.raise_if_cancelled()
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    if request.input_shape is not None:  # the user's choice comes before the file's
        args, kwargs = (discover.make_input(request.input_shape, request.input_dtype),), {}
    elif callable(namespace.get("example_input")):
        args, kwargs = discover.as_inputs(
            call_user(scope, "example_input()", namespace["example_input"])
        )
    else:
        raise NeedsInputError(
            "build_model() is defined but example_input() is not",
            hint=f"define example_input() or pass --input-shape {discover.suggest_shape(model)}",
        )
    loss_fn = namespace.get("loss_fn")
    if not callable(loss_fn) or isinstance(loss_fn, nn.Module):
        loss_fn = None  # an `nn.MSELoss()` wants a target: not the loss_fn(output) convention
    return {"model": model, "args": args, "kwargs": kwargs, "loss_fn": loss_fn, "kind": "python"}


def _from_script(
    namespace: Mapping[str, Any],
    request: _Request,
    scope: UserScope,
    first: FirstForward | None,
    cancel: CancelToken,
) -> dict[str, Any]:
    """A tutorial-style script: its model and an input it accepts, or an autograd output.

    The model is the one `--model` names, else the one the script's first forward called, else
    the only one it holds, else the only class the file defines (built when it needs no
    arguments).
    """
    if request.output_name is not None and request.model_name is None:
        _, output = discover.find_output(namespace, request.output_name)  # type: ignore[misc]
        return {"output": output, "kind": "autograd", "tensor_names": _leaf_names(namespace)}

    def call(what: str, fn: Callable[[], Any]) -> Any:
        return call_user(scope, what, fn)

    if first is not None and request.model_name is None:
        picked: tuple[str, Any] | None = (type(first.model).__name__, first.model)
    else:
        picked = discover.pick_model(namespace, request.model_name, call)
    if picked is None:
        found = discover.find_output(namespace, None)
        if found is not None:
            return {"output": found[1], "kind": "autograd", "tensor_names": _leaf_names(namespace)}
        classes = discover.model_classes(namespace)
        if len(classes) > 1:  # the parts of a model (`Block`) are no candidates
            classes = discover.outermost_classes(classes) or classes
        if len(classes) != 1:
            raise ModelLoadError(
                "defines no nn.Module and no tensor with a grad_fn; define build_model() and "
                "example_input() (see README)",
                hint=_uninstantiated_hint(classes),
            )
        picked = (classes[0].__name__, discover.build_class(classes[0], call))
    name, model = picked
    if first is not None and model is first.model and request.input_name is None:
        return {"model": model, "args": first.args, "kwargs": first.kwargs, "kind": "script"}
    inputs, problem = discover.find_input(model, namespace, request.input_name, cancel, call)
    notice = ""
    if inputs is None and request.input_shape is not None:
        inputs = (discover.make_input(request.input_shape, request.input_dtype),), {}
    elif inputs is None and request.input_name is None:
        inputs, said = discover.guessed_input(model, cancel)
        notice, problem = (said, problem) if inputs is not None else ("", problem or said)
    if inputs is None:
        raise discover.needs_input(name, model, problem)
    fields = {"model": model, "args": inputs[0], "kwargs": inputs[1], "kind": "script"}
    return fields | ({"notice": notice} if notice else {})


def _leaf_names(namespace: Mapping[str, Any]) -> dict[int, str]:
    """id → variable name of the script's leaf tensors that require grad (`x`, `w`, `b`)."""
    import torch

    names: dict[int, str] = {}
    for name, value in namespace.items():
        if isinstance(value, torch.Tensor) and value.is_leaf and value.requires_grad:
            names.setdefault(id(value), name)
    return names


def _uninstantiated_hint(classes: list[Any]) -> str:
    """ "class A, B is defined but never instantiated", for scripts that build under __main__."""
    if not classes:
        return ""
    names = ", ".join(c.__name__ for c in classes)
    return (
        f"class {names} is defined but never instantiated at module level; pass --model "
        f"'{classes[0].__name__}(...)'"
    )


def _load_archive(
    path: Path, kind: str, request: _Request, cancel: CancelToken, stdout: TextIO | None
) -> ModelSpec:
    """A pickle, TorchScript archive or export program, with inputs from it or beside it."""
    if request.device == "meta":
        raise ModelLoadError(
            f"--device meta opens .py model files only; this {KIND_NAMES[kind]} holds its weights"
        )
    with user_scope(path, stdout) as scope:
        kwargs: dict[str, Any] | None = None
        if kind == "export":
            model, args, kwargs = archives.load_exported(path, request.trust)
        elif kind == "torchscript":
            model = archives.load_torchscript(path)
        else:
            model = archives.load_full_pickle(path, request.trust, scope)
        cancel.raise_if_cancelled()
        if kwargs is None:
            args, kwargs = _archive_inputs(path, kind, model, request, scope)
    spec_kind = "pickle" if kind.endswith("pickle") else kind
    return ModelSpec(
        path=path,
        name=path.stem,
        model=model,
        args=args,
        kwargs=kwargs,
        kind=spec_kind,
        log=scope.log.getvalue(),
        source_files=tuple(f for f in scope.source_files if f.suffix == ".py"),
    )


def _archive_inputs(
    path: Path, kind: str, model: Any, request: _Request, scope: UserScope
) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """`--input-shape`, else `example_input()` of the `.py` with the same stem beside the file."""
    if request.input_shape is not None:
        return (discover.make_input(request.input_shape, request.input_dtype),), {}
    sibling = path.with_suffix(".py")
    if sibling.is_file():
        if not request.trust:
            raise UntrustedFileError(
                f"its example input comes from {sibling.name} beside it, which runs as Python code",
                hint=f"pass --trust to run {sibling.name}, or --input-shape "
                f"{discover.suggest_shape(model)} to use a random input instead",
            )
        # The user trusts the archive and the script beside it: run it for example_input().
        namespace = run_user_file(sibling, compile_user_file(sibling), scope)
        scope.module_files.append(sibling.resolve())
        if callable(namespace.get("example_input")):
            return discover.as_inputs(
                call_user(scope, f"{sibling.name}: example_input()", namespace["example_input"])
            )
    raise NeedsInputError(
        f"this {KIND_NAMES[kind]} holds no example input",
        hint=f"pass --input-shape {discover.suggest_shape(model)} or put a {sibling.name} "
        "defining example_input() beside it",
    )
