"""The hostile-forward corpus: generated model files whose forward misbehaves, and their runner.

Each case is one misbehaviour (`HOSTILE`) placed in one model shape (`SHAPES`): the line that
misbehaves sits in a module's `forward`, marked `# HOSTILE`. `python -m tests.hostile_corpus
CASES.json` runs `graphviewer inspect` on every case, each in its own process forked from one
that has imported torch and graphviewer and run them once (a real process start costs ~3 s
here, a fork a fraction of it), with stdin at /dev/null, stdout and stderr in files, and a time
limit; it prints the results as one JSON list. The child ends as a real process ends
(interpreter shutdown, atexit, waiting for non-daemon threads), so exit hangs and aborts show.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Hostile:
    """One misbehaviour: the forward line, and what `inspect` must make of it.

    `expect` is "error" (exit 2, one line naming the file, `cause` and the line) or "ok" (exit 0,
    a report; `word` must appear in it or on stderr: the word on anything surprising)."""

    name: str
    line: str
    expect: str
    cause: str = ""
    word: str = ""
    args: tuple[str, ...] = ()


HOSTILE: tuple[Hostile, ...] = (
    Hostile("raise_value_error", "raise ValueError('bad value')", "error", "ValueError: bad value"),
    Hostile("sys_exit", "sys.exit(3)", "error", "forward called sys.exit(3)"),
    Hostile("keyboard_interrupt", "raise KeyboardInterrupt", "error", "raised KeyboardInterrupt"),
    # Plain Python recursion: recursion through module calls (hooks, statistics) is covered by
    # tests/core/test_partial_capture.py; here it would cost seconds of ops and JSON per run.
    Hostile("recursion", "h = (lambda f: f(f))(lambda f: f(f))", "error", "RecursionError"),
    Hostile("huge_alloc", "h = h + torch.empty(10**12)", "error", "allocate 4000000000000 bytes"),
    Hostile("million_lines", "print('spam\\n' * 10**6, end='')", "ok"),
    Hostile("chdir", "os.chdir('/')", "ok"),
    Hostile("thread_finished", "threading.Thread(target=lambda: None).start()", "ok"),
    Hostile(
        "daemon_thread",
        # Still inside torch when Python shuts down: it used to abort the exit (SIGABRT).
        "threading.Thread(target=lambda: [torch.ones(64, 64) @ torch.ones(64, 64)"
        " for _ in range(10**9)], daemon=True).start()",
        "ok",
        word="left 1 thread(s) running",
    ),
    Hostile(
        "nondaemon_thread",
        "threading.Thread(target=time.sleep, args=(60,)).start()",
        "ok",
        word="left 1 thread(s) running",
    ),
    Hostile("return_none", "return None", "ok", word="returned no tensor"),
    Hostile("return_string", "return 'a string'", "ok", word="returned no tensor"),
    Hostile("return_nested", "return {'a': [h, (h * 2, None)], 'b': 'text'}", "ok"),
    Hostile("return_no_grad", "return h.detach()", "ok", word="requires grad"),
    Hostile("write_fd1", "os.write(1, b'raw bytes on fd 1\\n')", "ok"),
    Hostile("close_stdout", "sys.stdout.close()", "ok"),
    Hostile("read_stdin", "input('your name? ')", "error", "EOFError"),
    Hostile(
        "loop_forever",
        "while True: pass",
        "error",
        "ran longer than 2 s (--timeout) and was stopped",
        args=("--timeout", "2"),
    ),
)

_HEADER = """\
import os
import sys
import threading
import time

import torch
from torch import nn
"""

SHAPES: dict[str, str] = {
    # The misbehaving line in the root module's forward, after a Linear.
    "flat": """
class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(6, 4)

    def forward(self, x):
        h = self.fc(x)
        {line}  # HOSTILE
        return h


def build_model():
    return Model()


def example_input():
    return torch.randn(3, 6)
""",
    # In a submodule two levels down, between its own layers.
    "nested": """
class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 8)

    def forward(self, x):
        h = torch.relu(self.fc(x))
        {line}  # HOSTILE
        return h


