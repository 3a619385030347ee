"""Running a user's .py file in a fresh, throw-away module, and turning its failures into errors.

Loading is pure: the folder of the file is on `sys.path` only while its code runs, `sys.argv`
and `sys.stdin` are the script's own meanwhile, and the modules it imported from its folder
(and its own module) are forgotten afterwards, so a reload sees the user's edits. What the
script prints goes to the caller's stream (never `sys.stdout`) and into a log.
"""

from __future__ import annotations

import contextlib
import io
import itertools
import os
import re
import sys
import threading
import types
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import torch

from graphviewer.core.errors import GraphviewerError, ModelLoadError
from graphviewer.core.interrupt import user_code
from graphviewer.core.usercode import UserCodeFilter, describe_exception

# sys.path, sys.argv and sys.stdout are process-wide: one load changes them at a time.
_LOCK = threading.RLock()
_COUNTER = itertools.count(1)


class _Tee(io.TextIOBase):
    """A text stream that writes to a target stream and to a log."""

    def __init__(self, target: TextIO | None, log: io.StringIO) -> None:
        super().__init__()
        self._target = target
        self._log = log

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return "utf-8"

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return False

    def write(self, text: str) -> int:
        self._log.write(text)
        if self._target is not None:
            with contextlib.suppress(Exception):  # a closed console must not fail the load
                self._target.write(text)
        return len(text)

    def flush(self) -> None:
        if self._target is not None:
            with contextlib.suppress(Exception):
                self._target.flush()


@dataclass
class UserScope:
    """What a load saw: the printed log, and the user's files it ran (main file first)."""

    path: Path
    log: io.StringIO = field(default_factory=io.StringIO)
    module_files: list[Path] = field(default_factory=list)
    _module_names: list[str] = field(default_factory=list)

    @property
    def source_files(self) -> tuple[Path, ...]:
        files = [self.path.resolve(), *self.module_files]
        return tuple(dict.fromkeys(files))


@contextlib.contextmanager
def user_scope(path: Path, stdout: TextIO | None) -> Iterator[UserScope]:
    """Run the block as the user's script at `path` would run: its folder importable, output teed.

    Everything process-wide it touches is put back on exit, and modules imported from the
    script's folder are dropped from `sys.modules` (their files are kept in `module_files`).
    """
    scope = UserScope(path)
    folder = str(path.parent.resolve())
    with _LOCK:
        saved_path, saved_argv, saved_stdin = list(sys.path), sys.argv, sys.stdin
        saved_modules = set(sys.modules)
        saved_mpl = os.environ.get("MPLBACKEND")
        grad, dtype = torch.is_grad_enabled(), torch.get_default_dtype()
        out = _Tee(stdout if stdout is not None else sys.stderr, scope.log)
        err = _Tee(sys.stderr, scope.log)
        sys.path.insert(0, folder)
        sys.argv = [str(path)]
        sys.stdin = io.StringIO()  # input() fails at once instead of waiting forever
        os.environ["MPLBACKEND"] = "Agg"  # plt.show() must not open a window and block
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                yield scope
        finally:
            sys.path[:] = saved_path
            sys.argv, sys.stdin = saved_argv, saved_stdin
            if saved_mpl is None:
                os.environ.pop("MPLBACKEND", None)
            else:
                os.environ["MPLBACKEND"] = saved_mpl
            torch.set_grad_enabled(grad)
            torch.set_default_dtype(dtype)
            for name in scope._module_names:
                sys.modules.pop(name, None)
            scope.module_files.extend(_forget_folder_modules(Path(folder), saved_modules))


def _forget_folder_modules(folder: Path, before: set[str]) -> list[Path]:
    """Drop modules first imported from `folder` during the load; return their files."""
    files: list[Path] = []
    for name in [n for n in list(sys.modules) if n not in before]:
        top = name.split(".", 1)[0]
        if top in before:  # a new submodule of a package that was there before (torch.*)
            continue
        file = getattr(sys.modules.get(name), "__file__", None)
        if not file:
            continue
        resolved = Path(file).resolve()
        if resolved.parent == folder or folder / top in resolved.parents:
            del sys.modules[name]
            files.append(resolved)
    return files


def compile_user_file(path: Path) -> types.CodeType:
    """Compile the user's file, or raise a `ModelLoadError` with file:line and the message."""
    try:
        source = path.read_bytes()
    except OSError as exc:
        raise ModelLoadError(f"cannot read: {exc.strerror or exc}", path=path) from None
    try:
        return compile(source, str(path.resolve()), "exec", dont_inherit=True)
    except SyntaxError as exc:
        where = f"{path.name}:{exc.lineno}" if exc.lineno else path.name
        raise ModelLoadError(f"syntax error at {where}: {exc.msg}", path=path) from None
    except ValueError as exc:  # NUL bytes
        raise ModelLoadError(f"not a Python file: {exc}", path=path) from None


def module_name_for(path: Path) -> str:
    """A fresh module name for one run of `path`: never "__main__", never reused."""
    stem = re.sub(r"\W", "_", path.stem)
    return f"_graphviewer_user_{stem}_{next(_COUNTER)}"


def run_user_file(path: Path, code: types.CodeType, scope: UserScope) -> dict[str, Any]:
    """Execute compiled user code in a fresh module inside `scope`; return its namespace."""
    name = module_name_for(path)
    module = types.ModuleType(name)
    module.__file__ = str(path.resolve())
    # Registered while it runs so that dataclasses, pickle and inspect find it; dropped after.
    sys.modules[name] = module
    scope._module_names.append(name)
    call_user(scope, "the script", exec, code, module.__dict__)
    return module.__dict__


def call_user(scope: UserScope, what: str, fn: Callable[..., Any], *args: Any) -> Any:
    """Call user code; turn any failure into a one-line `ModelLoadError` naming the user's line."""
    try:
        with user_code():  # the only place the window's forced interrupt may land
            return fn(*args)
    except (GraphviewerError, KeyboardInterrupt):
        raise
    except SystemExit as exc:
        where = _user_location(scope, exc)
        text = f"{what} called exit({exc.code!r})"
        if where is not None:
            text += f" at {Path(where.file).name}:{where.line}"
        raise ModelLoadError(text, path=scope.path) from None
    except Exception as exc:
        message = describe_exception(exc, _user_location(scope, exc))
        if isinstance(exc, SyntaxError) and exc.filename and exc.lineno:
            message += f" (in {Path(exc.filename).name}:{exc.lineno})"
        raise ModelLoadError(f"{what} raised {message}", path=scope.path) from exc


def _user_location(scope: UserScope, exc: BaseException) -> Any:
    tb = exc.__traceback__
    where = UserCodeFilter([scope.path]).traceback_location(tb)
    return where if where is not None else UserCodeFilter().traceback_location(tb)
