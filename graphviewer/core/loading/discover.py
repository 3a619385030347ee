"""Finding the model, its input, or an autograd output in a tutorial-style script's namespace.

A tutorial script builds its model at module level, makes an input and calls it. We look for
the `nn.Module` instances it left behind, then try its tensors as input by calling the model
(eval mode, `no_grad`, state restored) until one is accepted. A file that only defines its
model class gets it built when the constructor needs no arguments; `--model` may name a
variable, a class, or a call such as `Net(upscale_factor=3)`.
"""

from __future__ import annotations

import contextlib
import inspect
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import torch
from torch import nn

from graphviewer.core.errors import Cancelled, ModelLoadError, NeedsInputError
from graphviewer.core.interrupt import user_code
from graphviewer.core.jobs import CancelToken

MAX_TRIALS = 24
Inputs = tuple[tuple[Any, ...], dict[str, Any]]


def find_models(namespace: Mapping[str, Any]) -> list[tuple[str, nn.Module]]:
    """The top-level `nn.Module` instances of a namespace: not submodules of another, no losses.

    Each instance appears once, under the first name bound to it. Loss modules
    (`nn.CrossEntropyLoss()` as `criterion`) are not candidates.
    """
    found: dict[int, tuple[str, nn.Module]] = {}
    for name, value in namespace.items():
        if name.startswith("__") or not isinstance(value, nn.Module):
            continue
        if isinstance(value, nn.modules.loss._Loss) or id(value) in found:
            continue
        found[id(value)] = (name, value)
    inner = {id(sub) for _, m in found.values() for sub in m.modules() if sub is not m}
    return [(name, m) for key, (name, m) in found.items() if key not in inner]


# Runs user code (a constructor, a `--model` expression) turning its failures into load errors:
# `call(what, fn)`.
CallUser = Callable[[str, Callable[[], Any]], Any]


def pick_model(
    namespace: Mapping[str, Any], model_name: str | None, call: CallUser | None = None
) -> tuple[str, nn.Module] | None:
    """The model the user means: the one `model_name` names, or the only candidate, or None."""
    call = call or (lambda _what, fn: fn())
    if model_name is not None:
        return model_name, resolve_model(namespace, model_name, call)
    candidates = find_models(namespace)
    if len(candidates) > 1:  # prefer the ones with weights: an `act = nn.ReLU()` is no model
        with_params = [c for c in candidates if any(True for _ in c[1].parameters())]
        candidates = with_params if with_params else candidates
    if len(candidates) > 1:
        names = ", ".join(n for n, _ in candidates)
        raise ModelLoadError(f"the script defines several models: {names}", hint="use --model NAME")
    return candidates[0] if candidates else None


def resolve_model(namespace: Mapping[str, Any], text: str, call: CallUser) -> nn.Module:
    """`--model TEXT`: a variable, a class (built when it needs no arguments), or a call."""
    text = text.strip()
    if text.isidentifier():
        if text not in namespace:
            raise ModelLoadError(f"no variable named '{text}' in the file", hint=_known(namespace))
        value = namespace[text]
    else:
        code = call(f"--model {text!r}", lambda: compile(text, "<--model>", "eval"))
        value = call(f"--model {text!r}", lambda: eval(code, dict(namespace)))
    if isinstance(value, type) and issubclass(value, nn.Module):
        return build_class(value, call)
    if not isinstance(value, nn.Module):
        what = type(value).__name__
        raise ModelLoadError(
            f"--model {text!r} is a {what}, not an nn.Module", hint=_known(namespace)
        )
    return value


def model_classes(namespace: Mapping[str, Any]) -> list[type[nn.Module]]:
    """The `nn.Module` subclasses the file itself defines (not the ones it imports)."""
    own = namespace.get("__name__")
    return [
        value
        for name, value in namespace.items()
        if isinstance(value, type)
        and issubclass(value, nn.Module)
        and value.__module__ == own
        and not name.startswith("_")
    ]


def outermost_classes(classes: list[type[nn.Module]]) -> list[type[nn.Module]]:
    """The classes no other one of `classes` builds: `GPT`, not the `Block` inside it.

    "Builds" is read from the names the other classes' methods use, so nothing is run.
    """
    used: set[str] = set()
    for cls in classes:
        for value in vars(cls).values():
            code = getattr(getattr(value, "__func__", value), "__code__", None)
            if code is not None:
                used |= {n for n in _names_in(code) if n != cls.__name__}
    return [c for c in classes if c.__name__ not in used]


