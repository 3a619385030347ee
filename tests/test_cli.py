"""`graphviewer inspect`: the report, the JSON document, and one clear line for every bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from graphviewer.cli import main

SAMPLES = Path(__file__).resolve().parents[1] / "samples"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_inspect_mlp_report(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "inspect", str(SAMPLES / "mlp.py"))
    assert code == 0, err
    assert "layer1: (16, 20) → (16, 64)" in out
    assert "autograd graph: 13 nodes" in out
    assert "addmm ×2" in out


def test_inspect_json_is_alone_on_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    script = str(SAMPLES / "tutorial_script.py")
    code, out, err = run(capsys, "inspect", script, "--json", "--run-script")
    assert code == 0, err
    doc = json.loads(out)  # the user's print() went elsewhere
    assert doc["schema"] == "graphviewer.inspect/1"
    assert doc["counts"]["nodes"] == len(doc["nodes"]) > 0
    assert {"nodes", "edges", "modules", "stats", "warnings"} <= set(doc)
    assert "torch.Size" in err or "torch.Size" in doc["log"]
    first = doc["stats"][next(iter(doc["stats"]))]
    assert len(first["histogram"]["edges"]) == len(first["histogram"]["counts"]) + 1


def test_inspect_json_mlp_fields(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "inspect", str(SAMPLES / "mlp.py"), "--json", "--no-histograms")
    assert code == 0
    doc = json.loads(out)
    nodes = {n["id"]: n for n in doc["nodes"]}
    addmm = [n for n in nodes.values() if n["op"] == "addmm"]
    assert [n["module"] for n in addmm] == ["layer1", "layer2"]
    assert addmm[0]["source"]["file"].endswith("mlp.py") and addmm[0]["source"]["line"] > 0
    assert {e["source"] for e in doc["edges"]} <= set(nodes)
    assert "histogram" not in doc["stats"]["module:layer1"]
    layer1 = next(m for m in doc["modules"] if m["path"] == "layer1")
    assert layer1["input_shapes"] == [[16, 20]] and layer1["output_shapes"] == [[16, 64]]


def test_inspect_no_grad_has_no_graph(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "inspect", str(SAMPLES / "mlp.py"), "--mode", "no_grad")
    assert code == 0
    assert "autograd graph: 0 nodes" in out
    assert "layer1: (16, 20) → (16, 64)" in out


def test_inspect_warnings(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "inspect", str(SAMPLES / "dead_relu.py"))
    assert "units are zero for every sample" in out
    _, out, _ = run(capsys, "inspect", str(SAMPLES / "nan_inf.py"))
    assert "first NaN" in out


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (lambda d: d / "missing.py", "no such file"),
        (lambda d: d, "directory"),
        (lambda d: _write(d / "empty.py", ""), "empty"),
        (lambda d: _write(d / "broken.py", "def build_model(:\n"), "syntax"),
        (lambda d: _write(d / "notes.txt", "hello world\n"), "not a model"),
    ],
)
def test_inspect_bad_input_one_line_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, make, words: str
) -> None:
    path = make(tmp_path)
    code, out, err = run(capsys, "inspect", str(path))
    assert code == 2
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("graphviewer: error: ")
    assert path.name in lines[0]
    assert words in lines[0].lower()
    assert "Traceback" not in err


def test_inspect_forward_error_names_the_user_line(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "inspect", str(SAMPLES / "forward_raises.py"))
    assert code == 2
    assert "forward_raises.py:" in err and "RuntimeError" in err
    assert "Traceback" not in err


def test_python_m_graphviewer_json_pipes(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "graphviewer", "inspect", str(SAMPLES / "mlp.py"), "--json"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["name"] == "mlp"


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_inspect_json_layout(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "inspect", str(SAMPLES / "mlp.py"), "--json", "--layout")
    assert code == 0, err
    layout = json.loads(out)["layout"]
    assert len(layout["items"]) == 13 and len(layout["edges"]) == 12
    assert layout["seconds"] >= 0
    code, out, _ = run(
        capsys, "inspect", str(SAMPLES / "mlp.py"), "--json", "--layout", "--depth", "0"
    )
    folded = json.loads(out)["layout"]
    assert len(folded["items"]) < 13  # the root's children are folded into boxes
    assert (layout["direction"], layout["wrapped"]) == ("TB", 1)


def test_inspect_json_layout_shaped_for_a_slide(capsys: pytest.CaptureFixture[str]) -> None:
    cnn = str(SAMPLES / "cnn.py")
    code, out, err = run(capsys, "inspect", cnn, "--json", "--layout", "--direction", "lr")
    assert code == 0, err
    across = json.loads(out)["layout"]
    assert (across["direction"], across["wrapped"]) == ("LR", 1)
    assert across["bounds"]["width"] > across["bounds"]["height"]
    code, out, err = run(capsys, "inspect", cnn, "--json", "--layout", "--fit", "slide")
    assert code == 0, err
    slide = json.loads(out)["layout"]
    assert slide["wrapped"] > 1  # the CNN's long chain folded into columns or rows
    assert slide["bounds"]["width"] > slide["bounds"]["height"]  # landscape


def test_window_without_display_is_one_clear_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "platform", "linux")
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(name, raising=False)
    code, out, err = run(capsys, str(SAMPLES / "mlp.py"))
    assert code == 2 and out == ""
    assert err.startswith("graphviewer: error: no display") and "xvfb-run" in err


@pytest.mark.parametrize("suffix", ["svg", "png", "pdf"])
def test_export_writes_each_format(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, suffix: str, qapp: object
) -> None:
    # `qapp`: in one process with the window's tests, the QApplication must come first (the
    # CLI alone makes a QGuiApplication, which a later QApplication cannot replace).
    out_file = tmp_path / f"mlp.{suffix}"
    code, out, err = run(capsys, "export", str(SAMPLES / "mlp.py"), "-o", str(out_file))
    assert code == 0, err
    assert out_file.stat().st_size > 1000
    assert "wrote" in out + err
    head = out_file.read_bytes()[:8]
    assert head.startswith({"svg": b"<?xml", "png": b"\x89PNG", "pdf": b"%PDF"}[suffix])


def test_export_bad_suffix_and_empty_graph_are_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, qapp: object
) -> None:
    code, _, err = run(capsys, "export", str(SAMPLES / "mlp.py"), "-o", str(tmp_path / "g.bmp"))
    assert code == 2 and len(err.strip().splitlines()) == 1
    target = tmp_path / "g.svg"
    code, _, err = run(
        capsys, "export", str(SAMPLES / "mlp.py"), "-o", str(target), "--mode", "no_grad"
    )
    assert code == 2 and "empty" in err and not target.exists()


def test_export_a_model_built_without_weights(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], qapp: object
) -> None:
    path, out = tmp_path / "wide.py", tmp_path / "wide.svg"
    path.write_text(
        "import torch\nfrom torch import nn\n"
        "def build_model():  # 1.6 GB of float32 weights, never allocated\n"
        "    return nn.Sequential(nn.Linear(64, 20000), nn.Linear(20000, 20000))\n"
        "def example_input():\n    return torch.randn(4, 64)\n"
    )
    code, stdout, err = run(capsys, "export", str(path), "--device", "meta", "-o", str(out))
    assert code == 0, err
    assert "<svg" in out.read_text()[:2000] and "addmm" in out.read_text()
    assert f"wrote {out}" in stdout
