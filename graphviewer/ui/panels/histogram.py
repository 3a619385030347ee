"""A histogram plot of one or more measured tensors (activations, gradients), on pyqtgraph.

Generic over what it draws: anything with `hist_edges` and `hist_counts` (an `ActivationStats`,
a gradient's statistics) is a series. One series is drawn as counts; several (a pinned
selection and the current one) as each one's share of its own values, so that tensors of
different sizes compare. Hovering a bar says its range and count.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QWidget

SERIES_COLOURS = ("#1c7ed6", "#e8590c", "#2f9e44", "#ae3ec9")


class Binned(Protocol):
    """What a histogram series needs: equal bins over the finite values."""

    @property
    def hist_edges(self) -> np.ndarray: ...

    @property
    def hist_counts(self) -> np.ndarray: ...


@dataclass(frozen=True)
class Series:
    """One histogram to draw: its name in the legend and its bins."""

    label: str
    stats: Binned


def bar_text(edges: np.ndarray, counts: np.ndarray, x: float) -> str:
    """What hovering value `x` says: the bin's range and count ("" outside the bins)."""
    if len(counts) == 0 or not edges[0] <= x <= edges[-1]:
        return ""
    k = min(int(np.searchsorted(edges, x, side="right")) - 1, len(counts) - 1)
    k = max(k, 0)
    close = "]" if k == len(counts) - 1 else ")"
    return f"[{edges[k]:.4g}, {edges[k + 1]:.4g}{close}: {int(counts[k]):,} values"


class HistogramPlot(pg.PlotWidget):
    """Bars of one series, or outlines of several, with a log-count toggle and hover text."""

    hovered = Signal(str)  # the text of the bar under the mouse ("" off the bars)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, background=None)
        self.setMinimumHeight(140)
        self.setMenuEnabled(False)
        self.setMouseEnabled(x=False, y=False)
        self.hideButtons()
        self.getPlotItem().showGrid(x=False, y=True, alpha=0.25)
        for axis in ("left", "bottom"):  # shares and values as numbers, not "×0.001"
            self.getPlotItem().getAxis(axis).enableAutoSIPrefix(False)
        self.series: list[Series] = []
        self.log = False
        self.hover_text = ""
        self._legend = self.getPlotItem().addLegend(offset=(-8, 8))
        self._hover_label = pg.TextItem(anchor=(0, 0))
        self._hover_label.setZValue(10)
        self.scene().sigMouseMoved.connect(self._on_mouse_moved)

    def set_series(self, series: Sequence[Series]) -> None:
        """Draw these histograms (the first is the one hovering reads)."""
        self.series = [s for s in series if len(s.stats.hist_counts)]
        self._redraw()

    def set_log(self, log: bool) -> None:
        """Counts on a log scale (log10 of 1 + count): rare tails become visible."""
        self.log = log
        self._redraw()

    def clear_plot(self) -> None:
        self.series = []
        self._redraw()

    def _redraw(self) -> None:
        item = self.getPlotItem()
        item.clear()
        self._legend.clear()
        self.hover_text = ""
        several = len(self.series) > 1
        for k, s in enumerate(self.series):
            edges = np.asarray(s.stats.hist_edges, dtype=np.float64)
            counts = np.asarray(s.stats.hist_counts, dtype=np.float64)
            if several:  # each as the share of its own values: tensors of any size compare
                counts = counts / max(counts.sum(), 1.0)
            y = np.log10(1.0 + counts) if self.log else counts
            colour = QColor(SERIES_COLOURS[k % len(SERIES_COLOURS)])
            fill = QColor(colour)
            fill.setAlphaF(0.45 if not several else 0.22)
            curve = pg.PlotDataItem(
                edges,
                y,
                stepMode="center",
                fillLevel=0,
                brush=fill,
                pen=pg.mkPen(colour, width=1.5),
            )
            item.addItem(curve)
            if several:
                self._legend.addItem(curve, s.label)
        unit = "share of values" if several else "values"
        item.setLabel("left", f"log10(1 + {unit})" if self.log else unit)
        item.addItem(self._hover_label, ignoreBounds=True)
        self._hover_label.setText("")
        item.enableAutoRange()

    def text_at(self, x: float) -> str:
        """The hover text of the first series at value `x`."""
        if not self.series:
            return ""
        s = self.series[0].stats
        return bar_text(np.asarray(s.hist_edges), np.asarray(s.hist_counts), x)

    def _on_mouse_moved(self, pos: QPointF) -> None:
        view = self.getPlotItem().getViewBox()
        if not self.series or not view.sceneBoundingRect().contains(pos):
            text = ""
        else:
            point = view.mapSceneToView(pos)
            text = self.text_at(point.x())
            self._hover_label.setPos(point)
        self._hover_label.setText(text)
        if text != self.hover_text:
            self.hover_text = text
            self.setToolTip(text)
            self.hovered.emit(text)

    def save(self, path: Path) -> None:
        """Write the plot as PNG or SVG (by the suffix), at twice the screen's size for PNG."""
        save_plot(self, path)


def save_plot(plot: pg.PlotWidget, path: Path, scale: float = 2.0) -> None:
    """Write a pyqtgraph plot to `path`: SVG (vector) for ".svg", else PNG at `scale` × its
    size on screen. Raises OSError when the file cannot be written."""
    from PySide6.QtCore import QRectF, QSize
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgGenerator

    source = plot.getPlotItem().sceneBoundingRect()
    size = QSize(max(int(source.width()), 1), max(int(source.height()), 1))
    if path.suffix.lower() == ".svg":
        device: QSvgGenerator | QImage = QSvgGenerator()
        device.setFileName(str(path))
        device.setSize(size)
        device.setViewBox(QRectF(0, 0, size.width(), size.height()))
        device.setTitle(path.stem)
        target = QRectF(0, 0, size.width(), size.height())
    else:
        device = QImage(size * scale, QImage.Format.Format_ARGB32)
        device.fill(0xFFFFFFFF)
        target = QRectF(0, 0, size.width() * scale, size.height() * scale)
    painter = QPainter(device)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    plot.scene().render(painter, target, source)
    painter.end()
    if isinstance(device, QImage) and not device.save(str(path)):
        raise OSError(f"{path}: the plot could not be written")
    if not path.exists():
        raise OSError(f"{path}: the plot could not be written")
