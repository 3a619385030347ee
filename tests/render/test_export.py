"""Export to PNG, SVG and PDF: real files, checked by independent readers."""

from __future__ import annotations

import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

from graphviewer.core.types import GraphSnapshot, Layout
from graphviewer.render import export as export_mod
from graphviewer.render.export import ExportError, ExportOptions, export_graph
from graphviewer.render.scene import GraphScene
from graphviewer.render.theme import theme_named

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def scene(mlp_snapshot: GraphSnapshot, mlp_layout: Layout) -> GraphScene:
    return GraphScene(mlp_snapshot, mlp_layout, theme_named("light"))


def _gray(image: QImage) -> np.ndarray:
    image = image.convertToFormat(QImage.Format.Format_Grayscale8)
    stride = image.bytesPerLine()
    data = np.frombuffer(image.constBits(), np.uint8, stride * image.height())
    return data.reshape(image.height(), stride)[:, : image.width()].astype(np.float64)


def _blocks(a: np.ndarray, n: int = 8) -> np.ndarray:
    """Means of n×n pixel blocks: compares layouts while forgiving antialiasing."""
    h, w = a.shape[0] // n, a.shape[1] // n
    return a[: h * n, : w * n].reshape(h, n, w, n).mean(axis=(1, 3))


def test_svg_has_labels_as_text_and_no_css(scene: GraphScene, tmp_path: Path) -> None:
    out = tmp_path / "g.svg"
    export_graph(scene, out)
    root = ET.parse(out).getroot()
    texts = {"".join(t.itertext()).strip() for t in root.iter(f"{SVG}text")}
    for item in scene.layout.items:
        first_line = scene.snapshot.node(item).op.split("\n")[0]
        if scene.snapshot.node(item).param is None:
            assert first_line in texts
    assert "weight" in texts and "mlp — train mode" in texts and "matmul / linear" in texts
    assert not list(root.iter(f"{SVG}style"))
    assert all("class" not in el.attrib for el in root.iter())


def test_svg_renders_alike_in_qt_and_librsvg(scene: GraphScene, tmp_path: Path) -> None:
    if shutil.which("rsvg-convert") is None:
        pytest.skip("rsvg-convert (librsvg2-bin) is not installed")
    out = tmp_path / "g.svg"
    result = export_graph(scene, out)
    size = (result.width, result.height)
    subprocess.run(
        ["rsvg-convert", "-w", str(size[0]), "-h", str(size[1]), "-b", "white", str(out)],
        check=True,
        stdout=(tmp_path / "rsvg.png").open("wb"),
    )
    rsvg = _gray(QImage(str(tmp_path / "rsvg.png")))
    qt_image = QImage(*size, QImage.Format.Format_ARGB32)
    qt_image.fill(Qt.GlobalColor.white)
    painter = QPainter(qt_image)
    QSvgRenderer(str(out)).render(painter, QRectF(0, 0, *size))
    painter.end()
    qt = _gray(qt_image)
    assert rsvg.shape == qt.shape
    assert rsvg.std() > 10  # not blank
    # Antialiasing and glyph rasterisation differ; shapes, colours and text placement must not.
    assert np.abs(rsvg - qt).mean() < 4.0
    assert np.abs(_blocks(rsvg) - _blocks(qt)).max() < 40


def test_pdf_renders_with_selectable_text(scene: GraphScene, tmp_path: Path) -> None:
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (poppler-utils) is not installed")
    out = tmp_path / "g.pdf"
    export_graph(scene, out)
    assert out.read_bytes().startswith(b"%PDF")
    subprocess.run(["pdftoppm", "-r", "72", "-png", str(out), str(tmp_path / "p")], check=True)
    page = _gray(QImage(str(tmp_path / "p-1.png")))
    assert page.std() > 10 and (page < 128).mean() > 0.005
    if shutil.which("pdftotext"):
        text = subprocess.run(
            ["pdftotext", str(out), "-"], check=True, capture_output=True, text=True
        ).stdout
        assert "addmm" in text and "native_batch_norm" in text and "train mode" in text


def test_png_size_from_width_scale_and_dpi(scene: GraphScene, tmp_path: Path) -> None:
    result = export_graph(scene, tmp_path / "w.png", options=ExportOptions(width=900))
    assert QImage(str(tmp_path / "w.png")).width() == 900 == result.width
    result = export_graph(scene, tmp_path / "s.png", options=ExportOptions(scale=1.0))
    image = QImage(str(tmp_path / "s.png"))
    assert (image.width(), image.height()) == (result.width, result.height)
    export_graph(scene, tmp_path / "d.png", options=ExportOptions(dpi=192))
    assert abs(QImage(str(tmp_path / "d.png")).width() - 2 * result.width) <= 1


def test_png_banded_matches_one_image(
    scene: GraphScene, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    options = ExportOptions(background="dark")
    export_graph(scene, tmp_path / "one.png", options=options)
    monkeypatch.setattr(export_mod, "SINGLE_IMAGE_PIXELS", 1000)
    result = export_graph(scene, tmp_path / "bands.png", options=options)
    assert result.banded
    one, bands = QImage(str(tmp_path / "one.png")), QImage(str(tmp_path / "bands.png"))
    assert one.size() == bands.size()
    assert np.abs(_gray(one) - _gray(bands)).mean() < 1.0


def test_transparent_png_has_alpha(scene: GraphScene, tmp_path: Path) -> None:
    export_graph(scene, tmp_path / "t.png", options=ExportOptions(background="transparent"))
    image = QImage(str(tmp_path / "t.png"))
    assert image.hasAlphaChannel() and image.pixelColor(1, 1).alpha() == 0


def test_visible_area_export_is_smaller(scene: GraphScene, tmp_path: Path) -> None:
    whole = export_graph(scene, tmp_path / "a.png")
    part = export_graph(
        scene,
        tmp_path / "b.png",
        options=ExportOptions(visible_rect=QRectF(0, 0, 200, 150), include_legend=False),
    )
    assert part.width < whole.width and part.height < whole.height


def test_failed_export_keeps_previous_file(
    scene: GraphScene, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "keep.svg"
    out.write_text("previous")

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(export_mod, "paint_page", broken)
    with pytest.raises(RuntimeError):
        export_graph(scene, out)
    assert out.read_text() == "previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.svg"]  # no temporary left


def test_unwritable_paths_give_one_line_errors(scene: GraphScene, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(ExportError) as info:
        export_graph(scene, blocker / "g.png")
    assert "folder does not exist" in str(info.value) and "\n" not in str(info.value)
    with pytest.raises(ExportError, match="unknown export format"):
        export_graph(scene, tmp_path / "g.jpeg")
    with pytest.raises(ExportError, match="too large"):
        export_graph(scene, tmp_path / "g.png", options=ExportOptions(width=400_000))
    assert not (tmp_path / "g.png").exists()


def test_default_png_scale_shrinks_huge_pages_under_the_caps(scene: GraphScene) -> None:
    from dataclasses import replace

    from graphviewer.render.export import AUTO_PNG_PIXELS, output_scale, page_for

    page = replace(page_for(scene, ExportOptions()), width=5605.3, height=26760.2)
    scale = output_scale(page, "png", ExportOptions())
    assert round(page.width * scale) * round(page.height * scale) <= AUTO_PNG_PIXELS
    assert output_scale(page, "svg", ExportOptions()) == 1.0
