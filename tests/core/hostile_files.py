"""Hostile model files for the trust tests: archives that run code (they create a marker file).

Each builder takes an ordinary file written by torch and rewrites it the way an attacker would,
so the tests prove the payload does run when torch loads the file without graphviewer's gate.
"""

from __future__ import annotations

import io
import json
import warnings
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch


def plant(marker: str, value: Any) -> Any:
    """The payload: create `marker`, then hand back what the file should have held."""
    Path(marker).touch()
    return value


class Planted:
    """Unpickling this runs `plant`: it creates `marker` and yields `value` (the real content).

    The file therefore still works once trusted, as a real trojan would.
    """

    def __init__(self, marker: Path, value: Any) -> None:
        self.marker = str(marker)
        self.value = value

    def __reduce__(self) -> tuple[Any, ...]:
        return (plant, (self.marker, self.value))


def rewrite_zip(src: Path, dst: Path, edit: Callable[[str, bytes], bytes | None]) -> Path:
    """Copy the zip `src` to `dst`, each member through `edit(name_below_top, data)`.

    `edit` returns the new bytes, or None to drop the member. Members are stored, as torch
    writes them.
    """
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_STORED) as zout:
        for info in zin.infolist():
            inner = info.filename.split("/", 1)[1] if "/" in info.filename else info.filename
            data = edit(inner, zin.read(info))
            if data is not None:
                zout.writestr(info.filename, data)
    return dst


def _pickled(obj: Any) -> bytes:
    buf = io.BytesIO()
    torch.save(obj, buf)
    return buf.getvalue()


def pt2_pickled_weight(src: Path, dst: Path, marker: Path) -> Path:
    """A `.pt2` whose first weight says `use_pickle: true` and is a `__reduce__` payload."""

    def edit(name: str, data: bytes) -> bytes:
        if name == "data/weights/model_weights_config.json":
            doc = json.loads(data)
            first = next(iter(doc["config"].values()))
            first["use_pickle"] = True
            return json.dumps(doc).encode()
        if name == "data/weights/weight_0":
            return _pickled(Planted(marker, torch.nn.Parameter(_first_weight(src))))
        return data

    return rewrite_zip(src, dst, edit)


def pt2_pickled_sample_inputs(src: Path, dst: Path, marker: Path) -> Path:
    """A `.pt2` whose sample inputs are a pickle that runs a payload."""

    def edit(name: str, data: bytes) -> bytes:
        if name == "data/sample_inputs/model.pt":
            return _pickled(Planted(marker, torch.load(io.BytesIO(data), weights_only=True)))
        return data

    return rewrite_zip(src, dst, edit)


def pt2_guard_code(src: Path, dst: Path, marker: Path) -> Path:
    """A `.pt2` whose guard code (exec'd by `program.module()`) creates the marker."""
    return _edit_program(src, dst, lambda doc: doc.update(guards_code=[_touch_code(marker)]))


def pt2_size_expression(src: Path, dst: Path, marker: Path) -> Path:
    """A `.pt2` whose first input's batch size is a Python expression (`sympify` evals it)."""

    def edit(doc: dict[str, Any]) -> None:
        values = doc["graph_module"]["graph"]["tensor_values"]
        first = next(iter(values.values()))
        size = f"Integer(16 if {_touch_code(marker)} else 0)"
        first["sizes"][0] = {"as_expr": {"expr_str": size, "hint": {"as_int": 16}}}

    return _edit_program(src, dst, edit)


def pt2_foreign_target(src: Path, dst: Path) -> Path:
    """A `.pt2` whose graph calls `torch.os.system` (resolved by `getattr` under torch)."""

    def edit(doc: dict[str, Any]) -> None:
        doc["graph_module"]["graph"]["nodes"][0]["target"] = "torch.os.system"

    return _edit_program(src, dst, edit)


def pt2_duplicate_member(src: Path, dst: Path, marker: Path) -> Path:
    """A `.pt2` with a hostile copy of its sample inputs first and the real one after.

    Python's zipfile reads the last copy; a reader that takes the first would run the payload.
    """
    rewrite_zip(src, dst, lambda name, data: data)
    with zipfile.ZipFile(src) as z:
        top = z.namelist()[0].split("/")[0]
        real = z.read(f"{top}/data/sample_inputs/model.pt")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "Duplicate name": the point
        with zipfile.ZipFile(dst, "a", zipfile.ZIP_STORED) as z:
            z.writestr(f"{top}/data/sample_inputs/model.pt", _pickled(Planted(marker, None)))
            z.writestr(f"{top}/data/sample_inputs/model.pt", real)
    return dst


def pt2_aoti_member(src: Path, dst: Path) -> Path:
    """A `.pt2` that carries an AOTInductor folder (a shared library torch would load)."""

    def edit(name: str, data: bytes) -> bytes:
        return data

    rewrite_zip(src, dst, edit)
    with zipfile.ZipFile(dst, "a", zipfile.ZIP_STORED) as z:
        top = z.namelist()[0].split("/")[0]
        z.writestr(f"{top}/data/aotinductor/model/model.so", b"\x7fELF")
    return dst


def _first_weight(src: Path) -> torch.Tensor:
    program = torch.export.load(str(src))
    return next(iter(program.state_dict.values())).detach().clone()


def _touch_code(marker: Path) -> str:
    return f"__import__('pathlib').Path({str(marker)!r}).touch() is None"


def _edit_program(src: Path, dst: Path, change: Callable[[dict[str, Any]], None]) -> Path:
    def edit(name: str, data: bytes) -> bytes:
        if name == "models/model.json":
            doc = json.loads(data)
            change(doc)
            return json.dumps(doc).encode()
        return data

    return rewrite_zip(src, dst, edit)
