"""The generated bad-file corpus through the CLI: each file is a clear error or a correct graph.

`file_corpus.build_corpus` makes ~260 files from every saved format (truncations, byte and bit
flips, removed zip members, random bytes and empty files with every suffix, odd paths, 2 GB
sparse files, a directory, a named pipe). Each runs through `graphviewer.cli.main` in-process,
plain and `--json`: exit 2 with one line on stderr naming the file and no traceback (and
nothing on stdout with `--json`), or exit 0 with the undamaged file's node count; within 10 s.
A few run in a subprocess, for the real exit status and stdout (and the pipe, which must not
hang the process).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import pickletools
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import torch

from graphviewer.cli import main
from graphviewer.core.errors import ModelLoadError
from graphviewer.core.model_file import load_model_file
from tests.core.file_corpus import Case, build_corpus

ROOT = Path(__file__).resolve().parents[2]
GROUPS = ("python", "full", "state_dict", "script", "export", "random", "empty", "other")
LIMIT_S = 10.0


@pytest.fixture(scope="module")
def corpus(saved_formats: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> list[Case]:
    return build_corpus(saved_formats, tmp_path_factory.mktemp("corpus"))


@pytest.fixture(scope="module")
def reference_nodes(saved_formats: dict[str, Path]) -> dict[str, int]:
    """The node count each undamaged format gives (what a damaged file that loads must give)."""
    counts = {}
    sources = {"python": "module", "full": "full", "script": "script", "export": "export"}
    for fmt, key in sources.items():
        out = io.StringIO()
        args = ["inspect", str(saved_formats[key]), "--json", "--trust", "--input-shape", "16,20"]
        with _redirected(out, io.StringIO()):
            assert main(args) == 0
        counts[fmt] = json.loads(out.getvalue())["counts"]["nodes"]
    return counts


def _group(case: Case) -> str:
    return case.fmt if case.fmt in GROUPS else "other"


@contextlib.contextmanager
def _redirected(out: io.StringIO, err: io.StringIO) -> Iterator[None]:
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        yield


def _problem(case: Case, as_json: bool, expected_nodes: int | None) -> str:
    """What is wrong with the CLI's answer on `case` ("" when it is right)."""
    out, err = io.StringIO(), io.StringIO()
    argv = ["inspect", str(case.path), *case.args, *(["--json"] if as_json else [])]
    start = time.monotonic()
    code: int | str
    with _redirected(out, err):
        try:
            code = main(argv)
        except BaseException as exc:  # the finding is that it escaped main()
            code = f"{type(exc).__name__} escaped main(): {exc}"
    seconds = time.monotonic() - start
    stdout, stderr = out.getvalue(), err.getvalue()
    where = f"{case.name}{' --json' if as_json else ''}"
    if seconds > LIMIT_S:
        return f"{where}: took {seconds:.1f} s (limit {LIMIT_S:.0f} s)"
    if code == 2:
        lines = stderr.strip().splitlines()
        if len(lines) != 1 or "Traceback" in stderr:
            return f"{where}: exit 2 with {len(lines)} stderr lines: {stderr[-300:]!r}"
        if not lines[0].startswith(f"graphviewer: error: {case.path}: "):
            return f"{where}: the error line does not name the file first: {lines[0]!r}"
        if as_json and stdout and not _is_failure_document(stdout):
            return f"{where}: exit 2 with output on stdout: {stdout[:100]!r}"
        return ""
    if code != 0:
        return f"{where}: exit {code}: {stderr.strip()[-300:]!r}"
    if expected_nodes is None:
        return f"{where}: exit 0 for a file that has no graph"
    if as_json:
        try:
            nodes = json.loads(stdout)["counts"]["nodes"]
        except (ValueError, KeyError) as exc:
            return f"{where}: exit 0 but stdout is no snapshot JSON ({exc})"
    else:
        nodes = expected_nodes if f"autograd graph: {expected_nodes} nodes" in stdout else -1
    if nodes != expected_nodes:
        return f"{where}: loaded, but the graph differs from the undamaged file's"
    return ""


@pytest.mark.parametrize("as_json", [False, True], ids=["plain", "json"])
@pytest.mark.parametrize("group", GROUPS)
def test_corpus_file_is_a_clear_error_or_a_right_graph(
    group: str, as_json: bool, corpus: list[Case], reference_nodes: dict[str, int]
) -> None:
    cases = [c for c in corpus if _group(c) == group and c.fmt != "fifo"]
    assert cases, f"no corpus files in group {group}"
    problems = [p for c in cases if (p := _problem(c, as_json, reference_nodes.get(c.fmt)))]
    assert not problems, f"{len(problems)} of {len(cases)} files:\n" + "\n".join(problems)


