"""Deciding whether a `.pt2` (`torch.export`) file can be loaded without running code from it.

`torch.export.load` (torch 2.13) runs what the file says in five ways: it unpickles pickled
weights, constants and sample inputs with the full unpickler (`weights_only` off); it
`pickle.loads` opaque constants; it loads AOTInductor shared libraries; it `sympy.sympify`s
(evaluates) every symbolic-size expression; and `program.module()` `exec`s the program's guard
code. Operator names are looked up with `getattr` under `torch`, so `torch.os.system` is a valid
target. An ordinary `torch.export.save` of a plain model writes none of that: raw tensor
payloads, sample inputs that load with `weights_only=True`, `torch.ops` targets, sizes like
`Symbol('s31', positive=True, integer=True)` and no guards. `untrusted_reason` reads the archive
(zip members and JSON only, nothing unpickled unsafely) and returns why the file needs trust, or
"" when it holds only that ordinary content.
"""

from __future__ import annotations

import io
import json
import math
import operator
import re
import tokenize
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from graphviewer.core.errors import ModelLoadError

_ALLOWED_MEMBERS = re.compile(
    r"archive_format|archive_version|byteorder|\.data/version|\.data/serialization_id"
    r"|models/[^/]+\.json|data/weights/[^/]+|data/constants/[^/]+|data/sample_inputs/[^/]+\.pt"
    r"|extra/[^/]+"
)
_PROGRAM = re.compile(r"models/[^/]+\.json")
_WEIGHTS_CONFIG = re.compile(r"data/weights/(.+)_weights_config\.json")
_CONSTANTS_CONFIG = re.compile(r"data/constants/(.+)_constants_config\.json")
_SYMBOL = re.compile(r"[a-z]+[0-9]+")
_STRING = re.compile(r"'[A-Za-z_][A-Za-z0-9_]*'")
# What sympify may see besides symbol names and torch's own sympy functions.
_SYMPY_WORDS = (
    "Symbol Integer Float Rational Max Min Eq Ne Lt Le Gt Ge And Or Not Abs Piecewise oo zoo "
    "nan int_oo True False positive integer nonnegative negative real finite infinite nonzero "
    "zero even odd"
)
_SYMPY_NAMES = frozenset(_SYMPY_WORDS.split())
_EXPR_WORDS = "( ) , + - * / // % ** = == != < > <= >= & | ~"
_EXPR_OPS = frozenset(_EXPR_WORDS.split())


