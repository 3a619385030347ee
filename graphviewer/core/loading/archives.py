"""Opening what torch wrote: full pickles, TorchScript archives and `torch.export` programs."""

from __future__ import annotations

import contextlib
import io
import logging
import pickle
import pickletools
import re
import warnings
import zipfile
import zlib
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import IO, Any

import torch
from torch import nn

from graphviewer.core.errors import ModelLoadError, UntrustedFileError
from graphviewer.core.loading.pt2_check import untrusted_reason
from graphviewer.core.loading.userscript import UserScope

_log = logging.getLogger(__name__)


def refuse_non_model_pickle(path: Path) -> None:
    """Load `path` with `weights_only=True` (safe); raise if it holds data and no model.

    Returns normally when the file is a full pickle, which only the full unpickler can load.
    """
    try:
        with warnings.catch_warnings():  # "Detected pickle protocol 4": not the user's concern
            warnings.simplefilter("ignore", UserWarning)
            obj = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as exc:
        if "global" in str(exc).lower():
            return  # it references classes: a full pickle
        raise ModelLoadError(f"damaged pickle: {_first_line(exc)}", path=path) from None
    except Exception as exc:  # EOFError, RuntimeError from a truncated or foreign file
        raise ModelLoadError(
            f"not a readable torch.save file: {_first_line(exc)}", path=path
        ) from None
    raise ModelLoadError(_describe_data(obj), path=path)


def _describe_data(obj: Any) -> str:
    if isinstance(obj, torch.Tensor):
        shape = ",".join(str(d) for d in obj.shape)
        return f"this file holds a single tensor (shape {shape}), not a model"
    count = _count_tensors(obj)
    if count:
        return (
            f"this file holds only weights ({count} tensors); open the .py that defines the model"
        )
    return f"this file holds a {type(obj).__name__} and no model"


def _count_tensors(obj: Any) -> int:
    if isinstance(obj, torch.Tensor):
        return 1
    if isinstance(obj, Mapping):
        return sum(_count_tensors(v) for v in obj.values())
    if isinstance(obj, (list, tuple)):
        return sum(_count_tensors(v) for v in obj)
    return 0


def load_full_pickle(path: Path, trust: bool, scope: UserScope) -> nn.Module:
    """Unpickle a `torch.save(model)` file (runs code: only when trusted) and return the model."""
    refuse_non_model_pickle(path)
    if not trust:
        raise UntrustedFileError(
            "this file is a full pickle of a model; loading it can run arbitrary code",
            path=path,
            hint="pass --trust if you trust it",
        )
    check_pickle_stream(path)
    try:
        obj = torch.load(path, map_location="cpu", weights_only=False)  # trusted by the user
    except (KeyboardInterrupt, ModelLoadError):
        raise
    except (AttributeError, ModuleNotFoundError, ImportError) as exc:
        raise ModelLoadError(_missing_class_message(exc), path=path) from None
    except SystemExit as exc:
        raise ModelLoadError(f"unpickling called exit({exc.code!r})", path=path) from None
    except Exception as exc:
        raise ModelLoadError(
            f"unpickling failed: {type(exc).__name__}: {_first_line(exc)}", path=path
        ) from None
    if isinstance(obj, nn.Module):
        return obj
    modules = [v for v in obj.values() if isinstance(v, nn.Module)] if isinstance(obj, dict) else []
    if len(modules) == 1:  # {"model": model, "epoch": 3}
        return modules[0]
    raise ModelLoadError(f"this pickle holds a {type(obj).__name__}, not an nn.Module", path=path)


def check_pickle_stream(path: Path) -> None:
    """Refuse a torch.save file whose pickle would make the unpickler allocate without bound.

    The C unpickler grows its memo to twice the largest index it is given: one flipped bit in a
    `LONG_BINPUT` index made a 28 KB file take 52 s and 8.7 GB. A real pickle numbers its memo
    entries from 0, so no index can exceed the stream's length; lengths past the end are
    damage too. Scanning the opcodes is pure Python and unpickles nothing.
    """
    try:
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                names = [n for n in archive.namelist() if n.rsplit("/", 1)[-1] == "data.pkl"]
                data = archive.read(names[0]) if names else b""
            _scan_pickles(path, io.BytesIO(data), "data.pkl", len(data), count=1)
        else:  # the legacy format: five pickles (magic, protocol, sys info, object, keys)
            with path.open("rb") as f:
                _scan_pickles(path, f, "the pickle", path.stat().st_size, count=5)
    except (zipfile.BadZipFile, OSError, zlib.error):
        return  # damaged in a way torch.load reports itself


def _scan_pickles(path: Path, stream: IO[bytes], what: str, size: int, count: int) -> None:
    try:
        for _ in range(count):
            for op, arg, pos in pickletools.genops(stream):
                if op.name in _MEMO_OPS and isinstance(arg, int) and arg > size:
                    raise ModelLoadError(
                        f"damaged pickle: memo index {arg:,} at byte {pos} of {what} is past "
                        f"its end ({size:,} bytes; a flipped bit?)",
                        path=path,
                    )
    except ValueError as exc:  # pickletools: a length past the end, an unknown opcode
        raise ModelLoadError(f"damaged pickle: {_first_line(exc)}", path=path) from None


_MEMO_OPS = frozenset(("PUT", "BINPUT", "LONG_BINPUT", "GET", "BINGET", "LONG_BINGET"))


