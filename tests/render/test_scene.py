"""GraphScene: hit testing on known boxes, level of detail, culling and batching."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QImage, QPainter

from graphviewer.core.types import GraphSnapshot, Layout
from graphviewer.render import paths
from graphviewer.render.scene import GraphScene, ViewState
from graphviewer.render.theme import theme_named
from tests.render.conftest import synthetic


class CountingPainter(QPainter):
    """A painter that counts the labels it draws."""

    texts: list[str]
    boxes: int
    lines: int

    def __init__(self, device: QImage) -> None:
        super().__init__(device)
        self.texts = []
        self.boxes = 0
        self.lines = 0

    def drawLines(self, lines: list[object]) -> None:  # type: ignore[override]
        self.lines += len(lines)
        super().drawLines(lines)

    def drawText(self, *args: object) -> None:
        self.texts.append(str(args[-1]))
        super().drawText(*args)  # type: ignore[call-overload]

    def drawRoundedRect(self, *args: object) -> None:
        self.boxes += 1
        super().drawRoundedRect(*args)  # type: ignore[call-overload]


def _paint(scene: GraphScene, visible: QRectF, scale: float, state: ViewState) -> CountingPainter:
    image = QImage(800, 600, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(0)
    painter = CountingPainter(image)
    painter.scale(scale, scale)
    painter.translate(-visible.topLeft())
    scene.paint(painter, visible, scale, state)
    painter.end()
    return painter


def test_hit_test_finds_nodes_edges_groups(mlp_snapshot: GraphSnapshot, mlp_layout: Layout) -> None:
    scene = GraphScene(mlp_snapshot, mlp_layout, theme_named("light"))
    for k in (0, 3, len(mlp_layout.items) - 1):
        x, y, w, h = mlp_layout.boxes[k]
        hit = scene.hit_test(QPointF(x + w / 2, y + h / 2))
        assert hit is not None and (hit.kind, hit.id, hit.index) == ("node", mlp_layout.items[k], k)
        assert scene.item_rect(mlp_layout.items[k]) == QRectF(x, y, w, h)
    a, b = mlp_layout.edge_points[0], mlp_layout.edge_points[1]
    hit = scene.hit_test(QPointF(*(a + (b - a) * 0.4)) + QPointF(1.5, 0))
    src, dst = mlp_layout.items[mlp_layout.edge_src[0]], mlp_layout.items[mlp_layout.edge_dst[0]]
    assert hit is not None and hit.kind == "edge" and hit.id == f"{src}->{dst}"
    g = mlp_layout.group_paths.index("bn1")
    gx, gy, gw, _gh = mlp_layout.group_boxes[g]
    hit = scene.hit_test(QPointF(gx + gw - 2, gy + 3))
    assert hit is not None and hit.kind == "group"
    assert scene.item_rect(hit.id) == scene.item_rect(f"group:{hit.id}")
    assert scene.hit_test(QPointF(-1e5, -1e5)) is None
    assert scene.item_rect("no such item").isEmpty()


def test_paint_culls_to_visible_rect(qapp: object) -> None:
    snap, layout = synthetic(2000, columns=50)
    scene = GraphScene(snap, layout, theme_named("light"))
    painter = _paint(scene, QRectF(0, 0, 800, 600), 1.0, ViewState())
    assert 0 < painter.boxes < 200  # 6 columns × 9 rows, plus the margin, of 2,000
    assert len([t for t in painter.texts if "\n" in t]) == painter.boxes  # + edge shapes


def test_paint_batches_boxes_when_zoomed_out(monkeypatch: pytest.MonkeyPatch, qapp: object) -> None:
    snap, layout = synthetic(20_000, columns=100)
    scene = GraphScene(snap, layout, theme_named("light"))
    drawn: list[int] = []
    real = paths.rects_path

    def counting(boxes, radius=0.0):  # type: ignore[no-untyped-def]
        drawn.append(len(boxes))
        return real(boxes, radius)

    monkeypatch.setattr(paths, "rects_path", counting)
    painter = _paint(scene, scene.bounds, 0.05, ViewState())
    assert sum(drawn) == 20_000 and len(drawn) == 6  # one path per category present
    assert painter.boxes == 0 and painter.texts == []
    _paint(scene, scene.bounds, 0.05, ViewState())
    assert len(drawn) == 6  # the full frame's paths are cached


def test_labels_skipped_when_too_small_unless_full_detail(qapp: object) -> None:
    snap, layout = synthetic(400, columns=20)
    scene = GraphScene(snap, layout, theme_named("dark"))
    assert _paint(scene, scene.bounds, 0.2, ViewState()).texts == []
    assert len(_paint(scene, scene.bounds, 1.0, ViewState()).texts) > 0
    full = _paint(scene, scene.bounds, 0.2, ViewState(full_detail=True)).texts
    assert len([t for t in full if "\n" in t]) == 400  # every node label, shape line included


def test_selection_and_highlight_paint(mlp_snapshot: GraphSnapshot, mlp_layout: Layout) -> None:
    scene = GraphScene(mlp_snapshot, mlp_layout, theme_named("light"))
    first, second = mlp_layout.items[0], mlp_layout.items[1]
    src, dst = mlp_layout.items[mlp_layout.edge_src[0]], mlp_layout.items[mlp_layout.edge_dst[0]]
    state = ViewState(frozenset({first, f"{src}->{dst}", "bn1"}), frozenset({second}))
    image = QImage(900, 900, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(0)
    painter = QPainter(image)
    scene.paint(painter, scene.bounds, 1.0, state)
    painter.end()
    x, y, w, _h = mlp_layout.boxes[0]
    selection = theme_named("light").selection
    assert image.pixelColor(int(x + w / 2), int(y)).name() == selection.name()


def test_zoomed_frame_of_20k_nodes_draws_only_what_is_in_view(qapp: object) -> None:
    """What keeps a frame of a huge graph fast (benchmarks/bench_window.py times it): a zoomed-in
    frame draws the boxes, labels and edge segments in view, not the other 20,000."""
    snap, layout = synthetic(20_000, columns=100)
    scene = GraphScene(snap, layout, theme_named("light"))
    view = QRectF(5000, 5000, 800, 600)
    painter = _paint(scene, view, 1.0, ViewState())
    x, y, w, h = (layout.boxes[:, i] for i in range(4))
    margin = 20
    in_view = int(
        (
            (x + w >= view.left() - margin)
            & (x <= view.right() + margin)
            & (y + h >= view.top() - margin)
            & (y <= view.bottom() + margin)
        ).sum()
    )
    assert 0 < painter.boxes <= in_view < 200
    assert len([t for t in painter.texts if "\n" in t]) == painter.boxes
    assert 0 < painter.lines < len(layout.edge_src) // 50  # segments of the edges in view


def test_stub_of_collapsed_module_draws_the_text_it_was_sized_for(
    mlp_snapshot: GraphSnapshot, mlp_layout: Layout
) -> None:
    """A stub standing for a collapsed module shows its last name, as `item_label` sized it."""
    import dataclasses

    import numpy as np

    from graphviewer.core.labels import item_label, module_label
    from graphviewer.core.types import collapsed_id

    items, stub = list(mlp_layout.items), np.zeros(len(mlp_layout.items), dtype=bool)
    items[0], stub[0] = collapsed_id("layer1"), True
    layout = dataclasses.replace(mlp_layout, items=tuple(items), is_stub=stub)
    scene = GraphScene(mlp_snapshot, layout, theme_named("light"))
    painter = _paint(scene, scene.bounds, 1.0, ViewState(full_detail=True))
    info = mlp_snapshot.modules["layer1"]
    assert "layer1" in painter.texts
    assert not any(line in painter.texts for line in module_label(info).split("\n")[1:])
    for k, item in enumerate(items):
        node = mlp_snapshot.node(item) if item in mlp_snapshot.graph else None
        module = None if node else mlp_snapshot.modules.get(item.removeprefix("module:"))
        expected = item_label(item, stub=bool(stub[k]), node=node, module=module)
        assert scene._label(k) == expected


def _with_second_call(layout: Layout, path: str) -> tuple[Layout, tuple[float, ...]]:
    """`layout` with a second group box for `path`, right of everything (a module called twice)."""
    import dataclasses

    import numpy as np

    x, y, w, _h = layout.bounds
    second = (round(x + w + 100.0), round(y + 40.0), 120.0, 90.0)
    g = layout.group_paths.index(path)
    return (
        dataclasses.replace(
            layout,
            group_paths=(*layout.group_paths, path),
            group_boxes=np.vstack([layout.group_boxes, second]),
            group_depths=np.append(layout.group_depths, layout.group_depths[g]),
        ),
        second,
    )


def _has_colour(image: QImage, x: float, y: float, colour: object, reach: int = 2) -> bool:
    from PySide6.QtGui import QColor

    want = QColor(colour)  # type: ignore[call-overload]
    for dx in range(-reach, reach + 1):
        for dy in range(-reach, reach + 1):
            got = image.pixelColor(int(x) + dx, int(y) + dy)
            if max(abs(got.red() - want.red()), abs(got.green() - want.green()),
                   abs(got.blue() - want.blue())) <= 8:  # fmt: skip
                return True
    return False


def test_selecting_a_module_called_twice_marks_every_box(
    mlp_snapshot: GraphSnapshot, mlp_layout: Layout
) -> None:
    """`group_paths` repeats a module called twice: selecting or highlighting it marks both."""
    layout, second = _with_second_call(mlp_layout, "bn1")
    theme = theme_named("light")
    scene = GraphScene(mlp_snapshot, layout, theme)
    first = layout.group_boxes[layout.group_paths.index("bn1")]
    assert len(scene.item_boxes("bn1")) == len(scene.item_boxes("group:bn1")) == 2
    hit = scene.hit_test(QPointF(second[0] + 60, second[1] + 45))
    assert hit is not None and (hit.kind, hit.id) == ("group", "bn1")
    bounds = scene.bounds.adjusted(-20, -20, 20, 20)
    for state, colour, outside in (
        (ViewState(selected=frozenset({"bn1"})), theme.selection, 0.0),
        (ViewState(highlighted=frozenset({"bn1"})), theme.highlight, 3.0),
    ):
        image = QImage(int(bounds.width()), int(bounds.height()), QImage.Format.Format_RGB32)
        image.fill(theme.background)
        painter = QPainter(image)
        painter.translate(-bounds.topLeft())
        scene.paint(painter, bounds, 1.0, state)
        painter.end()
        for gx, gy, _gw, gh in (first, second):
            x, y = gx - outside - bounds.left(), gy + gh / 2 - bounds.top()
            assert _has_colour(image, x, y, colour), (state, (gx, gy))


def test_marks_are_culled_and_batched(qapp: object) -> None:
    """Highlights and selection skip what is off screen and, when thousands show, go out as one
    path: one rounded rect per mark cost 28 ms a frame for 4,800 search matches."""
    snap, layout = synthetic(20_000, columns=200)
    scene = GraphScene(snap, layout, theme_named("light"))
    every_fourth = frozenset(layout.items[::4])  # 5,000 marks
    close = QRectF(0, 0, 800, 600)  # about 6 × 9 boxes at zoom 1
    for state in (ViewState(highlighted=every_fourth), ViewState(selected=every_fourth)):
        plain = _paint(scene, close, 1.0, ViewState()).boxes
        marked = _paint(scene, close, 1.0, state).boxes - plain
        assert 0 < marked <= 40, (state, marked)  # only the visible marks
        bounds = scene.bounds
        fitted = 800 / bounds.width()
        plain = _paint(scene, bounds, fitted, ViewState()).boxes
        _paint(scene, bounds, fitted, state)  # the first frame builds the boxes and path
        marked = _paint(scene, bounds, fitted, state).boxes - plain
        assert marked <= 300  # one path, not 5,000 rounded rects


@pytest.mark.parametrize("name", ["light", "dark"])
def test_selection_colour_contrasts_with_every_fill(name: str) -> None:
    """The selection outline stays visible on any box: contrast ratio ≥ 3 (WCAG, non-text)."""
    from graphviewer.render.theme import _contrast

    theme = theme_named(name)
    ratios = {k: _contrast(theme.selection, fill) for k, fill in theme.category_fill.items()}
    assert min(ratios.values()) >= 3.0, ratios
    assert _contrast(theme.selection, theme.background) >= 3.0
