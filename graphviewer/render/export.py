"""Writing a graph to PNG, SVG or PDF for slides, atomically, through the one scene painter.

PNG is raster at a chosen scale or width (banded when large, so nothing is ever truncated), SVG
comes from `QSvgGenerator` (inline attributes, labels as `<text>`), PDF from `QPdfWriter` (vector,
embedded fonts, selectable text). Every file is first written next to its destination under a
temporary name and moved into place only once complete: a failure or a cancel keeps the previous
file, and the temporary one is removed.
"""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QMarginsF, QRectF, QSize, QSizeF
from PySide6.QtGui import QColor, QImage, QPageLayout, QPageSize, QPainter, QPdfWriter
from PySide6.QtSvg import QSvgGenerator

from graphviewer.core.errors import Cancelled, GraphviewerError
from graphviewer.core.gc_pause import gc_paused
from graphviewer.core.jobs import CancelToken
from graphviewer.render.page import Page, compose, default_title, paint_page, painted_bounds
from graphviewer.render.png import write_banded_png
from graphviewer.render.scene import GraphScene, ViewState
from graphviewer.render.theme import theme_named

log = logging.getLogger(__name__)

FORMATS = ("png", "svg", "pdf")
BACKGROUNDS = ("light", "dark", "transparent")
PNG_SCALE = 2.0  # default: twice the on-screen size, sharp on a 4K projector
MAX_PNG_SIDE = 200_000  # pixels; PNG allows 2**31 - 1, but no viewer opens more
MAX_PNG_PIXELS = 600_000_000  # ~2.4 GB of raw pixels: tens of seconds to compress
AUTO_PNG_PIXELS = 150_000_000  # the default scale shrinks a huge graph to at most this
SINGLE_IMAGE_PIXELS = 40_000_000  # above this, PNGs are painted in bands
PDF_MAX_POINTS = 14_400.0  # the largest page PDF readers accept (200 inches)
CSS_DPI = 96.0  # scene units are CSS pixels


class ExportError(GraphviewerError):
    """An export could not be written: unknown format, unwritable path, picture too large."""


@dataclass(frozen=True)
class ExportOptions:
    """How to export: size, background, decorations, and which part of the graph."""

    scale: float | None = None  # output pixels per scene unit; None: 2 for PNG, 1 for SVG/PDF
    width: int | None = None  # output width in pixels (overrides scale and dpi)
    dpi: float | None = None  # PNG resolution; scale = dpi / 96 (overridden by width)
    background: str = "light"  # "light" | "dark" | "transparent" (keeps the scene's theme)
    include_legend: bool = True
    include_title: bool = True
    title: str | None = None  # None: "<model> — <mode>"
    visible_rect: QRectF | None = None  # scene coordinates; None: the whole graph
    state: ViewState = field(default_factory=ViewState)  # selection/highlights to keep


@dataclass(frozen=True)
class ExportResult:
    """What was written: the file, its format, its size in pixels, the scale used, the time."""

    path: Path
    fmt: str
    width: int
    height: int
    scale: float
    seconds: float
    banded: bool = False
    advice: str = ""  # what to do instead when the picture cannot be read (`render.advice`)


def format_of(path: str | os.PathLike[str], fmt: str | None = None) -> str:
    """The export format: `fmt` if given, else the file's suffix; ExportError if neither fits."""
    name = (fmt or Path(path).suffix.lstrip(".")).lower()
    if name not in FORMATS:
        raise ExportError(
            f"unknown export format {name or '(none)'!r}",
            path=path,
            hint="use a .png, .svg or .pdf file name",
        )
    return name


def themed_scene(scene: GraphScene, background: str) -> GraphScene:
    """`scene` in the theme a background asks for ("transparent" keeps the scene's own)."""
    if background not in BACKGROUNDS:
        raise ExportError(f"unknown background {background!r} (light, dark or transparent)")
    if background == "transparent" or scene.theme.name == background:
        return scene
    return GraphScene(scene.snapshot, scene.layout, theme_named(background))


