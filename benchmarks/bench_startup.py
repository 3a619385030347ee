"""First run against later runs: `inspect` end to end and the window's launch to first frame.

    .venv/bin/python benchmarks/bench_startup.py [--repeat N] [--model mlp.py]

"First run" is a process with an empty numba cache (NUMBA_CACHE_DIR points at a new folder), as
on a machine where the statistics kernels were never compiled; "later" runs reuse that cache.
Each line gives the wall time from spawning the process to its exit and the stages the process
reported: the kernels' compile must appear as its own stage and never inside "forward".
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXE = str(Path(sys.executable).with_name("graphviewer"))


def _run(args: list[str], env: dict[str, str]) -> tuple[float, str]:
    start = time.perf_counter()
    out = subprocess.run(
        [EXE, *args], env=env, capture_output=True, text=True, timeout=600, check=True
    )
    return time.perf_counter() - start, out.stdout


def _stages(stdout: str) -> str:
    """The `(forward 12 ms, walk 1 ms)` of inspect's first line, or the window's first frame."""
    first = stdout.splitlines()[0] if stdout else ""
    found = re.search(r"\(([^()]*ms[^()]*)\)", first)
    if found:
        return found.group(1)
    frame = next((s for s in stdout.splitlines() if s.startswith("first frame")), "")
    return frame


def bench(model: str, repeat: int) -> None:
    sample = str(ROOT / "samples" / model)
    cases = [
        ("inspect", ["inspect", sample]),
        ("window first frame", [sample]),
    ]
    base = dict(os.environ, QT_QPA_PLATFORM="offscreen", HF_HUB_OFFLINE="1")
    base["GRAPHVIEWER_QUIT_AFTER_FIRST_FRAME"] = "1"
    print(f"{model}: first run (empty kernel cache) and later runs (median of {repeat})")
    for label, args in cases:
        with tempfile.TemporaryDirectory(prefix="gv-numba-") as cache:
            env = dict(base, NUMBA_CACHE_DIR=cache)
            first, first_out = _run(args, env)
            later = [_run(args, env) for _ in range(repeat)]
        wall = statistics.median(t for t, _ in later)
        print(f"  {label:19s} first {first:6.2f} s   later {wall:6.2f} s")
        print(f"  {'':19s}   first: {_stages(first_out)}")
        print(f"  {'':19s}   later: {_stages(later[-1][1])}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--model", default="mlp.py")
    args = parser.parse_args()
    bench(args.model, args.repeat)


if __name__ == "__main__":
    main()
