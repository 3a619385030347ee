"""Telling what a file is from its content (magic bytes, zip members), not only its suffix."""

from __future__ import annotations

import stat
import zipfile
from pathlib import Path

ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
PYTHON_SUFFIXES = (".py", ".pyw")
_IMAGE_MAGIC = {
    b"\x89PNG\r\n\x1a\n": "PNG",
    b"\xff\xd8\xff": "JPEG",
    b"GIF87a": "GIF",
    b"GIF89a": "GIF",
    b"%PDF": "PDF",
}

_LEGACY_MAGIC = b"\x8a\x0a" + (0x1950A86A20F9469CFC6C).to_bytes(10, "little")

# The first bytes of every format we know: a file that stops inside one is a truncated file.
_MAGICS = (*ZIP_MAGIC, *_IMAGE_MAGIC, b"\x80\x02" + _LEGACY_MAGIC)
_LONGEST_MAGIC = max(len(m) for m in _MAGICS)

# What each kind is called in messages.
KIND_NAMES = {
    "zip-pickle": "full pickle (torch.save)",
    "legacy-pickle": "legacy pickle (torch.save)",
    "torchscript": "TorchScript archive",
    "export": "torch.export program",
}


def sniff_kind(path: str | Path) -> str:
    """What `path` holds, from its content.

    One of "python", "zip-pickle", "legacy-pickle", "torchscript", "export" (the formats we
    load), or "pickle" (pickle.dump, not torch.save), "missing", "directory", "special" (a
    named pipe, socket or device: never opened, a pipe would block), "unreadable", "empty",
    "truncated" (it stops inside a known format's magic bytes), "notebook", "text", "image",
    "zip" (a zip torch did not write), "corrupt-zip", "unknown".
    """
    p = Path(path)
    try:
        mode = p.stat().st_mode
    except FileNotFoundError:
        return "missing"
    except OSError:  # a path through a file, a name too long, a loop of links
        return "unreadable"
    if stat.S_ISDIR(mode):
        return "directory"
    if not stat.S_ISREG(mode):
        return "special"  # opening a named pipe blocks until someone writes to it
    try:
        with p.open("rb") as f:
            head = f.read(8192)
    except OSError:
        return "unreadable"
    if not head:
        return "empty"
    if len(head) < _LONGEST_MAGIC and any(m.startswith(head) and m != head for m in _MAGICS):
        return "truncated"
    if head.startswith(ZIP_MAGIC):
        return _sniff_zip(p)
    if any(head.startswith(m) for m in _IMAGE_MAGIC):
        return "image"
    if head[0] == 0x80 and len(head) > 1 and 2 <= head[1] <= 5:
        # torch.save's legacy format starts with its magic number, pickled as a long.
        return "legacy-pickle" if _LEGACY_MAGIC in head[:32] else "pickle"
    if not _looks_like_text(head):
        return "unknown"
    if p.suffix.lower() == ".ipynb":
        return "notebook"
    if p.suffix.lower() in PYTHON_SUFFIXES:
        return "python"
    text = head.decode("utf-8", errors="replace")
    if ("import torch" in text or "from torch" in text) and _compiles(p):
        return "python"  # a script saved without the .py suffix
    return "text"


def image_format(path: Path) -> str:
    """The image format name for a file `sniff_kind` called "image" ("PNG", "JPEG", ...)."""
    with path.open("rb") as f:
        head = f.read(16)
    return next((name for magic, name in _IMAGE_MAGIC.items() if head.startswith(magic)), "image")


def _sniff_zip(path: Path) -> str:
    try:
        with zipfile.ZipFile(path) as z:
            names = z.namelist()
    except (zipfile.BadZipFile, OSError, EOFError, ValueError):
        return "corrupt-zip"
    # torch writes every member under one top folder named after the archive.
    inner = {n.split("/", 1)[1] if "/" in n else n for n in names}
    if "archive_format" in inner or any(n.startswith("models/") for n in inner):
        return "export"
    if "constants.pkl" in inner or any(n.startswith("code/") for n in inner):
        return "torchscript"
    if "data.pkl" in inner:
        return "zip-pickle"
    return "zip"


def _looks_like_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the end of the sample is still text.
        return exc.start >= len(head) - 3
    return True


def _compiles(path: Path) -> bool:
    try:
        compile(path.read_bytes(), str(path), "exec")
    except (SyntaxError, ValueError, OSError):
        return False
    return True
