"""Building big `QPainterPath`s from numpy arrays in one call, for batched drawing.

Creating one `QPointF` per vertex from Python costs microseconds each; 100,000 edge vertices
would take a frame's budget several times over. Instead the elements are written into the binary
form `QDataStream` reads (big-endian: int32 count, then int32 type + two float64 per element,
then int32 cStart and int32 fill rule) and the path is read back in one C++ call.
"""

from __future__ import annotations

import struct

import numpy as np
from PySide6.QtCore import QByteArray, QDataStream
from PySide6.QtGui import QPainterPath

MOVE, LINE, CURVE, CURVE_DATA = 0, 1, 2, 3
_ELEMENT = np.dtype([("t", ">i4"), ("x", ">f8"), ("y", ">f8")])
_KAPPA = 0.5522847498  # cubic Bézier control distance for a quarter circle


def path_from_elements(types: np.ndarray, xs: np.ndarray, ys: np.ndarray) -> QPainterPath:
    """A path from parallel arrays of element types (MOVE/LINE/CURVE/CURVE_DATA) and points."""
    n = len(types)
    path = QPainterPath()
    if n == 0:
        return path
    elements = np.empty(n, dtype=_ELEMENT)
    elements["t"] = types
    elements["x"] = xs
    elements["y"] = ys
    buf = struct.pack(">i", n) + elements.tobytes() + struct.pack(">ii", 0, 1)  # winding fill
    stream = QDataStream(QByteArray(buf))
    stream >> path
    return path


def polylines_path(points: np.ndarray, offsets: np.ndarray, which: np.ndarray) -> QPainterPath:
    """One path holding polylines `which` (indices) of a concatenated (P, 2) point array."""
    if len(which) == 0:
        return QPainterPath()
    starts, ends = offsets[which], offsets[which + 1]
    counts = ends - starts
    keep = counts >= 2
    starts, counts = starts[keep], counts[keep]
    if len(starts) == 0:
        return QPainterPath()
    total = int(counts.sum())
    # index of every selected vertex: start of its polyline + position inside it
    first = np.cumsum(counts) - counts
    idx = np.arange(total) - np.repeat(first, counts) + np.repeat(starts, counts)
    types = np.full(total, LINE, dtype=np.int32)
    types[first] = MOVE
    pts = points[idx]
    return path_from_elements(types, pts[:, 0], pts[:, 1])


def rects_path(boxes: np.ndarray, radius: float = 0.0) -> QPainterPath:
    """One path of (N, 4) x, y, w, h boxes, with rounded corners when `radius` > 0."""
    if len(boxes) == 0:
        return QPainterPath()
    x, y, w, h = (boxes[:, i] for i in range(4))
    x1, y1 = x + w, y + h
    if radius <= 0:
        xs = np.stack([x, x1, x1, x, x], axis=1)
        ys = np.stack([y, y, y1, y1, y], axis=1)
        types = np.tile(np.array([MOVE, LINE, LINE, LINE, LINE], np.int32), len(boxes))
        return path_from_elements(types, xs.ravel(), ys.ravel())
    r = np.minimum(radius, np.minimum(w, h) / 2)
    k = r * (1 - _KAPPA)
    # Clockwise from the top edge; each corner is a cubic (CURVE, CURVE_DATA, CURVE_DATA).
    xs = np.stack(
        [
            x + r,
            x1 - r,
            x1 - k,
            x1,
            x1,
            x1,
            x1,
            x1 - k,
            x1 - r,
            x + r,
            x + k,
            x,
            x,
            x,
            x,
            x + k,
            x + r,
        ],
        axis=1,
    )
    ys = np.stack(
        [y, y, y, y + k, y + r, y1 - r, y1 - k, y1, y1, y1, y1, y1 - k, y1 - r, y + r, y + k, y, y],
        axis=1,
    )
    one = [MOVE, LINE, CURVE, CURVE_DATA, CURVE_DATA, LINE, CURVE, CURVE_DATA, CURVE_DATA]
    one += [LINE, CURVE, CURVE_DATA, CURVE_DATA, LINE, CURVE, CURVE_DATA, CURVE_DATA]
    types = np.tile(np.array(one, np.int32), len(boxes))
    return path_from_elements(types, xs.ravel(), ys.ravel())


def arrows_path(tips: np.ndarray, directions: np.ndarray, size: float) -> QPainterPath:
    """Filled arrowheads: triangles of length `size` ending at `tips`, along `directions`."""
    if len(tips) == 0:
        return QPainterPath()
    d = directions / np.maximum(np.linalg.norm(directions, axis=1, keepdims=True), 1e-9)
    normal = np.stack([-d[:, 1], d[:, 0]], axis=1)
    base = tips - d * size
    left, right = base + normal * size * 0.45, base - normal * size * 0.45
    pts = np.stack([tips, left, right, tips], axis=1)  # (N, 4, 2)
    types = np.tile(np.array([MOVE, LINE, LINE, LINE], np.int32), len(tips))
    return path_from_elements(types, pts[:, :, 0].ravel(), pts[:, :, 1].ravel())
