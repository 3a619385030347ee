"""The export dialog's Shape row: the window's picture as it is, or laid out again for a
16:9 slide or a portrait page (direction chosen or the better one, long chains wrapped)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel

from graphviewer.core.layout.direction import Direction
from graphviewer.core.layout.fit import Fit
from graphviewer.core.types import GraphSnapshot, Layout
from graphviewer.render.scene import GraphScene
from graphviewer.render.theme import Theme

SceneFactory = Callable[[Theme], GraphScene]
Shaper = Callable[[Direction | None, Fit], SceneFactory]
FIT_CHOICES: tuple[tuple[str, str], ...] = (
    ("As in the window", "window"),
    ("16:9 slide", "slide"),
    ("Portrait page", "page"),
)
DIRECTION_CHOICES: tuple[tuple[str, str], ...] = (
    ("Best for the shape", ""),
    ("Top to bottom", "TB"),
    ("Left to right", "LR"),
)


def shaper(snapshot: GraphSnapshot, collapsed: frozenset[str]) -> Shaper:
    """Scene factories for `snapshot` folded as `collapsed`, shaped for a fit (laid out once
    per direction and fit asked for)."""
    cache: dict[tuple[str | None, str], Layout] = {}

    def shaped(direction: Direction | None, fit: Fit) -> SceneFactory:
        key = (direction, fit)
        if key not in cache:
            from graphviewer.core.layout.fit import fit_layout
            from graphviewer.render.text import text_measurer

            cache[key] = fit_layout(
                snapshot.graph,
                snapshot.modules,
                collapsed,
                fit,
                (direction,) if direction else ("TB", "LR"),
                text_measurer(),
            )
        layout = cache[key]
        return lambda theme: GraphScene(snapshot, layout, theme)

    return shaped


class ShapeRow(QHBoxLayout):
    """Two combo boxes: the fit (window, slide, page) and the direction."""

    def __init__(self) -> None:
        super().__init__()
        self.fit_box = QComboBox()
        self.fit_box.setObjectName("exportFit")
        for label, name in FIT_CHOICES:
            self.fit_box.addItem(label, name)
        self.direction_box = QComboBox()
        self.direction_box.setObjectName("exportDirection")
        for label, name in DIRECTION_CHOICES:
            self.direction_box.addItem(label, name)
        self.addWidget(self.fit_box)
        self.addWidget(QLabel("flowing"))
        self.addWidget(self.direction_box)

    @property
    def fit(self) -> str:
        """ "window", "slide" or "page"."""
        return str(self.fit_box.currentData())

    @property
    def direction(self) -> Direction | None:
        return str(self.direction_box.currentData()) or None  # type: ignore[return-value]

    def sync(self) -> None:
        """The direction means something only when the picture is laid out again."""
        self.direction_box.setEnabled(self.fit != "window")
