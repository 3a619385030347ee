"""The Problems dock: the capture's findings (first NaN, stray Inf, dead units, BatchNorm off
mean 0 / std 1), one line each; choosing one selects and shows it. `problem_badges` puts the
same findings on the canvas."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import NamedTuple

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from graphviewer.core.types import GraphSnapshot, Layout, Warning_
from graphviewer.render.state import Badge
from graphviewer.ui.graph_items import drawn_item, module_key

_NODE_AT_END = re.compile(r"\((n\d+)\)$")
_KINDS = {"nan": "NaN", "inf": "Inf", "dead_units": "dead units", "batchnorm": "BatchNorm"}


class Where(NamedTuple):
    """What a finding points at: ("node", id) or ("module", path)."""

    kind: str
    id: str


def warning_target(snapshot: GraphSnapshot, warning: Warning_) -> Where | None:
    """The node or module a finding is about ("layer1/relu (n7)", "act", "(root)")."""
    m = _NODE_AT_END.search(warning.where)
    if m is not None and m.group(1) in snapshot.graph:
        return Where("node", m.group(1))
    path = "" if warning.where == "(root)" else warning.where
    return Where("module", path) if path in snapshot.modules else None


def problems(snapshot: GraphSnapshot) -> list[Warning_]:
    """The findings the Problems list shows (activation problems, in the review's order)."""
    return [w for w in snapshot.warnings if w.kind in _KINDS]


def _badge(snapshot: GraphSnapshot, warning: Warning_, where: Where) -> Badge:
    if warning.kind == "dead_units":
        key = f"node:{where.id}" if where.kind == "node" else f"module:{where.id}"
        st = snapshot.stats.get(key)
        text = f"{st.dead_units}/{st.units} dead" if st is not None and st.units else "dead"
        return Badge(text, "warning")
    if warning.kind == "batchnorm":
        return Badge("not normalised", "warning")
    return Badge(_KINDS[warning.kind], "error")


def problem_badges(snapshot: GraphSnapshot, layout: Layout) -> dict[str, Badge]:
    """Badges on the drawn items of each finding (a folded module carries its nodes' badges)."""
    out: dict[str, Badge] = {}
    for warning in problems(snapshot):
        where = warning_target(snapshot, warning)
        if where is None:
            continue
        if where.kind == "node":
            item = drawn_item(snapshot, layout, where.id)
        else:
            item = module_key(layout, where.id)
        if item is not None:
            out.setdefault(item, _badge(snapshot, warning, where))
    return out


class ProblemsPanel(QWidget):
    """One row per finding; activating a row asks to show what it points at."""

    chosen = Signal(object)  # Where

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.summary = QLabel("", self)
        self.summary.setWordWrap(True)
        self.list = QListWidget(self)
        self.list.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.summary)
        layout.addWidget(self.list, 1)
        self.list.itemClicked.connect(self._on_list_item)
        self.list.itemActivated.connect(self._on_list_item)
        self.set_problems(None)

    def set_problems(self, snapshot: GraphSnapshot | None) -> None:
        self.list.clear()
        self._targets: list[Where | None] = []
        if snapshot is None:
            self.summary.setText("Open a model to see the problems its activations show.")
            return
        found = problems(snapshot)
        checked = "; ".join(snapshot.checked)
        if not found:
            self.summary.setText(f"No problems found. Checked: {checked}.")
            return
        n = len(found)
        self.summary.setText(f"{n} problem{'s' if n != 1 else ''} found. Checked: {checked}.")
        for warning in found:
            where = warning_target(snapshot, warning)
            item = QListWidgetItem(f"{_KINDS[warning.kind]} · {warning.where}\n{warning.message}")
            item.setData(Qt.ItemDataRole.UserRole, len(self._targets))
            self._targets.append(where)
            item.setToolTip(warning.message)
            self.list.addItem(item)

    def rows(self) -> list[str]:
        return [self.list.item(k).text() for k in range(self.list.count())]

    def _on_list_item(self, item: QListWidgetItem) -> None:
        where = self._targets[int(item.data(Qt.ItemDataRole.UserRole))]
        if where is not None:
            self.chosen.emit(where)


def badge_texts(badges: Mapping[str, Badge]) -> dict[str, str]:
    """Item id → badge text (what a test or the status line reads)."""
    return {k: b.text for k, b in badges.items()}
