"""Hostile forwards from the CLI: every case exits 2 with one clear line, or gives a right report.

The corpus (`tests/hostile_corpus.py`) places each misbehaviour in each model shape; every case
runs as `graphviewer inspect` and `graphviewer inspect --json`, each in its own process, within
10 s. A few process-level cases also run as real `python -m graphviewer` processes (exit status
after stray threads, fd 1 under --json, Ctrl-C during a long forward).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.hostile_corpus import HOSTILE, SHAPES, Hostile, case_id, write_case

# The corpus runs once, in the first test's setup: it needs more than the default per-test limit.
pytestmark = pytest.mark.timeout(900)

ROOT = Path(__file__).resolve().parents[1]
LIMIT_S = 10.0
CASES = [(h, shape) for h in HOSTILE for shape in SHAPES]
RUNS = [(h, shape, json_mode) for h, shape in CASES for json_mode in (False, True)]


def _env() -> dict[str, str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT), QT_QPA_PLATFORM="offscreen")
    env.setdefault("HF_HUB_OFFLINE", "1")
    return env


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """Every run of the corpus, done once: {run id: result with stdout, stderr, file, line}."""
    folder = tmp_path_factory.mktemp("hostile")
    cases, meta = [], {}
    for hostile, shape, json_mode in RUNS:
        path, line = write_case(folder, hostile, shape)
        run_id = case_id(hostile, shape) + ("-json" if json_mode else "")
        argv = ["inspect", str(path), *hostile.args, *(["--json"] if json_mode else [])]
        out, err = folder / f"{run_id}.out", folder / f"{run_id}.err"
        cases.append({"id": run_id, "argv": argv, "out": str(out), "err": str(err)})
        meta[run_id] = {"file": path, "line": line, "out": out, "err": err}
    spec = folder / "cases.json"
    spec.write_text(json.dumps({"cases": cases, "limit_s": LIMIT_S}))
    proc = subprocess.run(
        [sys.executable, "-m", "tests.hostile_corpus", str(spec)],
        cwd=folder,  # a case that changes directory changes nothing of the runner's
        env=_env(),
        capture_output=True,
        text=True,
        timeout=LIMIT_S * len(cases) + 120,
    )
    assert proc.returncode == 0, f"tests/hostile_corpus.py: the runner failed: {proc.stderr}"
    results = {r["id"]: r for r in json.loads(proc.stdout.strip().splitlines()[-1])}
    for run_id, m in meta.items():
        r = results[run_id]
        r.update(m)
        r["stdout"] = m["out"].read_text(errors="replace")
        r["stderr"] = m["err"].read_text(errors="replace")
    return results


def check_run(hostile: Hostile, r: dict[str, Any], json_mode: bool) -> None:
    """The contract of one run; each failure names the case and what broke."""
    name = r["file"].name
    what = f"{name} ({hostile.name}{', --json' if json_mode else ''})"
    err, out = r["stderr"], r["stdout"]
    assert r["status"] is not None, f"{what}: still running after {LIMIT_S:g} s (killed)"
    assert r["seconds"] < LIMIT_S, f"{what}: took {r['seconds']} s"
    assert "Traceback" not in err, f"{what}: a traceback on stderr:\n{err[-2000:]}"
    doc = None
    if json_mode and out.strip():
        try:
            doc = json.loads(out)
        except ValueError:
            pytest.fail(f"{what}: stdout is not one JSON document: {out[:300]!r}")
    if hostile.expect == "error":
        assert r["status"] == 2, f"{what}: exit {r['status']}, expected 2; stderr: {err[-800:]}"
        lines = [ln for ln in err.splitlines() if ln.startswith("graphviewer: error:")]
        assert len(lines) == 1, f"{what}: expected one error line, got: {err[-800:]!r}"
        line = lines[0]
        assert name in line, f"{what}: the error line names no file: {line}"
        assert hostile.cause in line, f"{what}: {hostile.cause!r} not in: {line}"
        assert f"{name}:{r['line']}" in line, f"{what}: the line {r['line']} missing: {line}"
        if doc is not None:
            assert doc["failure"] is not None, f"{what}: the JSON has no failure object"
            assert doc["failure"]["source"]["line"] == r["line"], f"{what}: failure line"
    else:
        assert r["status"] == 0, f"{what}: exit {r['status']}, expected 0; stderr: {err[-800:]}"
        assert "graphviewer: error" not in err, f"{what}: an error: {err[-800:]}"
        if json_mode:
            assert doc is not None, f"{what}: no JSON on stdout"
            assert doc["failure"] is None and doc["counts"]["nodes"] == len(doc["nodes"])
            words = json.dumps(doc["warnings"]) + err
        else:
            assert "autograd graph:" in out, f"{what}: no report on stdout: {out[:300]!r}"
            words = out + err
        if hostile.word:
            assert hostile.word in words, f"{what}: no word {hostile.word!r} in the output"


@pytest.mark.parametrize(
    ("hostile", "shape", "json_mode"),
    RUNS,
    ids=[case_id(h, s) + ("-json" if j else "") for h, s, j in RUNS],
)
def test_hostile_forward_from_cli(
    corpus: dict[str, dict[str, Any]], hostile: Hostile, shape: str, json_mode: bool
) -> None:
    check_run(hostile, corpus[case_id(hostile, shape) + ("-json" if json_mode else "")], json_mode)


def test_hostile_corpus_is_large_enough() -> None:
    assert len(CASES) >= 50, f"tests/hostile_corpus.py: only {len(CASES)} cases"


# -- real processes: what only a real `python -m graphviewer` start and exit can show -----------


def _start(path: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "graphviewer", "inspect", str(path), *args],
        cwd=ROOT,
        env=_env(),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _hostile(name: str) -> Hostile:
    return next(h for h in HOSTILE if h.name == name)


@pytest.mark.parametrize("name", ["daemon_thread", "nondaemon_thread"])
def test_cli_exits_promptly_with_its_status_when_the_model_leaves_a_thread(
    tmp_path: Path, name: str
) -> None:
    path, _ = write_case(tmp_path, _hostile(name), "nested")
    start = time.monotonic()
    proc = _start(path)
    out, err = proc.communicate(timeout=60)
    seconds = time.monotonic() - start
    assert proc.returncode == 0, f"{path.name}: exit {proc.returncode} (134 = abort): {err}"
    assert "terminate called" not in err, f"{path.name}: aborted at exit: {err}"
    assert "autograd graph:" in out, f"{path.name}: no report: {out!r}"
    assert "left 1 thread(s) running" in err, f"{path.name}: no word on the thread: {err}"
    assert seconds < 30, f"{path.name}: the exit waited for the thread ({seconds:.0f} s)"


def test_cli_json_survives_writes_to_fd_1_and_a_closed_stdout(tmp_path: Path) -> None:
    source = write_case(tmp_path, _hostile("write_fd1"), "flat")[0].read_text()
    path = tmp_path / "both.py"
    path.write_text(source.replace("# HOSTILE", "# HOSTILE\n        sys.stdout.close()"))
    proc = _start(path, "--json")
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, f"{path.name}: exit {proc.returncode}: {err}"
    doc = json.loads(out)  # the raw bytes went to stderr
    assert doc["counts"]["nodes"] > 0 and "raw bytes on fd 1" in err


def test_cli_ctrl_c_during_a_long_forward_exits_130(tmp_path: Path) -> None:
    path = tmp_path / "spins.py"
    path.write_text(
        write_case(tmp_path, _hostile("loop_forever"), "nested")[0]
        .read_text()
        .replace(
            "while True: pass",  # inside torch when Ctrl-C comes: that used to abort the exit
            "print('spinning', file=sys.stderr, flush=True)\n"
            "        while True: h = torch.ones(64, 64) @ torch.ones(64, 64)",
        )
    )
    proc = _start(path)
    assert proc.stderr is not None
    deadline = time.monotonic() + 60
    line = ""
    while "spinning" not in line and time.monotonic() < deadline:
        line = proc.stderr.readline()
    assert "spinning" in line, f"{path.name}: the forward never started"
    proc.send_signal(signal.SIGINT)
    start = time.monotonic()
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, f"{path.name}: exit {proc.returncode} (134 = abort): {err}"
    assert "interrupted" in err and "Traceback" not in err, f"{path.name}: {err}"
    assert time.monotonic() - start < 10, f"{path.name}: Ctrl-C took too long"


def test_cli_shape_mismatch_sample_reports_up_to_the_failure(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from graphviewer.cli import main

    sample = str(ROOT / "samples" / "shape_mismatch.py")
    assert main(["inspect", sample]) == 2
    out, err = capsys.readouterr()
    assert "autograd graph so far (built before the forward failed): 11 nodes" in out
    assert "fc: (4, 784) → –  [Linear]  ✗ raised here" in out
    assert "forward failed in head.fc (Linear), op linear:" in out
    assert "shapes into the op: (4, 784), (10, 1024), (10,)" in out
    (line,) = err.strip().splitlines()
    assert line.startswith("graphviewer: error: ") and "shape_mismatch.py:25" in line
    assert main(["inspect", sample, "--json", "--no-histograms"]) == 2
    out, err = capsys.readouterr()
    doc = json.loads(out)
    assert doc["failure"]["module"] == "head.fc" and doc["counts"]["nodes"] == 11
    assert "mat1 and mat2 shapes cannot be multiplied" in err