def _names_in(code: Any) -> set[str]:
    names = set(code.co_names)
    for const in code.co_consts:
        if hasattr(const, "co_names"):  # a nested function or comprehension
            names |= _names_in(const)
    return names


def build_class(cls: type[nn.Module], call: CallUser) -> nn.Module:
    """`cls()`, or a `ModelLoadError` naming the arguments its constructor needs."""
    needed = required_arguments(cls)
    if needed:
        form = ", ".join(f"{a}=..." for a in needed)
        raise ModelLoadError(
            f"class {cls.__name__} needs arguments to be built: {', '.join(needed)}",
            hint=f"pass them as --model '{cls.__name__}({form})'",
        )
    return call(f"{cls.__name__}()", cls)  # type: ignore[no-any-return]


def required_arguments(cls: type) -> list[str]:
    """The constructor's parameters that have no default (`upscale_factor`)."""
    try:
        signature = inspect.signature(cls)
    except (TypeError, ValueError):  # a builtin signature: nothing to tell
        return []
    kinds = (
        inspect.Parameter.POSITIONAL_ONLY,
        inspect.Parameter.POSITIONAL_OR_KEYWORD,
        inspect.Parameter.KEYWORD_ONLY,
    )
    return [
        p.name for p in signature.parameters.values() if p.kind in kinds and p.default is p.empty
    ]


def _known(namespace: Mapping[str, Any]) -> str:
    """What `--model` could name in this file: its module variables and classes."""
    variables = [n for n, _ in find_models(namespace)]
    classes = [c.__name__ for c in model_classes(namespace)]
    parts = [f"nn.Module variables: {', '.join(variables) or 'none'}"]
    if classes:
        parts.append(f"classes: {', '.join(classes)}")
    return "; ".join(parts)


def find_output(namespace: Mapping[str, Any], output_name: str | None) -> tuple[str, Any] | None:
    """The tensor whose graph to show: the one named `output_name`, else the last with a grad_fn."""
    if output_name is not None:
        value = namespace.get(output_name)
        if not isinstance(value, torch.Tensor):
            raise ModelLoadError(f"no tensor named '{output_name}' in the script")
        if value.grad_fn is None:
            raise ModelLoadError(
                f"'{output_name}' has no grad_fn: it does not require grad or was computed "
                "under no_grad"
            )
        return output_name, value
    last = None
    for name, value in namespace.items():
        if isinstance(value, torch.Tensor) and value.grad_fn is not None:
            last = (name, value)
    return last


def find_input(
    model: nn.Module,
    namespace: Mapping[str, Any],
    input_name: str | None,
    cancel: CancelToken,
) -> tuple[Inputs | None, str]:
    """Inputs from the namespace that `model` accepts, and the first failure seen otherwise."""
    if input_name is not None:
        if input_name not in namespace:
            raise ModelLoadError(f"no variable named '{input_name}' in the script")
        inputs = as_inputs(namespace[input_name])
        problem = try_call(model, inputs)
        if problem:
            raise ModelLoadError(f"the model does not accept '{input_name}': {problem}")
        return inputs, ""
    first_problem = ""
    for name, inputs in list(_candidates(model, namespace))[:MAX_TRIALS]:
        cancel.raise_if_cancelled()
        problem = try_call(model, inputs)
        if not problem:
            return inputs, ""
        first_problem = first_problem or f"tried '{name}': {problem}"
    return None, first_problem


def as_inputs(value: Any) -> Inputs:
    """Positional and keyword arguments for a value: a tensor, a tuple of args, a dict of kwargs."""
    if isinstance(value, tuple):
        return value, {}
    if isinstance(value, Mapping) and all(isinstance(k, str) for k in value):
        return (), dict(value)
    return (value,), {}


