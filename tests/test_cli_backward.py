"""`inspect --backward` (table and JSON) and `export --backward-step N`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import SAMPLES
from tests.test_cli import run


def test_inspect_backward_table_reads_the_seed_example(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "inspect", str(SAMPLES / "autograd_scalar.py"), "--backward")
    assert code == 0
    assert "backward (train): loss = 0.49, the output itself (one number); 7 steps" in out
    rows = [line.split() for line in out.splitlines() if line[:4].strip().isdigit()]
    assert [r[2] for r in rows] == [
        "PowBackward0", "AddBackward0", "AccumulateGrad", "SumBackward0", "MulBackward0",
        "AccumulateGrad", "AccumulateGrad",
    ]  # fmt: skip
    assert "[-2.8, -4.2, -5.6]" in out.splitlines()[-1]  # dL/dw, received by w


def test_inspect_json_backward_field(capsys: pytest.CaptureFixture[str]) -> None:
    args = ("inspect", str(SAMPLES / "mlp.py"), "--json", "--backward", "--no-histograms")
    code, out, _ = run(capsys, *args)
    assert code == 0
    doc = json.loads(out)
    back = doc["backward"]
    assert back["loss"]["source"] == "loss_fn(output)"
    node_ids = {n["id"] for n in doc["nodes"]}
    stepped = [s["node"] for s in back["steps"] if s["node"] is not None]
    assert set(stepped) == node_ids
    assert back["steps"][0]["grads_in"][0]["values"] == [1.0]
    assert set(back["leaf_grads"]) >= {"layer1.weight", "layer2.bias"}
    assert all("histogram" not in g for g in back["leaf_grads"].values())


def test_inspect_backward_under_no_grad_says_why(capsys: pytest.CaptureFixture[str]) -> None:
    args = ("inspect", str(SAMPLES / "mlp.py"), "--backward", "--mode", "no_grad")
    code, _, err = run(capsys, *args)
    assert code == 2
    assert "under no_grad" in err and err.count("\n") == 1


def test_export_backward_step(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out = tmp_path / "step.svg"
    code, _, _ = run(
        capsys,
        "export",
        str(SAMPLES / "autograd_scalar.py"),
        "--backward-step",
        "4",
        "-o",
        str(out),
    )
    assert code == 0 and out.exists()
    svg = out.read_text()
    assert "backward step 4 of 7: SumBackward0" in svg and "step 4" in svg
    code, _, err = run(
        capsys,
        "export",
        str(SAMPLES / "autograd_scalar.py"),
        "--backward-step",
        "9",
        "-o",
        str(out),
    )
    assert code == 2 and "the backward has 7 steps" in err
