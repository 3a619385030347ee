"""A failing forward still shows what happened: the partial snapshot `CaptureError` carries."""

from __future__ import annotations

import io
import os
import sys
import time

import pytest
import torch
from torch import nn

from graphviewer.core.capture import capture_graph, capture_model, live_spec
from graphviewer.core.errors import CaptureError
from graphviewer.core.model_file import load_model_file
from graphviewer.core.report import format_report
from graphviewer.core.serialize import snapshot_to_json
from graphviewer.core.types import GraphSnapshot
from graphviewer.core.user_stdio import user_stdio
from graphviewer.core.watchdog import run_watched
from tests.conftest import SAMPLES


def _failure(model: nn.Module, inputs: object) -> CaptureError:
    with pytest.raises(CaptureError) as info:
        capture_model(model, inputs)
    return info.value


def _partial(error: CaptureError) -> GraphSnapshot:
    assert error.snapshot is not None, f"no partial snapshot for: {error}"
    return error.snapshot


def test_partial_capture_shape_mismatch_sample_keeps_graph_module_op_and_shapes() -> None:
    spec = load_model_file(SAMPLES / "shape_mismatch.py")
    with pytest.raises(CaptureError) as info:
        run_watched(capture_graph(spec))
    snap = _partial(info.value)
    failure = snap.failure
    assert failure is not None
    assert failure.module == "head.fc" and failure.op == "linear"
    assert failure.exception == "RuntimeError" and "4x784 and 1024x10" in failure.message
    assert failure.input_shapes == ((4, 784), (10, 1024), (10,))
    assert failure.source is not None and failure.source.line == 25
    assert "self.fc(self.flatten(x))" in failure.source.text
    # The graph up to the failure: two convolutions, their ReLUs and pools, the flatten.
    ops = sorted(n.op for n in snap.nodes.values() if n.kind == "op")
    assert ops.count("convolution") == 2 and ops.count("relu") == 2 and "view" in ops
    assert snap.output_ids == () and not any(n.kind == "output" for n in snap.nodes.values())
    (fed,) = failure.input_nodes
    assert snap.node(fed).op == "view" and snap.node(fed).module == "head.flatten"
    assert snap.modules["features"].output_shapes == ((4, 16, 7, 7),)
    assert snap.modules["head.fc"].input_shapes == ((4, 784),)
    assert snap.modules["head.fc"].output_shapes == ()
    assert "module:features.0" in snap.stats


