"""`inspect --compare A B` (text and JSON) and `export --compare A B`: the modes side by side."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from graphviewer.cli import main

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
MLP = str(SAMPLES / "mlp.py")


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_inspect_compare_prints_what_changes(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "inspect", MLP, "--compare", "train", "eval")
    assert code == 0, err
    assert "autograd nodes: train 13, eval 12" in out
    assert "only in train: 1\n  n8  mul (MulBackward0) in drop1" in out
    assert "only in eval: none" in out
    assert "bn1 (BatchNorm1d)" in out and "unchanged: layer1" in out
    assert "train: zeroed" in out and "(1/(1−p) = 1.25)" in out
    assert "eval: off, every unit passes unchanged" in out
    assert "normalises with the batch's statistics" in out
    assert "normalises with the running statistics" in out
    assert "(momentum 0.1)" in out
    assert "eval and no_grad outputs: allclose" in out
    assert "no_grad: 0 autograd nodes, so the 16.5 KB of saved tensors" in out


def test_inspect_compare_json_has_the_compare_object(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "inspect", MLP, "--compare", "train", "eval", "--json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["mode"] == "train" and doc["counts"]["nodes"] == 13
    c = doc["compare"]
    assert (c["a"], c["b"], c["nodes"]) == ("train", "eval", {"train": 13, "eval": 12})
    assert c["only"] == [
        {"mode": "train", "id": "n8", "op": "mul", "backward_class": "MulBackward0",
         "module": "drop1"}
    ]  # fmt: skip
    by_path = {m["path"]: m for m in c["modules"]}
    assert by_path["bn1"]["changed"] and not by_path["layer1"]["changed"]
    assert c["dropout"]["drop1"]["train"]["expected_scale"] == pytest.approx(1.25)
    bn = c["batchnorm"]["bn1"]
    assert bn["train"]["uses"] == "batch" and bn["eval"]["uses"] == "running"
    assert len(bn["train"]["batch_mean"]) == 64 and bn["train"]["max_move"] > 0
    assert c["eval_no_grad"]["allclose"] is True
    assert c["no_grad_unsaved_bytes"] == 16896


def test_export_compare_draws_the_marked_graph(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, qapp: object
) -> None:
    # `qapp`: the QApplication comes first (the CLI alone makes a QGuiApplication)
    out_file = tmp_path / "diff.svg"
    code, out, err = run(capsys, "export", MLP, "--compare", "train", "eval", "-o", str(out_file))
    assert code == 0, err
    assert out.startswith(f"wrote {out_file}")
    svg = out_file.read_text()
    assert "train only" in svg and "Δ 1.49 · 45.8%" in svg
    assert "compared with eval" in svg


def test_export_compare_of_one_mode_with_itself_is_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, _, err = run(
        capsys, "export", MLP, "--compare", "eval", "eval", "-o", str(tmp_path / "x.svg")
    )
    assert code == 2 and "two different modes" in err


def test_inspect_compare_rejects_an_unknown_mode(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["inspect", MLP, "--compare", "train", "test"])
    assert exit_.value.code == 2
    assert "invalid choice: 'test'" in capsys.readouterr().err


def test_inspect_compare_of_a_failing_forward_names_the_mode(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, _, err = run(capsys, "inspect", str(SAMPLES / "forward_raises.py"), "--compare",
                       "train", "eval")  # fmt: skip
    assert code == 2
    assert "forward_raises.py: in train mode: forward raised RuntimeError: mat1 and mat2" in err


def test_inspect_compare_of_a_plain_autograd_script_says_why_not(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, _, err = run(capsys, "inspect", str(SAMPLES / "autograd_scalar.py"), "--compare",
                       "train", "eval")  # fmt: skip
    assert code == 2 and "there is no nn.Module to switch between modes" in err


def test_inspect_compare_without_weights_compares_no_values(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run(capsys, "inspect", MLP, "--compare", "train", "eval", "--device", "meta")
    assert code == 0, err
    assert "only in train: 1" in out  # the graphs differ all the same
    assert "module outputs: none could be compared (no values" in out
    assert "allclose" not in out and "model output:" not in out
