"""Ctrl-C on `graphviewer inspect`: status 130 and one line, whenever it lands — while torch
imports, while the file loads, inside the user's forward — 20 tries out of 20."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

SLOW = """
import torch
from torch import nn


class Slow(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 4)

    def forward(self, x):
        for _ in range(200_000):  # a long Python loop of small ops: minutes
            x = torch.tanh(self.fc(x))
        return x


def build_model():
    return Slow()


def example_input():
    return torch.randn(2, 4)
"""

TRIES = 20


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT is POSIX")
def test_ctrl_c_exits_130_every_time(tmp_path: Path) -> None:
    model = tmp_path / "slow.py"
    model.write_text(SLOW)
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    outcomes = []
    for k in range(TRIES):
        # From just after the interpreter started (under 0.5 s no Python code of ours has run
        # yet: a Ctrl-C there is the interpreter's own) to deep in the forward.
        delay = 0.5 + 3.5 * k / (TRIES - 1)
        proc = subprocess.Popen(
            [sys.executable, "-m", "graphviewer", "inspect", str(model), "--timeout", "0"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            env=env,
        )
        time.sleep(delay)
        proc.send_signal(signal.SIGINT)
        try:
            _, err = proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            _, err = proc.communicate()
        text = err.decode(errors="replace")
        outcomes.append((round(delay, 2), proc.returncode, text.strip().splitlines()[-1:]))
        assert proc.returncode == 130, f"slow.py, Ctrl-C after {delay:.2f} s: {outcomes[-1]}"
        assert "Traceback" not in text, f"slow.py, Ctrl-C after {delay:.2f} s:\n{text}"
        assert text.strip().endswith("graphviewer: interrupted"), text
