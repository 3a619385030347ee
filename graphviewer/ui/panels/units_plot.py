"""Per-unit bars: how much of the batch each unit (feature, channel) fires for, or, for norm
layers, each channel's mean and std drawn against 0 and 1. Dead units stand out in red."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QWidget

from graphviewer.core.types import ActivationStats

_LIVE = "#1c7ed6"
_DEAD = "#e03131"
_STD = "#e8590c"


def units_view(stats: ActivationStats, norm: bool) -> str:
    """Which chart fits: "norm" (mean and std per channel), "active" (share of the batch each
    unit is non-zero for) or "" when the tensor has no per-unit figures."""
    if not stats.has_units:
        return ""
    return "norm" if norm else "active"


class UnitsPlot(pg.PlotWidget):
    """One bar per unit; `set_stats(None)` empties it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, background=None)
        self.setMinimumHeight(110)
        self.setMenuEnabled(False)
        self.setMouseEnabled(x=False, y=False)
        self.hideButtons()
        self.getPlotItem().showGrid(x=False, y=True, alpha=0.25)
        self.view = ""
        self.dead = 0

    def set_stats(self, stats: ActivationStats | None, *, norm: bool = False) -> None:
        item = self.getPlotItem()
        item.clear()
        self.view = units_view(stats, norm) if stats is not None else ""
        self.dead = 0
        if stats is None or not self.view:
            return
        x = np.arange(stats.units, dtype=np.float64)
        if self.view == "norm":
            assert stats.unit_mean is not None and stats.unit_std is not None
            mean = np.nan_to_num(stats.unit_mean.astype(np.float64))
            std = np.nan_to_num(stats.unit_std.astype(np.float64))
            item.addItem(pg.BarGraphItem(x=x - 0.2, height=mean, width=0.4, brush=_LIVE, pen=None))
            item.addItem(pg.BarGraphItem(x=x + 0.2, height=std, width=0.4, brush=_STD, pen=None))
            for level, colour in ((0.0, _LIVE), (1.0, _STD)):
                line = pg.InfiniteLine(
                    level, angle=0, pen=pg.mkPen(colour, style=pg.QtCore.Qt.DashLine)
                )
                item.addItem(line)
            item.setLabel("left", "mean · std")
        else:
            assert stats.unit_active is not None
            active = stats.unit_active.astype(np.float64)
            dead = active == 0
            self.dead = int(dead.sum())
            # live units as bars, dead ones as short red stubs below the axis: two items with
            # one brush each (a brush per bar costs ~10 ms per thousand units)
            for keep, height, colour in ((~dead, active, _LIVE), (dead, -0.04, _DEAD)):
                if keep.any():
                    h = np.broadcast_to(height, x.shape)[keep]
                    item.addItem(
                        pg.BarGraphItem(x=x[keep], height=h, width=0.8, brush=colour, pen=None)
                    )
            item.setYRange(-0.05, 1.0, padding=0.02)
            item.setLabel("left", "non-zero")
        item.setLabel("bottom", f"unit (of {stats.units:,})")
        item.setXRange(-0.5, stats.units - 0.5, padding=0.01)
