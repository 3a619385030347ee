"""A generated corpus of bad model files: every saved format truncated, flipped and gutted.

`build_corpus(formats, folder)` writes the files and returns one `Case` per file. Nothing is
hand-picked: offsets are powers of two, the middle, the end and evenly spread flips; every
zip member is removed in turn; random bytes and empty files get every suffix we accept.
"""

from __future__ import annotations

import os
import random
import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path

SUFFIXES = (".py", ".pt", ".pth", ".pt2", ".bin", ".ckpt", ".pkl", "")
FLIPS = 8
SPARSE_SIZE = 2 * 1024**3


@dataclass(frozen=True)
class Case:
    """One corpus file and how to open it."""

    name: str
    path: Path
    fmt: str  # the format it was made from ("python", "full", "state_dict", "script", ...)
    args: tuple[str, ...] = ()  # extra CLI options (--trust for pickles, a shape for archives)


# The options each format is opened with: pickles with --trust, so the damage reaches the
# unpickler; archives without an example input get a shape.
FORMAT_ARGS = {
    "python": (),
    "full": ("--trust", "--input-shape", "16,20"),
    "state_dict": ("--trust",),
    "script": ("--input-shape", "16,20"),
    "export": (),
}


def build_corpus(formats: dict[str, Path], folder: Path) -> list[Case]:
    """Write the corpus into `folder` from `formats` (saved_formats' files) and list it."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(formats["module"], folder / "mlp.py")  # the full pickle's class lives here
    sources = {
        "python": formats["module"],
        "full": formats["full"],
        "state_dict": formats["state_dict"],
        "script": formats["script"],
        "export": formats["export"],
    }
    cases: list[Case] = []
    for fmt, src in sources.items():
        data = src.read_bytes()
        suffix = src.suffix
        opts = FORMAT_ARGS[fmt]

        def add(kind: str, content: bytes, fmt: str = fmt, suffix: str = suffix) -> None:
            path = folder / f"{fmt}_{kind}{suffix}"
            path.write_bytes(content)
            cases.append(Case(f"{fmt}-{kind}", path, fmt, FORMAT_ARGS[fmt]))

        for cut in _truncations(len(data)):
            add(f"trunc{cut}", data[:cut])
        for at in _flip_offsets(len(data)):
            flipped = bytearray(data)
            flipped[at] ^= 0xFF
            add(f"flip{at}", bytes(flipped))
            flipped[at] ^= 0xFF ^ 0x01  # a one-bit flip at the same place
            add(f"bit{at}", bytes(flipped))
        if data.startswith(b"PK"):
            for member in _members(src):
                path = folder / f"{fmt}_drop_{member.replace('/', '_')}{suffix}"
                _without_member(src, path, member)
                cases.append(Case(f"{fmt}-drop:{member}", path, fmt, opts))
        odd = folder / "dir with spaces" / f"ünïcødé 模型 {fmt}{suffix}"
        odd.parent.mkdir(exist_ok=True)
        shutil.copyfile(src, odd)
        shutil.copyfile(formats["module"], odd.parent / "mlp.py")
        cases.append(Case(f"{fmt}-odd-path", odd, fmt, opts))
    rng = random.Random(10)
    for suffix in SUFFIXES:
        tag = suffix.lstrip(".") or "nosuffix"
        noise = folder / f"random_{tag}{suffix}"
        noise.write_bytes(rng.randbytes(4096))
        cases.append(Case(f"random-{tag}", noise, "random", ("--trust",)))
        empty = folder / f"empty_{tag}{suffix}"
        empty.write_bytes(b"")
        cases.append(Case(f"empty-{tag}", empty, "empty"))
    cases += _odd_files(folder, sources["export"].read_bytes())
    return cases


def _odd_files(folder: Path, export: bytes) -> list[Case]:
    """A directory, a missing file, 2 GB sparse files, a named pipe."""
    cases = []
    for suffix in (".pt", ".py"):
        d = folder / f"a_directory{suffix}"
        d.mkdir(exist_ok=True)
        cases.append(Case(f"directory{suffix}", d, "directory"))
    cases.append(Case("missing", folder / "no_such_file.pt", "missing"))
    for name, head in (("sparse.pt", b""), ("sparse.py", b""), ("sparse_head.pt2", export)):
        path = folder / name
        with path.open("wb") as f:
            f.write(head)
            f.truncate(SPARSE_SIZE)  # a hole: no disk used
        cases.append(Case(f"sparse-{name}", path, "sparse", ("--trust",)))
    fifo = folder / "named_pipe.pt"
    if hasattr(os, "mkfifo") and not fifo.exists():
        os.mkfifo(fifo)
    cases.append(Case("fifo", fifo, "fifo"))
    return cases


def _truncations(size: int) -> list[int]:
    cuts = {1 << k for k in range(size.bit_length()) if (1 << k) < size}
    cuts |= {size // 2, size - 1}
    return sorted(cuts)


def _flip_offsets(size: int) -> list[int]:
    return sorted({size * (k + 1) // (FLIPS + 1) for k in range(FLIPS)})


def _members(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as z:
        return [n.split("/", 1)[1] for n in z.namelist() if "/" in n]


def _without_member(src: Path, dst: Path, member: str) -> None:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_STORED) as zout:
        for info in zin.infolist():
            if info.filename.split("/", 1)[-1] != member:
                zout.writestr(info, zin.read(info))