class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Linear(5, 8)
        self.body = nn.Sequential(Block())

    def forward(self, x):
        return self.body(self.stem(x))


def build_model():
    return Model()


def example_input():
    return torch.randn(2, 5)
""",
    # After convolution and pooling, before the features are flattened.
    "conv": """
class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 4, 3, padding=1)
        self.pool = nn.MaxPool2d(2)

    def forward(self, x):
        h = self.pool(torch.relu(self.conv(x))).flatten(1)
        {line}  # HOSTILE
        return h


def build_model():
    return Model()


def example_input():
    return torch.randn(2, 1, 8, 8)
""",
}


def case_id(hostile: Hostile, shape: str) -> str:
    return f"{hostile.name}-{shape}"


def write_case(folder: Path, hostile: Hostile, shape: str) -> tuple[Path, int]:
    """Write one case's model file; return it and the 1-based number of its hostile line."""
    source = _HEADER + SHAPES[shape].format(line=hostile.line)
    path = folder / f"{case_id(hostile, shape).replace('-', '_')}.py"
    path.write_text(source)
    line = next(i for i, text in enumerate(source.splitlines(), 1) if text.endswith("# HOSTILE"))
    return path, line


# -- the runner (python -m tests.hostile_corpus CASES.json) --------------------------------------


def _run_child(argv: list[str], out: str, err: str) -> None:
    """In the forked child: run the CLI as the process, then end as a process ends."""
    fd_in = os.open(os.devnull, os.O_RDONLY)
    os.dup2(fd_in, 0)
    for fd, name in ((1, out), (2, err)):
        target = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
        os.dup2(target, fd)
        os.close(target)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    from graphviewer.cli import main

    sys.argv = ["graphviewer", *argv]
    sys.exit(main())  # unwinds to the interpreter's own exit: atexit, thread joins, finalizers


def run_cases(cases: list[dict[str, Any]], limit_s: float, jobs: int = 2) -> list[dict[str, Any]]:
    """Fork one child per case, `jobs` at a time; kill any still running after `limit_s`."""
    results: dict[str, dict[str, Any]] = {}
    running: dict[int, tuple[str, float]] = {}  # pid -> case id, start
    queue = list(cases)
    while queue or running:
        while queue and len(running) < jobs:
            case = queue.pop(0)
            sys.stdout.flush()
            sys.stderr.flush()
            pid = os.fork()
            if pid == 0:
                try:
                    _run_child(case["argv"], case["out"], case["err"])
                except SystemExit:
                    raise
                except BaseException:  # the runner itself failed in the child: exit 99
                    import traceback

                    traceback.print_exc()
                    os._exit(99)
            running[pid] = (case["id"], time.monotonic())
        time.sleep(0.02)
        for pid, (run_id, start) in list(running.items()):
            done, raw = os.waitpid(pid, os.WNOHANG)
            status: int | None
            if done:
                status = os.waitstatus_to_exitcode(raw)
            elif time.monotonic() - start > limit_s:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                status = None
            else:
                continue
            del running[pid]
            seconds = round(time.monotonic() - start, 2)
            results[run_id] = {"id": run_id, "status": status, "seconds": seconds}
    return [results[c["id"]] for c in cases]


def _warm_up(folder: Path) -> None:
    """Import and run everything once before the forks, so that no child pays for it: torch's
    first op, the statistics kernels. torch is held to one thread first: a fork must not inherit
    a running OpenMP pool."""
    import contextlib
    import io

    import torch

    from graphviewer.cli import main

    torch.set_num_threads(1)
    torch.set_num_interop_threads(1)
    warm = folder / "warm_up.py"
    warm.write_text(_HEADER + SHAPES["conv"].format(line="pass"))
    with contextlib.redirect_stdout(io.StringIO()):
        for json_flag in ([], ["--json"]):
            main(["inspect", str(warm), *json_flag])


if __name__ == "__main__":
    spec = json.loads(Path(sys.argv[1]).read_text())
    _warm_up(Path(sys.argv[1]).parent)
    print(json.dumps(run_cases(spec["cases"], spec["limit_s"])))
