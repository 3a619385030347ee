"""Shaping a picture for where it is shown: the direction and the number of columns (or rows)
that let a graph be drawn largest on a 16:9 slide or a portrait page."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal

from graphviewer.core.layout.direction import DIRECTIONS, Direction
from graphviewer.core.layout.place import Measure
from graphviewer.core.layout.reach import reach
from graphviewer.core.layout.wrap import wrapper
from graphviewer.core.types import Layout, ModuleInfo

Fit = Literal["slide", "page", "none"]
FITS: tuple[Fit, ...] = ("slide", "page", "none")
# Room for the graph, in layout units at scale 1: a 1920×1080 slide and an A4 page at 96 dpi,
# less margins, the title and the legend.
TARGETS: dict[str, tuple[float, float]] = {"slide": (1840.0, 960.0), "page": (700.0, 1000.0)}
# Larger than this gains nothing: a page reads a graph at its own size, a slide from afar
ENOUGH: dict[str, float] = {"slide": 2.0, "page": 1.0}
MAX_WRAP = 6  # columns or rows at most: more and the eye loses the flow
FIT_MAX_ITEMS = 2_000  # above this no slide can hold the graph readably: one layout, as laid out
SPLIT_PENALTY = 0.7  # per module box cut in two that one column could have held whole
WRAP_GAIN = 1.1  # one more column must draw the graph larger by this much to be worth a turn


def check_fit(fit: str) -> Fit:
    """`fit` when it is one of FITS; ValueError naming the choices otherwise."""
    if fit not in FITS:
        raise ValueError(f"unknown fit {fit!r} (slide, page or none)")
    return fit  # type: ignore[return-value]


def scale_on(layout: Layout, target: tuple[float, float]) -> float:
    """How large `layout` can be drawn inside `target` (1.0: at its own size)."""
    _, _, w, h = layout.bounds
    if w <= 0 or h <= 0:
        return float("inf")
    return min(target[0] / w, target[1] / h)


def fit_layout(
    graph: Any,
    modules: Mapping[str, ModuleInfo],
    collapsed: frozenset[str],
    fit: Fit,
    directions: Sequence[Direction] = DIRECTIONS,
    measure: Measure | None = None,
) -> Layout:
    """`graph` folded as `collapsed`, laid out in the direction and columns (`arrange`) that
    draw it largest on `fit`'s target."""
    from graphviewer.core.layout.engine import layout_graph

    return arrange(
        lambda d: layout_graph(graph, modules, collapsed=collapsed, measure=measure, direction=d),
        fit,
        directions,
    )


def arrange(
    lay_out: Callable[[Direction], Layout],
    fit: Fit,
    directions: Sequence[Direction] = DIRECTIONS,
    floor: float = 0.0,
) -> Layout:
    """The layout among `directions` × 1..MAX_WRAP columns drawn largest on `fit`'s target.

    `lay_out(direction)` lays the graph out; with fit "none" the first direction is used as it
    is, and so it is for a graph of more than FIT_MAX_ITEMS items (laying it out again would
    cost seconds, and no shape makes it readable on one slide). Ties go to the first direction
    and to fewer columns. A direction after the first is laid out only when it could be drawn
    larger than the best so far and at least at `floor` (`reach`): a caller that will reject
    anything smaller than `floor` says so, and may then get a layout smaller than the best.
    """
    first = lay_out(directions[0])
    if fit == "none" or len(first.items) > FIT_MAX_ITEMS:
        return first
    target, enough = TARGETS[fit], ENOUGH[fit]

    def size(layout: Layout) -> float:
        return min(scale_on(layout, target), enough)

    best: Layout | None = None
    best_scale = 0.0
    for direction in directions:
        if best_scale >= enough:
            break  # drawn as large as is useful already: the other direction cannot beat it
        if direction != directions[0]:
            could = min(reach(first, direction, target, MAX_WRAP), enough)
            if could <= best_scale * 1.02 or could < floor:
                continue  # it cannot be drawn larger than what there is, or large enough
        plain = first if direction == directions[0] else lay_out(direction)
        columns_best, scale = 1, size(plain)
        last = scale
        wrap_layout = wrapper(plain)
        for columns in range(2, MAX_WRAP + 1):
            if last >= enough:
                break
            wrapped = wrap_layout(columns, routes=False)  # measured; routed once chosen
            if wrapped.wrapped < columns:
                break  # no more places to cut
            raw = size(wrapped)
            if raw < last * 0.8:
                break  # well past the best number: more columns only make it wider
            last = max(last, raw)
            s = raw * SPLIT_PENALTY ** _small_splits(plain, wrapped)
            if s > scale * WRAP_GAIN:
                columns_best, scale = columns, s
        if best is None or scale > best_scale * 1.02:
            best, best_scale = wrap_layout(columns_best), scale
    assert best is not None
    return best


def _small_splits(plain: Layout, wrapped: Layout) -> int:
    """How many module boxes `wrapped` cut into pieces though one column is taller than them."""
    column = wrapped.bounds[3] if wrapped.direction == "TB" else wrapped.bounds[2]
    extent = 3 if plain.direction == "TB" else 2
    before = {p: plain.group_paths.count(p) for p in set(plain.group_paths)}
    count = 0
    for path in set(wrapped.group_paths):
        extra = wrapped.group_paths.count(path) - before.get(path, 0)
        if extra > 0:
            tallest = max(
                b[extent]
                for b, q in zip(plain.group_boxes, plain.group_paths, strict=True)
                if q == path
            )
            count += extra if tallest < column else 0
    return count