def untrusted_reason(path: Path) -> str:
    """Why loading the `.pt2` at `path` would run code from it; "" when it would not.

    Fails closed: content this check does not understand is a reason. A damaged archive
    raises `ModelLoadError`.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            return _Archive(archive).reason()
    except ModelLoadError:
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
        raise ModelLoadError(f"is a damaged torch.export program: {exc}") from None
    except ValueError as exc:  # json.JSONDecodeError: a member is not the JSON torch wrote
        raise ModelLoadError(f"is a damaged torch.export program: bad JSON ({exc})") from None
    except Exception as exc:  # a structure torch.export.save does not write: do not guess
        return f"its content is not what torch.export.save writes ({type(exc).__name__})"


class _Archive:
    """The members of one archive by their name under torch's top folder."""

    def __init__(self, archive: zipfile.ZipFile) -> None:
        self._zip = archive
        self._names: dict[str, str] = {}
        self.duplicate = ""
        for full in archive.namelist():
            if not full.endswith("/"):
                name = full.split("/", 1)[1] if "/" in full else full
                if name in self._names:
                    self.duplicate = name  # zipfile reads the last copy; torch may read another
                self._names[name] = full

    def read(self, name: str) -> bytes:
        return self._zip.read(self._names[name])

    def reason(self) -> str:
        if self.duplicate:
            return f"it holds two members named {self.duplicate}, and torch may read the other"
        if "archive_format" not in self._names:
            return (
                "it has no archive_format member, so torch would read it in the old format, "
                "which it unpickles unchecked"
            )
        if not any(_PROGRAM.fullmatch(name) for name in self._names):
            raise ModelLoadError("is a damaged torch.export program: it holds no models/*.json")
        for name in self._names:
            if name.startswith("data/aotinductor/"):
                return "it holds compiled native code (AOTInductor), which runs when loaded"
            if not _ALLOWED_MEMBERS.fullmatch(name):
                return f"it holds a member torch.export.save does not write ({name})"
        for name in self._names:
            problem = (
                self._payload_problem(name, "weights", _WEIGHTS_CONFIG.fullmatch(name))
                or self._payload_problem(name, "constants", _CONSTANTS_CONFIG.fullmatch(name))
                or (self._pickle_problem(name, _member_title(name)) if name.endswith(".pt") else "")
                or self._program_problem(name)
            )
            if problem:
                return problem
        return ""

    def _payload_problem(self, name: str, what: str, config: re.Match[str] | None) -> str:
        """Weights and constants: raw tensors are safe; pickled ones must be plain tensors."""
        if config is None:
            return ""
        entries = json.loads(self.read(name))["config"]
        for fqn, meta in entries.items():
            file = str(meta["path_name"])
            if file.startswith(("custom_obj_", "opaque_obj_")):
                return f"its constant {fqn} is a pickled Python object, which runs code to load"
            if meta.get("use_pickle"):
                problem = self._pickle_problem(f"data/{what}/{file}", f"{what} {fqn}")
                if problem:
                    return problem
        return ""

    def _pickle_problem(self, name: str, what: str) -> str:
        """A pickled member loads with `weights_only=True` (tensors only), or it needs trust."""
        import torch

        data = self.read(name)  # a KeyError for a missing member: fails closed
        try:
            torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)
        except Exception as exc:
            if "weights only load failed" in str(exc).lower():
                return f"its {what} holds pickled Python objects, which run code when loaded"
            raise ModelLoadError(
                f"is a damaged torch.export program: {what} cannot be read ({_first_line(exc)})"
            ) from None
        return ""

    def _program_problem(self, name: str) -> str:
        if not (name.startswith("models/") and name.endswith(".json")):
            return ""
        doc = json.loads(self.read(name))
        if doc.get("guards_code"):
            return "its program carries guard code, which runs as Python when loaded"
        for key, value in _strings_at(doc, frozenset(("target", "expr_str"))):
            if key == "target" and not _safe_target(value):
                return f"its graph calls {value!r}, which is not a torch operator"
            if key == "expr_str" and not _safe_expression(value):
                return f"its graph has a size expression that is Python code: {value[:60]!r}"
        return ""


def _strings_at(doc: Any, keys: frozenset[str]) -> Iterator[tuple[str, str]]:
    """Every (key, string value) under one of `keys`, anywhere in a JSON document."""
    stack = [doc]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            for key, value in item.items():
                if key in keys and isinstance(value, str):
                    yield key, value
                else:
                    stack.append(value)
        elif isinstance(item, list):
            stack.extend(item)


def _safe_target(name: str) -> bool:
    """The operator `name` resolves to (as torch's deserializer does) is a torch op or pure."""
    import torch
    from torch._export.serde.serialize import _SYM_OPS

    roots: dict[str, Any] = {"_operator": operator, "torch": torch, "math": math}
    head, *rest = name.split(".")
    if head not in roots:
        return False
    target: Any = roots[head]
    for part in rest:
        if part.startswith("__") or not hasattr(target, part):
            return False
        target = getattr(target, part)
    if isinstance(target, (torch._ops.OpOverload, torch._ops.OpOverloadPacket)):
        return True
    if isinstance(target, torch._ops.HigherOrderOperator):
        return True
    if target in _SYM_OPS or target is operator.getitem:
        return True
    return head == "math" and callable(target)


def _safe_expression(text: str) -> bool:
    """`text` is a sympy size expression built from symbols, numbers and sympy functions only."""
    from torch.utils._sympy import functions

    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, SyntaxError):
        return False
    for tok in tokens:
        if tok.type in (tokenize.NEWLINE, tokenize.NL, tokenize.ENDMARKER):
            continue
        if tok.type == tokenize.NUMBER:
            continue
        if tok.type == tokenize.STRING and _STRING.fullmatch(tok.string):
            continue
        if tok.type == tokenize.OP and tok.string in _EXPR_OPS:
            continue
        if tok.type == tokenize.NAME and _safe_name(tok.string, functions):
            continue
        return False
    return True


def _safe_name(name: str, functions: Any) -> bool:
    if name in _SYMPY_NAMES or _SYMBOL.fullmatch(name):
        return True
    value = getattr(functions, name, None) if not name.startswith("_") else None
    return isinstance(value, type)


def _member_title(name: str) -> str:
    return "sample inputs" if name.startswith("data/sample_inputs/") else name


def _first_line(exc: BaseException) -> str:
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return (lines[0] if lines else type(exc).__name__)[:200]
