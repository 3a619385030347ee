"""`graphviewer export FILE --histogram MODULE`: the panel's plots written headless."""

from __future__ import annotations

from pathlib import Path

import pytest

from graphviewer.cli import main
from tests.conftest import SAMPLES


def test_export_histogram_writes_the_histogram_and_units(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "relu.svg"
    assert (
        main(["export", str(SAMPLES / "dead_relu.py"), "--histogram", "relu", "-o", str(out)]) == 0
    )
    assert "<svg" in out.read_text() and "module relu" in out.read_text()
    assert (tmp_path / "relu-units.svg").stat().st_size > 1000
    assert f"wrote {out}" in capsys.readouterr().out


def test_export_histogram_names_an_unknown_module(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = [
        "export",
        str(SAMPLES / "dead_relu.py"),
        "--histogram",
        "nope",
        "-o",
        str(tmp_path / "x.png"),
    ]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "dead_relu.py: no module or node 'nope'" in err and "relu" in err
    bad = [
        "export",
        str(SAMPLES / "dead_relu.py"),
        "--histogram",
        "relu",
        "-o",
        str(tmp_path / "x.pdf"),
    ]
    assert main(bad) == 2
    assert "--histogram writes a .png or .svg file" in capsys.readouterr().err
