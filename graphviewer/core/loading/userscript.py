"""Running a user's .py file in a fresh, throw-away module, and turning its failures into errors.

Loading is pure: the folder of the file is on `sys.path` only while its code runs, `sys.argv`
and `sys.stdin` are the script's own meanwhile, and the modules it imported from its folder
(and its own module) are forgotten afterwards, so a reload sees the user's edits. What the
script prints goes to the caller's stream (never `sys.stdout`) and into a log.

A file inside a package (its folder holds an `__init__.py`) runs as that package's module,
`pkg.sub.model`, with the folder above the package root on `sys.path`, as `python -m` would:
its relative imports (`from .parts import *`) and imports of its own package by name
(`from pkg.utils import CfgNode`) work unchanged.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import io
import itertools
import keyword
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
from graphviewer.core.loading.first_forward import FirstForward, FirstForwardTrap
from graphviewer.core.usercode import (
    UserCodeFilter,
    describe_cause,
    describe_exception,
    outside_libraries,
)

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


@dataclass(frozen=True)
class Package:
    """Where a file sits in a package: the topmost package folder and the file's dotted name."""

    root: Path  # the outermost folder with an `__init__.py`; its parent goes on sys.path
    module: str  # "unet.unet_model"; the package itself for an `__init__.py`
    is_init: bool = False  # the file is the package's `__init__.py`

    @property
    def parent(self) -> str:
        """The package the module's relative imports start from."""
        return self.module if self.is_init else self.module.rpartition(".")[0]


def package_of(path: Path) -> Package | None:
    """The package `path` belongs to (its folder holds an `__init__.py`), or None.

    The root is found by walking up while the parent folder is a package too. A folder name that
    is no Python identifier ("Pytorch-UNet") cannot be imported, so the package stops below it.
    """
    path = path.resolve()
    folder = path.parent
    if not (folder / "__init__.py").is_file() or not _importable(folder.name):
        return None
    root = folder
    while (root.parent / "__init__.py").is_file() and _importable(root.parent.name):
        root = root.parent
    parts = list(folder.relative_to(root.parent).parts)
    if path.stem != "__init__":
        if not _importable(path.stem):
            return None
        parts.append(path.stem)
    return Package(root, ".".join(parts), is_init=path.stem == "__init__")


def _importable(name: str) -> bool:
    return name.isidentifier() and not keyword.iskeyword(name)


@dataclass
class UserScope:
    """What a load saw: the printed log, and the user's files it ran (main file first)."""

    path: Path
    log: io.StringIO = field(default_factory=io.StringIO)
    module_files: list[Path] = field(default_factory=list)
    package: Package | None = None
    _module_names: list[str] = field(default_factory=list)
    _before: set[str] = field(default_factory=set)  # sys.modules when the load began

    @property
    def source_files(self) -> tuple[Path, ...]:
        files = [self.path.resolve(), *self.module_files]
        return tuple(dict.fromkeys(files))

    @property
    def user_dirs(self) -> tuple[Path, ...]:
        """Folders whose modules are the user's: the file's own, and its package's parent."""
        folder = self.path.parent.resolve()
        return (folder,) if self.package is None else (self.package.root.parent, folder)

    def user_files(self) -> list[Path]:
        """The user's files run so far: the main file and the modules it imported from its dirs."""
        found = _user_modules(self.user_dirs, self._before)
        return [self.path.resolve(), *self.module_files, *(f for _, f in found)]

    def code_filter(self) -> UserCodeFilter:
        """Which frames are the user's: their files so far, and any file under their folder or
        package (a helper that failed to import is no module, but its line is theirs)."""
        folder = self.path.parent.resolve()
        roots = (folder,) if self.package is None else (self.package.root, folder)
        return UserCodeFilter(self.user_files(), source_dirs=roots)


