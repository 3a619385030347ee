"""Scripts that train at top level: stopped at their first forward, unless asked to run to the end.

A tutorial builds its model and runs thousands of optimisation steps at module level; the graph
must appear in seconds, from the model as the script built it and the inputs of that call.
"""

from __future__ import annotations

import textwrap
import threading
import time
from pathlib import Path

import pytest
import torch

from graphviewer.cli import main
from graphviewer.core.capture import capture_graph
from graphviewer.core.jobs import run_job
from graphviewer.core.model_file import load_model_file

TRAINS = """
import torch
from torch import nn

torch.manual_seed(0)

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(10, 64)
        self.fc2 = nn.Linear(64, 1)

    def forward(self, x, scale=1.0):
        return self.fc2(torch.relu(self.fc1(x))) * scale

model = Net()
first_weight = model.fc1.weight.detach().clone()
optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
criterion = nn.MSELoss()
data = torch.randn(32, 10)
target = torch.randn(32, 1)
for step in range({steps}):
    try:
        optimizer.zero_grad()
        out = model(data, scale=2.0)
        loss = criterion(out, target)
        loss.backward()
        optimizer.step()
    except Exception:
        pass  # a script's own handler must not swallow the stop
print("trained", step)
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(text))
    return path


def test_training_script_stops_at_its_first_forward(tmp_path: Path) -> None:
    path = write(
        tmp_path, "train.py", TRAINS.format(steps=5000) + "time_sink = sum(range(3 * 10**8))\n"
    )
    start = time.perf_counter()
    spec = load_model_file(path)
    assert time.perf_counter() - start < 30, "the script ran on past its first forward"
    assert type(spec.model).__name__ == "Net"
    assert tuple(spec.args[0].shape) == (32, 10) and dict(spec.kwargs) == {"scale": 2.0}
    assert spec.notice == (
        "stopped the script at its first forward of Net (line 25); "
        "pass --run-script to run it to its end"
    )
    assert "trained" not in spec.log
    # The model is as the script built it: no optimisation step ran.
    torch.manual_seed(0)
    rebuilt = torch.nn.Linear(10, 64)
    assert torch.equal(spec.model.fc1.weight, rebuilt.weight)  # type: ignore[union-attr]
    snapshot = run_job(capture_graph(spec, "train"))
    assert {"fc1", "fc2"} <= set(snapshot.modules)


def test_run_script_runs_a_short_loop_to_its_end(tmp_path: Path) -> None:
    path = write(tmp_path, "train.py", TRAINS.format(steps=3))
    stages: list[str] = []
    spec = load_model_file(path, run_script=True, report=lambda p: stages.append(p.stage))
    assert "trained 2" in spec.log and not spec.notice
    assert stages[0] == "running train.py to its end"
    # After training the model's weights moved: it is the trained one the namespace holds.
    torch.manual_seed(0)
    untrained = torch.nn.Linear(10, 64)
    assert not torch.equal(spec.model.fc1.weight, untrained.weight)  # type: ignore[union-attr]


def test_first_forward_under_no_grad_is_said(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "evaluate.py",
        """
        import torch
        from torch import nn

        model = nn.Sequential(nn.Linear(3, 3), nn.ReLU())
        with torch.no_grad():
            for _ in range(10**9):
                y = model(torch.ones(2, 3))
        """,
    )
    spec = load_model_file(path)
    assert "which it ran under no_grad" in spec.notice and "(line 8)" in spec.notice
    assert torch.is_grad_enabled()
    snapshot = run_job(capture_graph(spec, "train"))
    assert snapshot.num_nodes > 0  # captured with autograd on all the same


def test_probe_of_a_part_and_library_calls_do_not_stop(tmp_path: Path) -> None:
    # `model.fc(x)` probes a part of the model; a weightless transform is no model either.
    path = write(
        tmp_path,
        "probe.py",
        """
        import torch
        from torch import nn

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(4, 4)

            def forward(self, x):
                return self.fc(x).tanh()

        model = Net()
        x = torch.randn(2, 4)
        print("part", model.fc(x).shape)
        x = nn.Flatten()(x)
        out = model(x)
        """,
    )
    spec = load_model_file(path)
    assert type(spec.model).__name__ == "Net" and "part torch.Size([2, 4])" in spec.log
    assert "(line 17)" in spec.notice


def test_forward_called_from_a_helper_module_is_the_users(tmp_path: Path) -> None:
    write(
        tmp_path, "loops.py", "def train(model, x):\n    for _ in range(10**9):\n        model(x)\n"
    )
    path = write(
        tmp_path,
        "main.py",
        """
        import torch
        from torch import nn
        from loops import train

        model = nn.Linear(2, 2)
        train(model, torch.ones(1, 2))
        """,
    )
    spec = load_model_file(path)
    assert "(loops.py:3)" in spec.notice


def test_other_threads_forwards_are_not_caught(tmp_path: Path) -> None:
    # The hook is for the script's thread: a model called meanwhile elsewhere runs untouched.
    other = torch.nn.Linear(2, 2)
    done: list[torch.Tensor] = []
    path = write(
        tmp_path,
        "slow.py",
        """
        import time
        import torch
        from torch import nn

        time.sleep(0.5)
        model = nn.Linear(2, 2)
        model(torch.ones(1, 2))
        """,
    )
    thread = threading.Thread(
        target=lambda: [done.append(other(torch.ones(1, 2))) for _ in range(50)]
    )
    thread.start()
    spec = load_model_file(path)
    thread.join(10)
    assert len(done) == 50 and spec.notice


def test_cli_says_it_stopped_the_script(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = str(write(tmp_path, "train.py", TRAINS.format(steps=5000)))
    assert main(["inspect", path]) == 0
    out = capsys.readouterr().out
    assert "stopped the script at its first forward of Net (line 25)" in out
    assert main(["inspect", path, "--json"]) == 0
    assert "graphviewer: stopped the script" in capsys.readouterr().err
    short = str(write(tmp_path, "short.py", TRAINS.format(steps=2)))
    assert main(["inspect", short, "--run-script"]) == 0
    captured = capsys.readouterr()
    assert "running short.py to its end (--run-script)" in captured.err
    assert "trained 1" in captured.err and "stopped the script" not in captured.out