def _candidates(model: nn.Module, namespace: Mapping[str, Any]) -> Iterator[tuple[str, Inputs]]:
    own = {id(t) for t in model.parameters()} | {id(t) for t in model.buffers()}
    tensors: list[tuple[str, Any]] = []
    later: list[tuple[str, Any]] = []  # raw values, made into Inputs as they are yielded
    seen: set[int] = set()
    for name, value in namespace.items():
        if name.startswith("__") or id(value) in seen:
            continue
        seen.add(id(value))
        if isinstance(value, torch.Tensor):
            if isinstance(value, nn.Parameter) or id(value) in own:
                continue
            # Leaves first: `out = model(x)` has a grad_fn and is rarely the input.
            (tensors if value.grad_fn is None else later).append((name, value))
        elif _is_tensor_pack(value):
            tensors.append((name, value))
    for name, value in tensors + later:
        yield name, as_inputs(value)


def _is_tensor_pack(value: Any) -> bool:
    if isinstance(value, tuple) and 0 < len(value) <= 8:
        return all(isinstance(v, torch.Tensor) for v in value)
    if isinstance(value, Mapping) and 0 < len(value) <= 16:
        return all(isinstance(k, str) and isinstance(v, torch.Tensor) for k, v in value.items())
    return False


def try_call(model: nn.Module, inputs: Inputs) -> str:
    """Call `model` on copies of `inputs` leaving it unchanged; "" if it worked, else the error."""
    args, kwargs = torch.utils._pytree.tree_map(_copy, inputs)
    try:
        with model_preserved(model), torch.no_grad(), user_code():
            model(*args, **kwargs)
    except (KeyboardInterrupt, ModelLoadError, Cancelled):
        raise
    except Exception as exc:
        lines = str(exc).strip().splitlines()
        return f"{type(exc).__name__}: {lines[0] if lines else ''}".strip()
    return ""


def _copy(value: Any) -> Any:
    return value.detach().clone() if isinstance(value, torch.Tensor) else value


@contextlib.contextmanager
def model_preserved(model: nn.Module) -> Iterator[None]:
    """Put the model in eval mode for the block; restore its training flags and buffers after."""
    flags = [(m, m.training) for m in model.modules()]
    buffers = [
        (m, name, b, b.detach().clone())
        for m in model.modules()
        for name, b in m._buffers.items()
        if b is not None
    ]
    model.eval()
    try:
        yield
    finally:
        for m, flag in flags:
            m.training = flag
        with torch.no_grad():
            for m, name, b, saved in buffers:
                m._buffers[name] = b
                b.copy_(saved)


def make_input(shape: tuple[int, ...], dtype_name: str) -> torch.Tensor:
    """A deterministic tensor of `shape`: random normal for float dtypes, zeros otherwise."""
    dtype = getattr(torch, dtype_name.strip().removeprefix("torch."), None)
    if not isinstance(dtype, torch.dtype):
        raise ModelLoadError(f"unknown --input-dtype {dtype_name!r} (e.g. float32, int64)")
    if dtype.is_floating_point or dtype.is_complex:
        return torch.randn(shape, generator=torch.Generator().manual_seed(0), dtype=dtype)
    return torch.zeros(shape, dtype=dtype)


def suggest_shape(model: nn.Module) -> str:
    """A guess at `--input-shape` from the model's first layer ("16,20"), else a placeholder.

    Works on TorchScript modules too: they keep the class name as `original_name`.
    """
    for m in model.modules():
        kind = getattr(m, "original_name", None) or type(m).__name__
        if kind == "Linear" and hasattr(m, "in_features"):
            return f"16,{m.in_features}"
        if kind in _CONV_SPATIAL and hasattr(m, "in_channels"):
            return f"1,{m.in_channels},{_CONV_SPATIAL[kind]}"
        if kind == "Embedding":
            return "1,16 --input-dtype int64"
        if kind in ("LSTM", "GRU", "RNN") and hasattr(m, "input_size"):
            return f"1,16,{m.input_size}" if m.batch_first else f"16,1,{m.input_size}"
    return "N,..."


_CONV_SPATIAL = {"Conv1d": "64", "Conv2d": "32,32", "Conv3d": "16,16,16"}


def needs_input(name: str, model: nn.Module, problem: str = "") -> NeedsInputError:
    """The error for a model with no input: what was tried, and a shape to pass."""
    cause = f"found model '{name}' but no input it accepts"
    if problem:
        cause += f" ({problem})"
    return NeedsInputError(cause, hint=f"pass --input-shape {suggest_shape(model)}")