@contextlib.contextmanager
def user_scope(path: Path, stdout: TextIO | None) -> Iterator[UserScope]:
    """Run the block as the user's script at `path` would run: its folder importable, output teed.

    Everything process-wide it touches is put back on exit, and modules imported from the
    script's folder (or its package) are dropped from `sys.modules` (their files are kept in
    `module_files`).
    """
    scope = UserScope(path)
    with _LOCK:
        scope.package = package_of(path)
        if scope.package is not None and scope.package.module.split(".")[0] in sys.modules:
            # A package of that name is loaded already (an installed one, or ours from a load
            # still running): importing the file as its member would mix the two.
            scope.package = None
        saved_path, saved_argv, saved_stdin = list(sys.path), sys.argv, sys.stdin
        scope._before = set(sys.modules)
        saved_mpl = os.environ.get("MPLBACKEND")
        grad, dtype = torch.is_grad_enabled(), torch.get_default_dtype()
        out = _Tee(stdout if stdout is not None else sys.stderr, scope.log)
        err = _Tee(sys.stderr, scope.log)
        for folder in reversed(scope.user_dirs):
            sys.path.insert(0, str(folder))
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
            for name, file in _user_modules(scope.user_dirs, scope._before):
                del sys.modules[name]
                scope.module_files.append(file)


def _user_modules(dirs: tuple[Path, ...], before: set[str]) -> list[tuple[str, Path]]:
    """Modules first imported from the user's folders during the load, with their files.

    `dirs[-1]` is the script's own folder; the others (a package's parent folder) count only
    outside installed libraries: a first `import scipy` must never be forgotten, since an
    extension module cannot be imported twice.
    """
    found: list[tuple[str, Path]] = []
    own = dirs[-1]
    for name in [n for n in list(sys.modules) if n not in before]:
        top = name.split(".", 1)[0]
        if top in before:  # a new submodule of a package that was there before (torch.*)
            continue
        file = getattr(sys.modules.get(name), "__file__", None)
        if not file:
            continue
        resolved = Path(file).resolve()
        beside = [d for d in dirs if resolved.parent == d or d / top in resolved.parents]
        if own in beside or (beside and outside_libraries(str(resolved))):
            found.append((name, resolved))
    return found


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
    return run_user_script(path, code, scope)[0]


def run_user_script(
    path: Path, code: types.CodeType, scope: UserScope, *, stop_at_first_forward: bool = False
) -> tuple[dict[str, Any], FirstForward | None]:
    """Execute compiled user code in a fresh module inside `scope`; its namespace, and the first
    forward it was stopped at when `stop_at_first_forward` (None if it made none)."""
    package = scope.package if path.resolve() == scope.path.resolve() else None
    name = module_name_for(path) if package is None else package.module
    search = [str(path.parent.resolve())] if package is not None and package.is_init else None
    spec = importlib.util.spec_from_file_location(
        name, path.resolve(), submodule_search_locations=search
    )
    assert spec is not None  # a .py path always has a spec
    module = importlib.util.module_from_spec(spec)
    trap = FirstForwardTrap(module.__dict__, UserCodeFilter([path], scope.user_dirs).is_user_file)
    with trap.armed() if stop_at_first_forward else contextlib.nullcontext():
        above = name.rpartition(".")[0]
        if above:  # `from .parts import *` needs the package: its __init__ runs first
            call_user(scope, f"importing package '{above}'", importlib.import_module, above)
        if name in sys.modules and name not in scope._before:
            # The package's __init__ imported this very module: it has run, once, fresh.
            return sys.modules[name].__dict__, trap.first
        # Registered while it runs so that dataclasses, pickle and inspect find it; dropped after.
        sys.modules[name] = module
        scope._module_names.append(name)
        call_user(scope, "the script", exec, code, module.__dict__)
    return module.__dict__, trap.first


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
        where = _user_location(scope, exc)
        cause = describe_cause(exc, where)
        if cause is not None:
            raise ModelLoadError(f"{what} {cause}", path=scope.path) from exc
        message = describe_exception(exc, where)
        if isinstance(exc, SyntaxError) and exc.filename and exc.lineno:
            message += f" (in {Path(exc.filename).name}:{exc.lineno})"
        raise ModelLoadError(f"{what} raised {message}", path=scope.path) from exc


def _user_location(scope: UserScope, exc: BaseException) -> Any:
    """The innermost line of the user's code in the traceback: their file or a helper beside it."""
    tb = exc.__traceback__
    where = scope.code_filter().traceback_location(tb)
    return where if where is not None else UserCodeFilter().traceback_location(tb)
