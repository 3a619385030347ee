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
    call: CallUser | None = None,
) -> tuple[Inputs | None, str]:
    """Inputs from the namespace that `model` accepts, and the first failure seen otherwise."""
    if input_name is not None:
        inputs = as_inputs(input_value(model, namespace, input_name, call))
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


def input_value(
    model: nn.Module, namespace: Mapping[str, Any], text: str, call: CallUser | None = None
) -> Any:
    """`--input TEXT`: a variable of the script, or an expression evaluated among its names with
    `model` bound to the model (`(torch.zeros(16, 1, dtype=torch.long), model.init_hidden(1))`)."""
    text = text.strip()
    if text.isidentifier():
        if text not in namespace:
            raise ModelLoadError(
                f"no variable named '{text}' in the script", hint=_known(namespace)
            )
        return namespace[text]
    call = call or (lambda _what, fn: fn())
    names = {"torch": torch, **namespace, "model": model}
    code = call(f"--input {text!r}", lambda: compile(text, "<--input>", "eval"))
    return call(f"--input {text!r}", lambda: eval(code, names))


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


GUESSED_INPUT = "the file holds no input"  # begins the notice of a guessed input


def guess_input(model: nn.Module) -> tuple[tuple[int, ...], str, str] | None:
    """A guess at the model's input from its first layer: (shape, dtype, the layer it came
    from), e.g. ((1, 3, 32, 32), "float32", "conv1 (Conv2d, 3 input channels)"); None when
    the first layer says nothing about its input.

    Works on TorchScript modules too: they keep the class name as `original_name`.
    """
    for path, m in model.named_modules():
        kind = getattr(m, "original_name", None) or type(m).__name__
        name = f"{path} ({kind}" if path else f"the model ({kind}"
        if kind == "Linear" and hasattr(m, "in_features"):
            where = f"{name}, {_count(m.in_features, 'input feature')})"
            return (16, m.in_features), "float32", where
        if kind in _CONV_SPATIAL and hasattr(m, "in_channels"):
            spatial = _CONV_SPATIAL[kind]
            where = f"{name}, {_count(m.in_channels, 'input channel')})"
            return (1, m.in_channels, *spatial), "float32", where
        if kind == "Embedding":
            return (1, 16), "int64", f"{name}: token ids)"
        if kind in ("LSTM", "GRU", "RNN") and hasattr(m, "input_size"):
            shape = (1, 16, m.input_size) if m.batch_first else (16, 1, m.input_size)
            return shape, "float32", f"{name}, input size {m.input_size})"
    return None


def suggest_shape(model: nn.Module) -> str:
    """`--input-shape` to suggest: the guess from the model's first layer ("16,20"), else a
    placeholder."""
    guess = guess_input(model)
    if guess is None:
        return "N,..."
    shape, dtype, _ = guess
    text = ",".join(str(d) for d in shape)
    return text if dtype == "float32" else f"{text} --input-dtype {dtype}"


def guessed_input(model: nn.Module, cancel: CancelToken) -> tuple[Inputs | None, str]:
    """A random input shaped from the model's first layer, if the model accepts it: (inputs,
    what to tell the user); else (None, the error the model gave, or "")."""
    guess = guess_input(model)
    if guess is None:
        return None, ""
    first, dtype, source = guess
    shapes = _image_sizes(first) if "Conv2d" in source else [first]
    problem = ""
    for shape in shapes:
        cancel.raise_if_cancelled()
        inputs: Inputs = (make_input(shape, dtype),), {}
        failed = try_call(model, inputs)
        if not failed:
            break
        problem = problem or failed  # the first size's error says most
    else:
        tried = ", ".join(f"({_shown(s)})" for s in shapes)
        what = "a random input of shape" if len(shapes) == 1 else "random inputs of shapes"
        return None, f"tried {what} {tried} from {source}: {problem}"
    shown = _shown(shape)
    kind = "a random" if dtype == "float32" else f"an all-zero {dtype}"
    return inputs, (
        f"{GUESSED_INPUT}: used {kind} tensor of shape ({shown}), guessed from "
        f"{source}; pass --input-shape to choose another"
    )


def _image_sizes(shape: tuple[int, ...]) -> list[tuple[int, ...]]:
    """`shape` (batch, channels, h, w) at the image sizes models are commonly built for, the
    guessed one first: a classifier's first Linear after the convolutions fixes one."""
    sides = dict.fromkeys((shape[2], *IMAGE_SIDES))
    return [(shape[0], shape[1], side, side) for side in sides]


def _shown(shape: tuple[int, ...]) -> str:
    return ", ".join(str(d) for d in shape)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


_CONV_SPATIAL = {"Conv1d": (64,), "Conv2d": (32, 32), "Conv3d": (16, 16, 16)}
IMAGE_SIDES = (28, 224, 64)  # after 32 (CIFAR): MNIST, ImageNet, and one between


def needs_input(name: str, model: nn.Module, problem: str = "") -> NeedsInputError:
    """The error for a model with no input: what was tried, and a shape to pass."""
    cause = f"found model '{name}' but no input it accepts"
    if problem:
        cause += f" ({problem})"
    wanted = _required_arguments(model)
    if len(wanted) > 1:
        names = ", ".join(wanted)
        hint = (
            f"its forward takes {len(wanted)} arguments ({names}): define build_model() and "
            f"example_input() returning them as a tuple (see README), or pass --model with a "
            "model and --input with a variable holding them"
        )
        return NeedsInputError(cause, hint=hint)
    return NeedsInputError(cause, hint=f"pass --input-shape {suggest_shape(model)}")


def _required_arguments(model: nn.Module) -> list[str]:
    """The names of the arguments `model.forward` cannot do without."""
    try:
        params = inspect.signature(model.forward).parameters.values()
    except (TypeError, ValueError):  # TorchScript and builtins may hide their signature
        return []
    positional = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    return [p.name for p in params if p.kind in positional and p.default is p.empty]