def test_corpus_is_big_enough(corpus: list[Case]) -> None:
    assert len(corpus) >= 200, f"only {len(corpus)} corpus files"
    for kind in ("-trunc", "-flip", "-bit", "-drop:", "-odd-path", "random-", "empty-", "sparse-"):
        assert any(kind in c.name for c in corpus), f"no {kind} files in the corpus"


@pytest.mark.parametrize("name", ["fifo", "export-drop:archive_version"])
def test_corpus_sample_in_a_real_process(name: str, corpus: list[Case]) -> None:
    """The real exit status, stdout and stderr (torch's own log handlers write to the process's
    stderr, which in-process capture does not see); a named pipe must not block."""
    case = next(c for c in corpus if c.name == name)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "graphviewer", "inspect", str(case.path), "--json", *case.args],
        capture_output=True,
        text=True,
        timeout=120,  # the interpreter and torch start slowly on a busy machine
        env=env,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 2 and done.stdout == "", (done.returncode, done.stdout[:200])
    assert done.stderr.count("\n") == 1 and str(case.path) in done.stderr, done.stderr
    assert "warnings above" not in done.stderr, done.stderr


def _long_memo_put(stream: io.BytesIO, pickles: int) -> int:
    """The offset of the first 4-byte memo index in the first `pickles` pickles of `stream`."""
    for _ in range(pickles):
        for op, _arg, pos in pickletools.genops(stream):
            if op.name == "LONG_BINPUT":
                return pos
    raise AssertionError("no LONG_BINPUT: the model is too small to need 4-byte memo indices")


@pytest.mark.parametrize("zipped", [True, False], ids=["zip", "legacy"])
def test_flipped_memo_index_in_a_trusted_pickle_is_refused_at_once(
    zipped: bool, tmp_path: Path
) -> None:
    """One flipped bit in a LONG_BINPUT index used to make the unpickler allocate gigabytes
    (this flip: about 1 GB; a flip one bit higher took 52 s and 8.7 GB)."""
    src = tmp_path / "deep.pt"
    model = torch.nn.Sequential(*[torch.nn.Linear(4, 4) for _ in range(40)])
    torch.save(model, src, _use_new_zipfile_serialization=zipped)
    bad = tmp_path / "deep_flipped.pt"
    if zipped:
        with zipfile.ZipFile(src) as z:
            members = {i.filename: z.read(i) for i in z.infolist()}
        name = next(n for n in members if n.endswith("/data.pkl"))
        data = bytearray(members[name])
        at = _long_memo_put(io.BytesIO(bytes(data)), 1)
        data[at + 4] ^= 0x04  # the index's high byte
        with zipfile.ZipFile(bad, "w", zipfile.ZIP_STORED) as z:
            for member, content in members.items():
                z.writestr(member, bytes(data) if member == name else content)
    else:
        data = bytearray(src.read_bytes())
        at = _long_memo_put(io.BytesIO(bytes(data)), 5)
        data[at + 4] ^= 0x04
        bad.write_bytes(bytes(data))
    start = time.monotonic()
    with pytest.raises(ModelLoadError, match=r"damaged pickle: memo index 67,1\d\d,\d+ at byte"):
        load_model_file(bad, trust=True, input_shape=(2, 4))
    assert time.monotonic() - start < LIMIT_S


def test_a_file_cut_inside_its_magic_bytes_is_called_truncated(corpus: list[Case]) -> None:
    """1 and 2 bytes of a zip or a pickle used to be called "a text file"."""
    cut = [c for c in corpus if c.name.endswith(("-trunc1", "-trunc2")) and c.fmt != "python"]
    assert len(cut) == 8
    for case in cut:
        with pytest.raises(ModelLoadError, match="is truncated"):
            load_model_file(case.path, trust=True)


def _is_failure_document(stdout: str) -> bool:
    """A forward that failed (a flipped bit in a script can make one) prints what it built up
    to the failure: one JSON document with a `failure` object."""
    try:
        doc = json.loads(stdout)
    except ValueError:
        return False
    return isinstance(doc, dict) and isinstance(doc.get("failure"), dict)
