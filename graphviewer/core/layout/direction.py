"""The flow's direction: a left-to-right layout is a top-to-bottom one laid out with every size
swapped, then transposed (x ↔ y), so layering, ordering and crossings are one piece of code."""

from __future__ import annotations

from dataclasses import replace
from typing import Literal

import numpy as np

from graphviewer.core.types import Layout

Direction = Literal["TB", "LR"]
DIRECTIONS: tuple[Direction, ...] = ("TB", "LR")


def check_direction(direction: str) -> Direction:
    """`direction` when it is one of DIRECTIONS; ValueError naming the choices otherwise."""
    if direction not in DIRECTIONS:
        raise ValueError(f"unknown direction {direction!r} (TB or LR)")
    return direction  # type: ignore[return-value]


def swap_boxes(boxes: np.ndarray) -> np.ndarray:
    """(N, 4) x, y, w, h boxes mirrored on the diagonal: y, x, h, w."""
    return boxes.reshape(-1, 4)[:, [1, 0, 3, 2]].copy()


def transposed(layout: Layout, direction: Direction) -> Layout:
    """`layout` mirrored on its diagonal (boxes, routes, groups), marked as `direction`."""
    return replace(
        layout,
        boxes=swap_boxes(layout.boxes),
        edge_points=layout.edge_points.reshape(-1, 2)[:, ::-1].copy(),
        group_boxes=swap_boxes(layout.group_boxes),
        direction=direction,
    )