def _missing_class_message(exc: BaseException) -> str:
    text = _first_line(exc)
    found = re.search(r"Can't get attribute '([^']+)' on <module '([^']+)'", text)
    # The running program's __main__ shows as "__main__" or "pkg.__main__" (python -m pkg).
    if found and found[2].split(".")[-1] == "__main__":
        return (
            f"the pickle needs class '{found[1]}' from a script that was run directly "
            "(__main__); open that script's .py, or save the model from an importable module"
        )
    if found:
        return f"the pickle needs class '{found[1]}' from module '{found[2]}', which lacks it"
    if isinstance(exc, ModuleNotFoundError) and exc.name:
        return (
            f"the pickle needs module '{exc.name}', which cannot be imported; put its .py "
            "beside the file"
        )
    return f"the pickle needs code that cannot be imported: {text}"


def load_torchscript(path: Path) -> nn.Module:
    """Load a TorchScript archive (no Python code runs: no trust needed)."""
    try:
        with warnings.catch_warnings():  # "torch.jit.load is deprecated": not the user's concern
            warnings.simplefilter("ignore", DeprecationWarning)
            return torch.jit.load(str(path), map_location="cpu")
    except (KeyboardInterrupt, ModelLoadError):
        raise
    except Exception as exc:
        raise ModelLoadError(
            f"cannot load this TorchScript archive: {_first_line(exc)}", path=path
        ) from None


def load_exported(
    path: Path, trust: bool
) -> tuple[nn.Module, tuple[Any, ...], dict[str, Any] | None]:
    """Load a `torch.export` program: its module and its example inputs (None when it has none).

    `torch.export.load` can run code from the file (`pt2_check`); a program that would is
    loaded only when trusted.
    """
    reason = "" if trust else untrusted_reason(path)
    if reason:
        raise UntrustedFileError(
            f"this torch.export program can run code when loaded: {reason}",
            path=path,
            hint="pass --trust if you trust it",
        )
    with torch_logs_captured() as records:
        try:
            program = torch.export.load(str(path))  # trusted or checked by untrusted_reason
            module = program.module()
        except (KeyboardInterrupt, ModelLoadError):
            raise
        except Exception as exc:
            raise ModelLoadError(
                f"cannot load this torch.export program: {_load_failure(exc, records)}", path=path
            ) from None
    example = program.example_inputs
    if example is None:
        return module, (), None
    args, kwargs = example
    return module, tuple(args), dict(kwargs or {})


def _load_failure(exc: BaseException, records: list[logging.LogRecord]) -> str:
    """What went wrong: torch's error, or the one its logger hid behind "see the warnings"."""
    text = _first_line(exc)
    if "warnings above" in text:
        logged = [r.exc_info[1] for r in records if r.exc_info and r.exc_info[1] is not None]
        if logged:
            return f"{type(logged[0]).__name__}: {_first_line(logged[0])}"
        return "torch could not read the archive (damaged or not written by torch.export.save)"
    return f"{type(exc).__name__}: {text}" if isinstance(exc, (KeyError, IndexError)) else text


@contextlib.contextmanager
def torch_logs_captured() -> Iterator[list[logging.LogRecord]]:
    """Keep torch's log records (tracebacks, "--- Logging error ---") off stderr while loading.

    torch's loggers print through their own stderr handlers; they are swapped for one that
    only collects the records, then restored. The records are passed on at debug level to
    graphviewer's own logger, unformatted (some of torch's do not format).
    """
    records: list[logging.LogRecord] = []
    keep = _Collect(records)
    swapped: list[tuple[logging.Logger, list[logging.Handler], bool]] = []
    loggers = [logging.getLogger("torch")] + [
        lg
        for name, lg in list(logging.Logger.manager.loggerDict.items())
        if name.startswith("torch.") and isinstance(lg, logging.Logger)
    ]
    for lg in loggers:
        if lg.handlers or lg.name == "torch":
            swapped.append((lg, lg.handlers[:], lg.propagate))
            lg.handlers = [keep]
            lg.propagate = False
    try:
        yield records
    finally:
        for lg, handlers, propagate in swapped:
            lg.handlers, lg.propagate = handlers, propagate
        for record in records:
            _log.debug("torch while loading: %s", record.msg)


class _Collect(logging.Handler):
    def __init__(self, records: list[logging.LogRecord]) -> None:
        super().__init__(logging.DEBUG)
        self._records = records

    def emit(self, record: logging.LogRecord) -> None:
        self._records.append(record)


# The boilerplate torch appends to a reader's error: it says nothing about the file.
_TORCH_BOILERPLATE = re.compile(
    r"\s*(This is an internal miniz error\.|\(Could this error message be improved\?).*"
)


# torch's words for a member missing from an archive, said plainly.
_MISSING_MEMBER = (
    re.compile(r"PytorchStreamReader failed locating file (\S+?):? file not found\.?"),
    re.compile(r'Expected hasRecord\("([^"]+)"\) to be true, but got false\.?'),
)


def _first_line(exc: BaseException) -> str:
    lines = [line.strip() for line in str(exc).strip().splitlines() if line.strip()]
    text = _TORCH_BOILERPLATE.sub("", lines[0]) if lines else type(exc).__name__
    for pattern in _MISSING_MEMBER:
        text = pattern.sub(r"the archive has no \1 member (damaged?)", text)
    return text if len(text) <= 300 else text[:297] + "..."
