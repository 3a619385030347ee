"""Progress on a terminal for work over a second; nothing in a pipe or with --quiet."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
import time
from pathlib import Path

import pytest

SLOWISH = """
import time

import torch
from torch import nn


class Blocks(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = nn.ModuleList(nn.Linear(8, 8) for _ in range(40))

    def forward(self, x):
        time.sleep(2.0)  # the forward outlasts the bar's one-second delay on any machine
        for _ in range(60):  # small ops, module by module
            for layer in self.layers:
                x = torch.tanh(layer(x))
        return x


def build_model():
    return Blocks()


def example_input():
    return torch.randn(2, 8)
"""


@pytest.fixture
def slowish(tmp_path: Path) -> Path:
    path = tmp_path / "slowish.py"
    path.write_text(SLOWISH)
    return path


def _env() -> dict[str, str]:
    return {**os.environ, "QT_QPA_PLATFORM": "offscreen", "COLUMNS": "100"}


def _on_a_terminal(*args: str) -> tuple[int, str]:
    """Run graphviewer with its standard error on a pseudo-terminal; what the terminal showed."""
    leader, follower = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "graphviewer", *args],
        stdout=subprocess.DEVNULL,
        stderr=follower,
        env=_env(),
    )
    os.close(follower)
    seen = b""
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # the process closed the terminal
            break
        if not chunk:
            break
        seen += chunk
    os.close(leader)
    return proc.wait(timeout=30), seen.decode(errors="replace")


@pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX")
def test_cli_progress_on_a_terminal(slowish: Path) -> None:
    code, shown = _on_a_terminal("inspect", str(slowish), "--json")
    assert code == 0, shown
    assert "graphviewer: running forward" in shown, shown
    assert "/42 modules [" in shown  # the root, its ModuleList and 40 layers, counted


@pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX")
def test_cli_progress_quiet_on_a_terminal(slowish: Path) -> None:
    code, shown = _on_a_terminal("inspect", str(slowish), "--json", "--quiet")
    assert code == 0, shown
    assert "running forward" not in shown, shown


def test_cli_progress_not_in_a_pipe(slowish: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "graphviewer", "inspect", str(slowish), "--json"],
        capture_output=True,
        env=_env(),
        timeout=240,
    )
    assert done.returncode == 0, done.stderr.decode()
    assert b"running forward" not in done.stderr and b"\r" not in done.stderr
