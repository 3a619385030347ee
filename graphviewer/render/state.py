"""What the viewer picked, and what is under a point: plain values shared by canvas and export."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ViewState:
    """What the user picked: selected and highlighted item ids, and whether to skip shortcuts.

    Ids are layout item ids ("n12", "module:blocks.3"), expanded groups as their module path or
    "group:<path>", and edges as "src->dst".
    """

    selected: frozenset[str] = frozenset()
    highlighted: frozenset[str] = frozenset()
    full_detail: bool = False


@dataclass(frozen=True)
class Hit:
    """What is under a point: a "node" (any item box), a "group" box, or an "edge"."""

    kind: str
    id: str  # item id, group module path, or "src->dst"
    index: int  # into layout.items, layout.group_paths or the edges