def page_for(scene: GraphScene, options: ExportOptions) -> Page:
    """The page an export of `scene` with `options` draws (also the dialog's preview)."""
    whole = painted_bounds(scene)  # not the bare bounds: frames at the edges were cut off
    source = options.visible_rect if options.visible_rect is not None else whole
    source = source.intersected(whole.adjusted(-50, -50, 50, 50))
    if source.isEmpty():
        source = whole
    title = (options.title or default_title(scene)) if options.include_title else None
    return compose(scene, source, title=title, legend=options.include_legend)


def output_scale(page: Page, fmt: str, options: ExportOptions) -> float:
    """Output pixels per scene unit for `fmt`, from width, dpi or scale, capped for PNG."""
    if options.width is not None:
        if options.width < 16:
            raise ExportError(f"width {options.width} px is too small")
        return options.width / page.width
    if options.dpi is not None:
        return options.dpi / CSS_DPI
    if options.scale is not None:
        return options.scale
    if fmt != "png":
        return 1.0
    # Default: sharp, but shrink a huge graph to what a PNG can hold rather than fail.
    fit = min(MAX_PNG_SIDE / page.width, MAX_PNG_SIDE / page.height)
    fit = min(fit, (AUTO_PNG_PIXELS / (page.width * page.height)) ** 0.5)
    return min(PNG_SCALE, fit * 0.999)  # the margin keeps rounding under the caps


def export_graph(
    scene: GraphScene,
    path: str | os.PathLike[str],
    *,
    fmt: str | None = None,
    options: ExportOptions | None = None,
    cancel: CancelToken | None = None,
) -> ExportResult:
    """Write `scene` to `path` as PNG, SVG or PDF; the previous file survives any failure.

    A set `cancel` raises `Cancelled` (between PNG bands, and at the latest just before the
    finished file would replace the previous one).
    """
    with gc_paused():  # tens of thousands of labels, points and rectangles: none makes a cycle
        return _export_graph(scene, Path(path), fmt, options or ExportOptions(), cancel)


def _export_graph(
    scene: GraphScene,
    target: Path,
    fmt: str | None,
    options: ExportOptions,
    cancel: CancelToken | None,
) -> ExportResult:
    started = time.perf_counter()
    kind = format_of(target, fmt)
    scene = themed_scene(scene, options.background)
    page = page_for(scene, options)
    scale = output_scale(page, kind, options)
    width, height = max(1, round(page.width * scale)), max(1, round(page.height * scale))
    background = None if options.background == "transparent" else scene.theme.background
    banded = False
    with atomic_output(target, kind, cancel) as temp:
        if kind == "png":
            banded = _write_png(
                temp, scene, page, options.state, scale, (width, height), background, cancel
            )
        elif kind == "svg":
            _write_svg(temp, scene, page, options.state, scale, (width, height), background)
        else:
            _write_pdf(temp, scene, page, options.state, scale, background)
    seconds = time.perf_counter() - started
    log.info("exported %s: %s %d×%d px in %.2f s", target, kind, width, height, seconds)
    return ExportResult(target, kind, width, height, scale, seconds, banded)


@contextlib.contextmanager
def atomic_output(target: Path, kind: str, cancel: CancelToken | None = None):  # type: ignore[no-untyped-def]
    """Yield a temporary path beside `target`; move it over `target` only if the body succeeds
    and `cancel` is not set by then."""
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise ExportError("the folder does not exist", path=folder)
    if target.is_dir():
        raise ExportError("is a folder, not a file name", path=target)
    try:
        fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=f".{kind}.part", dir=folder)
    except OSError as exc:
        raise ExportError(f"cannot write here: {exc.strerror or exc}", path=target) from None
    os.close(fd)
    temp = Path(name)
    try:
        if cancel is not None:
            cancel.raise_if_cancelled()
        yield temp
        if cancel is not None:  # SVG and PDF painters cannot stop midway: check once done
            cancel.raise_if_cancelled()
        if not temp.exists() or temp.stat().st_size == 0:
            raise ExportError("nothing was written (the writer failed)", path=target)
        with contextlib.suppress(OSError):
            os.chmod(temp, 0o666 & ~_umask())
        os.replace(temp, target)
    except OSError as exc:
        raise ExportError(f"cannot write: {exc.strerror or exc}", path=target) from None
    finally:
        with contextlib.suppress(OSError):
            temp.unlink()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _check_png_size(size: tuple[int, int]) -> None:
    w, h = size
    if max(w, h) > MAX_PNG_SIDE or w * h > MAX_PNG_PIXELS:
        raise ExportError(
            f"a {w:,}×{h:,} px PNG is too large",
            hint="choose a smaller width or scale, export the visible area, or use SVG/PDF",
        )


