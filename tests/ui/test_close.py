"""Closing the real window while a capture, a layout or an export runs: a quick, quiet exit."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
QT_NOISE = ("This plugin does not support propagateSizeHints()",)  # the offscreen platform


@pytest.mark.slow
@pytest.mark.parametrize("phase", ["capture", "layout", "export"])
def test_closing_mid_job_exits_within_2_s_quietly(phase: str, tmp_path: Path) -> None:
    env = dict(os.environ, PYTHONPATH=str(ROOT), XDG_STATE_HOME=str(tmp_path))
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.ui.close_driver", phase],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()  # blocks until the driver closes the window
        closed_at = time.monotonic()
        assert line == "closing\n", f"close_driver.py {phase}: {line!r}"
        status = proc.wait(timeout=30)
        seconds = time.monotonic() - closed_at
    finally:
        if proc.poll() is None:
            proc.kill()
    out, err = proc.communicate()
    noise = [s for s in err.splitlines() if s.strip() and s.strip() not in QT_NOISE]
    assert status == 0, f"close_driver.py {phase}: exit status {status}: {err[-2000:]}"
    assert not noise and not out, f"close_driver.py {phase}: stray output {out!r} {noise}"
    log = (tmp_path / "graphviewer" / "graphviewer.log").read_text()
    assert seconds < 2.0, f"close_driver.py {phase}: {seconds:.1f} s from close to exit\n{log}"
    assert (tmp_path / "graphviewer" / "graphviewer.log").exists()
