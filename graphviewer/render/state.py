"""What the viewer picked, and what is under a point: plain values shared by canvas and export."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Literal

BadgeLevel = Literal["error", "warning", "info"]


@dataclass(frozen=True)
class Overlay:
    """Every box coloured by one number instead of its category, with a colour bar.

    Used by the activation overlay (std, zeros %, dead %, NaN/Inf, saved bytes), the gradient
    overlay (gradient norm) and anything else that colours the graph by a value. `values` maps
    layout item ids (node ids, or "module:<path>" for a folded module) to finite numbers; an item
    with no value is drawn in the theme's "no value" grey. `log` colours by log10 of the value
    (values ≤ 0 count as "no value"). `low`/`high` fix the colour bar's ends (None: the range of
    the values). Changing the overlay repaints colours only: no re-layout.
    """

    values: Mapping[str, float]
    label: str  # the colour bar's title: "std of output", "‖grad‖ (log)"
    log: bool = False
    low: float | None = None
    high: float | None = None


@dataclass(frozen=True)
class Badge:
    """A short tag drawn on an item's top-right corner: "NaN", "23/64 dead", "Δ 0.41"."""

    text: str
    level: BadgeLevel = "warning"


_NO_BADGES: Mapping[str, Badge] = MappingProxyType({})


@dataclass(frozen=True)
class ViewState:
    """What the user picked, and what the panels ask the canvas to show over the graph.

    Ids are layout item ids ("n12", "module:blocks.3"), expanded groups as their module path or
    "group:<path>", and edges as "src->dst".

    - `selected`, `highlighted`: the selection outline and search highlights.
    - `overlay`: colour every box by a number (see `Overlay`); None draws categories.
    - `dimmed`: items drawn faded (the backward steps still to come, the nodes of the other mode).
    - `flow_edges`: edges drawn emphasised in the accent colour (a gradient flowing along them).
    - `badges`: item id → `Badge` (a problem found, a change between modes).
    """

    selected: frozenset[str] = frozenset()
    highlighted: frozenset[str] = frozenset()
    full_detail: bool = False
    overlay: Overlay | None = None
    dimmed: frozenset[str] = frozenset()
    flow_edges: frozenset[str] = frozenset()
    badges: Mapping[str, Badge] = field(default_factory=lambda: _NO_BADGES)


@dataclass(frozen=True)
class Layer:
    """What one panel puts over the graph (the activations' problems and overlay, the backward
    step, the mode comparison). The canvas keeps one layer per panel and shows them all at once
    with `with_layers`."""

    overlay: Overlay | None = None
    dimmed: frozenset[str] = frozenset()
    flow_edges: frozenset[str] = frozenset()
    badges: Mapping[str, Badge] = field(default_factory=lambda: _NO_BADGES)


def with_layers(state: ViewState, layers: Mapping[str, Layer]) -> ViewState:
    """`state` with every layer drawn over it: dimmed items and flow edges add up, a later
    layer's badge on the same item wins, and the last layer with an overlay colours the boxes."""
    overlay: Overlay | None = None
    dimmed: set[str] = set()
    flow: set[str] = set()
    badges: dict[str, Badge] = {}
    for layer in layers.values():
        overlay = layer.overlay or overlay
        dimmed |= layer.dimmed
        flow |= layer.flow_edges
        badges.update(layer.badges)
    return replace(
        state,
        overlay=overlay,
        dimmed=frozenset(dimmed),
        flow_edges=frozenset(flow),
        badges=MappingProxyType(badges) if badges else _NO_BADGES,
    )


@dataclass(frozen=True)
class Hit:
    """What is under a point: a "node" (any item box), a "group" box, or an "edge"."""

    kind: str
    id: str  # item id, group module path, or "src->dst"
    index: int  # into layout.items, layout.group_paths or the edges