def _write_png(
    temp: Path,
    scene: GraphScene,
    page: Page,
    state: ViewState,
    scale: float,
    size: tuple[int, int],
    background: QColor | None,
    cancel: CancelToken | None,
) -> bool:
    _check_png_size(size)
    width, height = size
    dpi = CSS_DPI * scale
    if width * height <= SINGLE_IMAGE_PIXELS:
        image = QImage(width, height, QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(0)
        image.setDotsPerMeterX(round(dpi / 0.0254))
        image.setDotsPerMeterY(round(dpi / 0.0254))
        painter = QPainter(image)
        try:
            painter.scale(scale, scale)
            paint_page(painter, page, scene, state, device_scale=scale, background=background)
        finally:
            painter.end()
        if cancel is not None:
            cancel.raise_if_cancelled()
        if not image.save(str(temp), "PNG"):
            raise ExportError("the PNG writer failed", path=temp)
        return False

    def paint_band(painter: QPainter, top: int, rows: int) -> None:
        if cancel is not None and cancel.cancelled:
            raise Cancelled()
        painter.translate(0, -top)
        painter.scale(scale, scale)
        clip = QRectF(0, top / scale, page.width, rows / scale)
        painter.setClipRect(clip)
        paint_page(
            painter, page, scene, state, device_scale=scale, background=background, clip=clip
        )

    with open(temp, "wb") as out:
        write_banded_png(out, width, height, paint_band, dpi=dpi)
    return True


def _write_svg(
    temp: Path,
    scene: GraphScene,
    page: Page,
    state: ViewState,
    scale: float,
    size: tuple[int, int],
    background: QColor | None,
) -> None:
    generator = QSvgGenerator()
    generator.setFileName(str(temp))
    generator.setSize(QSize(*size))
    generator.setViewBox(QRectF(0, 0, *size))
    generator.setResolution(round(CSS_DPI))
    generator.setTitle(page.title or scene.snapshot.name)
    generator.setDescription("made with graphviewer")
    painter = QPainter()
    if not painter.begin(generator):
        raise ExportError("the SVG writer could not start", path=temp)
    try:
        painter.scale(scale, scale)
        paint_page(painter, page, scene, state, device_scale=max(scale, 1.0), background=background)
    finally:
        painter.end()


def _write_pdf(
    temp: Path,
    scene: GraphScene,
    page: Page,
    state: ViewState,
    scale: float,
    background: QColor | None,
) -> None:
    # One page the size of the picture (1 scene unit = 0.75 pt at scale 1), shrunk to fit the
    # largest page PDF readers accept; it is vector, so nothing is lost.
    points = 72.0 / CSS_DPI * scale
    points = min(points, PDF_MAX_POINTS / page.width, PDF_MAX_POINTS / page.height)
    writer = QPdfWriter(str(temp))
    writer.setCreator("graphviewer")
    writer.setTitle(page.title or scene.snapshot.name)
    writer.setResolution(72)  # device units are points
    size = QSizeF(page.width * points, page.height * points)
    writer.setPageLayout(
        QPageLayout(
            QPageSize(size, QPageSize.Unit.Point, "graph", QPageSize.SizeMatchPolicy.ExactMatch),
            QPageLayout.Orientation.Portrait,
            QMarginsF(0, 0, 0, 0),
        )
    )
    painter = QPainter()
    if not painter.begin(writer):
        raise ExportError("the PDF writer could not start", path=temp)
    try:
        painter.scale(points, points)
        paint_page(
            painter, page, scene, state, device_scale=max(points * 4, 1.0), background=background
        )
    finally:
        painter.end()
