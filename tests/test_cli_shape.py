"""`graphviewer export --direction/--fit`, and the word on an unreadable PNG."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtGui import QImage

from graphviewer.cli import main
from graphviewer.render.advice import size_advice
from graphviewer.render.export import ExportResult

SAMPLES = Path(__file__).resolve().parents[1] / "samples"


def _export(capsys: pytest.CaptureFixture[str], out: Path, *flags: str) -> tuple[QImage, str]:
    code = main(["export", str(SAMPLES / "cnn.py"), "-o", str(out), "--quiet", *flags])
    _, err = capsys.readouterr()
    assert code == 0, err
    return QImage(str(out)), err


def test_export_direction_and_fit_shape_the_picture(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, qapp: object
) -> None:
    tall, _ = _export(capsys, tmp_path / "tb.png", "--fit", "none", "--depth", "0")
    wide, _ = _export(capsys, tmp_path / "lr.png", "--fit", "none", "--depth", "0",
                      "--direction", "LR")  # fmt: skip
    assert tall.height() > tall.width() * 1.5  # one column top to bottom
    assert wide.width() > wide.height() * 2  # one row left to right
    slide, _ = _export(capsys, tmp_path / "slide.png")
    assert 1.2 < slide.width() / slide.height() < 2.4
    page, _ = _export(capsys, tmp_path / "page.png", "--fit", "page", "--depth", "0")
    assert page.height() > page.width()


def test_export_rejects_an_unknown_direction(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        main(["export", str(SAMPLES / "cnn.py"), "-o", "x.png", "--direction", "up"])
    assert stop.value.code == 2
    assert "--direction" in capsys.readouterr().err


def test_export_warns_about_an_unreadable_png(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, qapp: object
) -> None:
    _, err = _export(capsys, tmp_path / "small.png", "--scale", "0.3", "--expand", "all")
    assert "warning: a " in err and "too small to read" in err
    assert "SVG or PDF" in err and "--depth" in err
    _, quiet = _export(capsys, tmp_path / "fine.png")
    assert "warning" not in quiet
    _, svg = _export(capsys, tmp_path / "small.svg", "--scale", "0.3")
    assert "warning" not in svg  # vector: zoom in to read


def test_size_advice_for_the_20k_node_lstm() -> None:
    got = ExportResult(Path("lstm.png"), "png", 141, 199_800, 0.23, 4.0)
    text = size_advice(got, folded=False)
    assert text.startswith("a 141×199,800 px PNG: its labels are 2.8 px tall")
    assert "fold it" in text
    tall = ExportResult(Path("t.png"), "png", 2000, 30_000, 2.0, 1.0)
    assert "longer than any screen" in size_advice(tall, folded=True)
    assert "fold it" not in size_advice(tall, folded=True)
