"""A CLI that talks: help with the window form and examples, "did you mean", numbers checked,
and `-o -` writing the picture to standard output."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from graphviewer.cli import main

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
MLP = str(SAMPLES / "mlp.py")


def test_cli_top_help_names_the_window_form(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        main(["--help"])
    out = capsys.readouterr().out
    assert stop.value.code == 0
    assert "graphviewer FILE [OPTIONS]  open the window on FILE" in out
    assert "inspect" in out and "export" in out


@pytest.mark.parametrize("command", ["inspect", "export"])
def test_cli_subcommand_help_has_examples(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main([command, "--help"])
    out = capsys.readouterr().out
    assert "examples:" in out and f"graphviewer {command} samples/" in out


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["inspct", "f.py"], "unknown command 'inspct' (did you mean 'inspect'?)"),
        (["exprot", "f.py", "-o", "a.svg"], "(did you mean 'export'?)"),
        (
            ["show", "f.py"],
            "unknown command 'show' (commands: inspect, export, samples, lesson; or FILE to open)",
        ),
    ],
)
def test_cli_typo_is_named_with_a_suggestion(
    argv: list[str], said: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert said in err and "unrecognized arguments" not in err


def test_cli_a_file_named_like_a_command_still_opens(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`graphviewer inspct` where ./inspct exists is that file, not a typo: the window form."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "inspct").write_text("")
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.delenv("QT_QPA_PLATFORM", raising=False)
    if sys.platform.startswith("linux"):
        assert main(["inspct"]) == 2
        assert "no display to open a window on" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("option", "value", "said"),
    [
        ("--depth", "-3", "not a depth: '-3' (0 or more)"),
        ("--depth", "two", "not a depth: 'two'"),
        ("--width", "0", "must be above 0: '0'"),
        ("--scale", "-1", "must be above 0: '-1'"),
        ("--timeout", "-5", "not a number of seconds: '-5'"),
    ],
)
def test_cli_numbers_are_checked(
    option: str, value: str, said: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as stop:
        main(["export", MLP, "-o", "x.svg", f"{option}={value}"])
    assert stop.value.code == 2
    assert said in capsys.readouterr().err


def _run(*args: str) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.run(
        [sys.executable, "-m", "graphviewer", *args], capture_output=True, env=env, timeout=120
    )


def test_cli_export_to_stdout_svg_by_default() -> None:
    done = _run("export", str(SAMPLES / "tutorial_script.py"), "--run-script", "-o", "-")
    assert done.returncode == 0, done.stderr.decode()
    assert done.stdout.startswith(b"<?xml") and done.stdout.rstrip().endswith(b"</svg>")
    err = done.stderr.decode()
    assert "wrote SVG to standard output" in err
    assert "torch.Size" in err  # the script's own prints went to stderr, not into the picture


def test_cli_export_to_stdout_png() -> None:
    done = _run("export", MLP, "-o", "-", "--format", "png")
    assert done.returncode == 0, done.stderr.decode()
    assert done.stdout.startswith(b"\x89PNG\r\n\x1a\n") and done.stdout.endswith(b"IEND\xaeB`\x82")


def test_cli_export_format_overrides_a_missing_suffix(tmp_path: Path) -> None:
    out = tmp_path / "graph"
    assert main(["export", MLP, "-o", str(out), "--format", "pdf"]) == 0
    assert out.read_bytes().startswith(b"%PDF")


def test_cli_samples_lists_each_with_what_it_needs(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from graphviewer.core import resources

    real = resources.importlib.util.find_spec
    monkeypatch.setattr(  # a pip user without transformers
        resources.importlib.util,
        "find_spec",
        lambda name, *a: None if name == "transformers" else real(name, *a),
    )
    assert main(["samples"]) == 0
    out = capsys.readouterr().out
    assert f"samples in {SAMPLES}" in out
    mlp = next(line for line in out.splitlines() if "mlp.py" in line)
    assert "A small MLP" in mlp and "needs" not in mlp
    gpt2 = next(line for line in out.splitlines() if "gpt2.py" in line)
    assert 'needs pip install "graphviewer[transformers]"' in gpt2


def test_cli_samples_copy_never_overwrites(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["samples", "--copy", "mlp", "--to", str(tmp_path)]) == 0
    copied = tmp_path / "mlp.py"
    assert copied.read_text() == (SAMPLES / "mlp.py").read_text()
    assert f"graphviewer {copied}" in capsys.readouterr().out
    copied.write_text("# mine now\n")
    assert main(["samples", "--copy", "mlp.py", "--to", str(tmp_path)]) == 2
    assert "exists: not overwritten" in capsys.readouterr().err
    assert copied.read_text() == "# mine now\n"
    assert main(["samples", "--copy", "nope", "--to", str(tmp_path)]) == 2
    assert "no sample 'nope.py' (samples: autograd_scalar.py" in capsys.readouterr().err


def test_cli_the_tensor_option_is_not_confused_with_the_output_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    script = tmp_path / "two.py"
    script.write_text(
        "import torch\nx = torch.ones(3, requires_grad=True)\n"
        "a = (x * 2).sum()\nb = (x.exp() * x).sum()\n"
    )
    with pytest.raises(SystemExit):
        main(["export", "--help"])
    out = capsys.readouterr().out
    assert "--tensor NAME" in out and "--output NAME" not in out  # one "output": -o
    assert main(["inspect", str(script), "--tensor", "a"]) == 0
    a = capsys.readouterr().out
    assert main(["inspect", str(script), "--output", "b"]) == 0  # the old spelling still works
    b = capsys.readouterr().out
    assert "3 nodes" in a and "exp ×1" in b and "exp" not in a
