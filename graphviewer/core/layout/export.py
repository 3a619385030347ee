"""`layout_to_json`: a Layout as plain JSON data (schema: docs/json-schema.md, "layout")."""

from __future__ import annotations

from typing import Any

import numpy as np

from graphviewer.core.types import Layout


def layout_to_json(layout: Layout) -> dict[str, Any]:
    """Boxes of items and groups, edge polylines and the time taken; y grows downward."""
    boxes = np.round(layout.boxes, 2).tolist()
    items = [
        {
            "id": item,
            "stub": stub,
            "x": b[0],
            "y": b[1],
            "width": b[2],
            "height": b[3],
            "layer": layer,
        }
        for item, stub, b, layer in zip(
            layout.items, layout.is_stub.tolist(), boxes, layout.layers.tolist(), strict=True
        )
    ]
    groups = [
        {"module": path, "depth": depth, "x": b[0], "y": b[1], "width": b[2], "height": b[3]}
        for path, depth, b in zip(
            layout.group_paths,
            layout.group_depths.tolist(),
            np.round(layout.group_boxes, 2).tolist(),
            strict=True,
        )
    ]
    pts = np.round(layout.edge_points, 2).tolist()
    off = layout.edge_offsets.tolist()
    edges = [
        {
            "source": layout.items[s],
            "target": layout.items[t],
            "source_index": s,
            "target_index": t,
            "points": pts[off[k] : off[k + 1]],
        }
        for k, (s, t) in enumerate(
            zip(layout.edge_src.tolist(), layout.edge_dst.tolist(), strict=True)
        )
    ]
    x, y, w, h = layout.bounds
    return {
        "bounds": {"x": x, "y": y, "width": w, "height": h},
        "collapsed": sorted(layout.collapsed),
        "direction": layout.direction,
        "wrapped": layout.wrapped,
        "items": items,
        "groups": groups,
        "edges": edges,
        "crossings": layout.crossings,
        "dummies": layout.dummies,
        "seconds": layout.seconds,
    }