def test_partial_capture_python_raise_names_the_module_and_its_input() -> None:
    class Picky(nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            raise ValueError("no thanks")

    model = nn.Sequential(nn.Linear(3, 5), nn.Sequential(nn.ReLU(), Picky()))
    error = _failure(model, torch.randn(2, 3))
    failure = _partial(error).failure
    assert failure is not None
    assert failure.module == "1.1" and failure.op is None
    assert failure.input_shapes == ((2, 5),) and failure.message == "ValueError: no thanks"
    assert "forward raised ValueError: no thanks" in str(error)
    assert "raise ValueError" in str(error)
    assert not any(m._forward_hooks or m._forward_pre_hooks for m in model.modules())


def test_partial_capture_report_and_json_show_the_failure() -> None:
    model = nn.Sequential(nn.Linear(4, 6), nn.ReLU(), nn.Linear(5, 2))
    snap = _partial(_failure(model, torch.randn(3, 4)))
    report = format_report(snap)
    assert "autograd graph so far (built before the forward failed)" in report
    assert "2: (3, 6) → –  [Linear]  ✗ raised here" in report
    assert "(root): (3, 4) → –  [Sequential]  (did not return)" in report
    assert "forward failed in 2 (Linear), op linear:" in report
    assert "shapes into the op: (3, 6), (2, 5), (2,)" in report
    doc = snapshot_to_json(snap, histograms=False)
    assert doc["failure"]["module"] == "2" and doc["failure"]["op"] == "linear"
    assert doc["failure"]["input_shapes"] == [[3, 6], [2, 5], [2]]
    assert doc["failure"]["input_nodes"] == [n["id"] for n in doc["nodes"] if n["op"] == "relu"]
    assert doc["failure"]["source"] is None  # torch's own Sequential: no line of user code
    assert doc["counts"]["nodes"] == len(doc["nodes"]) > 0
    ok = snapshot_to_json(capture_model(nn.Linear(2, 2), torch.randn(1, 2)), histograms=False)
    assert ok["failure"] is None


def test_partial_capture_keyboard_interrupt_from_user_code_is_not_ctrl_c() -> None:
    class Interrupts(nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            raise KeyboardInterrupt

    error = _failure(Interrupts(), torch.randn(2))
    assert "forward raised KeyboardInterrupt" in str(error)
    assert "raise KeyboardInterrupt" in str(error) and "not by Ctrl-C" in str(error)


def test_partial_capture_sys_exit_reads_naturally() -> None:
    class Quits(nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            sys.exit(3)

    error = _failure(Quits(), torch.randn(2))
    assert error.cause.startswith("forward called sys.exit(3) (at test_partial_capture.py:")


def test_partial_capture_recursion_is_a_recursion_error_at_the_recursing_line() -> None:
    class Recurses(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.fc = nn.Linear(3, 3)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            x = self.fc(x)
            return self(x)  # the line that recurses

    error = _failure(Recurses(), torch.randn(2, 3))
    assert error.cause.startswith("forward raised RecursionError"), error.cause
    assert "return self(x)  # the line that recurses" in error.cause
    assert "SystemError" not in error.cause


def test_partial_capture_timeout_stops_a_python_loop_at_the_users_line() -> None:
    class Spins(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.fc = nn.Linear(3, 3)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            x = self.fc(x)
            while True:  # the loop that never ends
                pass

    start = time.monotonic()
    with pytest.raises(CaptureError) as info:
        run_watched(capture_graph(live_spec(Spins(), torch.randn(2, 3))), timeout=0.5)
    assert time.monotonic() - start < 10, "the time limit did not stop the forward"
    assert "forward ran longer than 0.5 s (--timeout) and was stopped" in info.value.cause
    assert "while True:  # the loop that never ends" in info.value.cause
    assert _partial(info.value).num_nodes > 0  # the Linear ran before the loop


@pytest.mark.parametrize(
    ("returns", "word"),
    [
        (lambda h: None, "returned no tensor"),
        (lambda h: "text", "returned no tensor"),
        (lambda h: {"a": [1, 2]}, "returned no tensor"),
        (lambda h: h.detach(), "no tensor the forward returned requires grad"),
    ],
    ids=["none", "string", "container", "detached"],
)
def test_capture_empty_graph_says_why(returns: object, word: str) -> None:
    class Odd(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.fc = nn.Linear(3, 3)

        def forward(self, x: torch.Tensor) -> object:
            return returns(self.fc(x))  # type: ignore[operator]

    snap = capture_model(Odd(), torch.randn(2, 3))
    assert snap.num_nodes == 0
    assert [w.kind for w in snap.warnings] == ["empty_graph"]
    assert word in snap.warnings[0].message
    assert not [w for w in capture_model(Odd(), torch.randn(2, 3), "no_grad").warnings]


def test_user_stdio_keeps_the_json_channel_and_gives_no_stdin(
    capfd: pytest.CaptureFixture[str],
) -> None:
    with user_stdio(json_channel=True):
        os.write(1, b"raw\n")
        print("printed")
        with pytest.raises(EOFError):
            input("name? ")
        sys.stdout.close()  # closes the user's stream only
    print("ours")
    out, err = capfd.readouterr()
    assert out == "ours\n", f"user output reached stdout: {out!r}"
    assert "raw" in err and "printed" in err


def test_user_stdio_ends_an_open_prompt_line() -> None:
    err = io.StringIO()
    saved = sys.stderr
    sys.stderr = err
    try:
        with user_stdio():
            print("a prompt without newline: ", end="", file=sys.stderr)
    finally:
        sys.stderr = saved
    assert err.getvalue() == "a prompt without newline: \n"
