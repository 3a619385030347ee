"""Finding the user's own code in a stack: the line of `forward` that made an op, or that raised.

"The user's code" is any frame whose file is one of the given source files or lies under one of
the given source folders (their package); when none are given (a live model from a notebook),
any frame outside torch, graphviewer, site-packages and the standard library.
"""

from __future__ import annotations

import linecache
import os
import sys
import sysconfig
import types
from collections.abc import Collection, Iterator
from pathlib import Path

from graphviewer.core.types import SourceLoc

_LIBRARY_ROOTS: tuple[str, ...] = tuple(
    sorted(
        {
            str(Path(p).resolve())
            for p in (
                sysconfig.get_paths().get("stdlib", ""),
                sysconfig.get_paths().get("purelib", ""),
                sysconfig.get_paths().get("platlib", ""),
                str(Path(__file__).resolve().parents[1]),  # graphviewer itself
            )
            if p
        }
    )
)


class UserCodeFilter:
    """Decides, per code object (cached), whether a frame belongs to the user."""

    def __init__(
        self, source_files: Collection[str | Path] = (), source_dirs: Collection[str | Path] = ()
    ) -> None:
        self._files = {str(Path(f).resolve()) for f in source_files}
        self._dirs = tuple(os.path.join(str(Path(d).resolve()), "") for d in source_dirs)
        self._cache: dict[str, bool] = {}
        self._by_code: dict[types.CodeType, bool] = {}  # the same verdicts, one lookup a frame
        self._locs: dict[tuple[types.CodeType, int], SourceLoc] = {}

    def is_user_file(self, filename: str) -> bool:
        known = self._cache.get(filename)
        if known is not None:
            return known
        if filename.startswith("<") and not filename.startswith("<ipython"):
            verdict = False
        else:
            resolved = str(Path(filename).resolve()) if os.path.isabs(filename) else filename
            if self._files or self._dirs:
                verdict = resolved in self._files or (
                    resolved.startswith(self._dirs) and outside_libraries(resolved)
                )
            else:
                verdict = outside_libraries(resolved)
        self._cache[filename] = verdict
        return verdict

    def frame_location(
        self,
        frame: types.FrameType | None,
        stop: types.FrameType | None = None,
        at_stop: SourceLoc | None = None,
    ) -> SourceLoc | None:
        """The innermost user frame at or above `frame`, as a `SourceLoc`.

        `stop`, a frame known to be above `frame` and not the user's, with `at_stop` its own
        answer, ends the walk there: a library's forward runs dozens of frames deep, and the
        frames above a running module call stay as they were for every op inside it."""
        by_code = self._by_code
        while frame is not None:
            if frame is stop:
                return at_stop
            code = frame.f_code
            verdict = by_code.get(code)
            if verdict is None:
                verdict = by_code[code] = self.is_user_file(code.co_filename)
            if verdict:
                key = (code, frame.f_lineno)
                loc = self._locs.get(key)
                if loc is None:
                    loc = self._locs[key] = _loc(code.co_filename, key[1], code.co_name)
                return loc
            frame = frame.f_back
        return None

    def caller_location(
        self,
        skip: int = 1,
        stop: types.FrameType | None = None,
        at_stop: SourceLoc | None = None,
    ) -> SourceLoc | None:
        """The innermost user frame of the current thread's stack (see `frame_location`)."""
        return self.frame_location(sys._getframe(skip + 1), stop, at_stop)

    def traceback_location(self, tb: types.TracebackType | None) -> SourceLoc | None:
        """The innermost user frame of a traceback (where the user's code raised)."""
        found: SourceLoc | None = None
        for frame, lineno in _walk_tb(tb):
            code = frame.f_code
            if self.is_user_file(code.co_filename):
                found = _loc(code.co_filename, lineno, code.co_name)
        return found


def outside_libraries(resolved: str) -> bool:
    """Not torch, graphviewer, the standard library or an installed package (a venv's too)."""
    if any(resolved.startswith(root) for root in _LIBRARY_ROOTS):
        return False
    parts = Path(resolved).parts
    return "site-packages" not in parts and "dist-packages" not in parts


def _walk_tb(tb: types.TracebackType | None) -> Iterator[tuple[types.FrameType, int]]:
    while tb is not None:
        yield tb.tb_frame, tb.tb_lineno
        tb = tb.tb_next


def _loc(filename: str, line: int, function: str) -> SourceLoc:
    return SourceLoc(filename, line, function, linecache.getline(filename, line).strip())


def describe_exception(exc: BaseException, where: SourceLoc | None) -> str:
    """One line for a user: `ValueError: bad shape (at model.py:12 in forward: y = self.fc(x))`.

    A `SystemExit` reads as the call that raised it: `sys.exit(3) (at ...)`."""
    message = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    if isinstance(exc, SystemExit):
        text = f"sys.exit({exc.code!r})"
    else:
        text = f"{type(exc).__name__}: {message}" if message else type(exc).__name__
    if where is not None:
        text += f" (at {Path(where.file).name}:{where.line} in {where.function}"
        text += f": {where.text})" if where.text else ")"
    return text


# Import names whose pip package is named otherwise.
_PIP_NAMES = {
    "cv2": "opencv-python",
    "PIL": "pillow",
    "sklearn": "scikit-learn",
    "yaml": "pyyaml",
    "skimage": "scikit-image",
    "bs4": "beautifulsoup4",
    "attr": "attrs",
}


def describe_cause(exc: BaseException, where: SourceLoc | None) -> str | None:
    """A missing package or file in words, or None for any other failure.

    `No module named 'foo'` → "imports 'foo', which is not installed (pip install foo?)";
    FileNotFoundError → "opens 'data/x.csv', which does not exist (paths are relative to …)".
    The user's line follows, as in `describe_exception`.
    """
    if isinstance(exc, ModuleNotFoundError) and exc.name:
        top = exc.name.split(".")[0]
        folder = _own_package_folder(exc.name, where)
        if folder is not None:  # a file missing beside theirs, not a package to install
            leaf = exc.name.rpartition(".")[2]
            text = f"imports '{exc.name}', but {folder} has no {leaf}.py"
        elif top in sys.modules and top != exc.name:
            text = f"imports '{exc.name}', which the installed {top} does not have"
        else:
            pip = _PIP_NAMES.get(top, top)
            text = f"imports '{exc.name}', which is not installed (pip install {pip}?)"
    elif isinstance(exc, FileNotFoundError) and exc.filename:
        name = os.fsdecode(exc.filename)
        text = f"opens '{name}', which does not exist"
        if not os.path.isabs(name):
            text += f" (paths are relative to the current folder, {os.getcwd()})"
    else:
        return None
    if where is not None:
        text += f" (at {Path(where.file).name}:{where.line} in {where.function}"
        text += f": {where.text})" if where.text else ")"
    return text


def _own_package_folder(name: str, where: SourceLoc | None) -> Path | None:
    """The folder of the user's own package that `name` (``models.dpn``) would live in, if the
    failing line is inside that package; None otherwise."""
    parent = name.rpartition(".")[0]
    if not parent or where is None:
        return None
    folder = Path(where.file).resolve().parent
    while (folder.parent / "__init__.py").exists():
        folder = folder.parent  # up to the package's root
    if not (folder / "__init__.py").exists():
        return None
    candidate = folder.parent.joinpath(*parent.split("."))
    return candidate if (candidate / "__init__.py").exists() else None
