"""Edges drawn as smooth curves: each slanted step of a route becomes an S-curve (a cubic
Bézier leaving and entering along the flow), sampled into the polyline the painter, the hit
test and the arrowheads use. Straight steps stay straight; the layout's routes are unchanged."""

from __future__ import annotations

import numpy as np

STEPS = 10  # line pieces per curve
MAX_CURVES = 40_000  # past this many slanted steps (a huge graph, seen from afar) stay straight
SLANT = 0.5  # a step moving less than this across the flow is straight


def curved_routes(
    points: np.ndarray, offsets: np.ndarray, direction: str = "TB"
) -> tuple[np.ndarray, np.ndarray]:
    """(points, offsets) with every slanted step between two points of one route replaced by
    a sampled S-curve whose tangents at both ends run along the flow (down for "TB", right
    for "LR")."""
    n = len(offsets) - 1
    if n <= 0 or len(points) < 2:
        return points, offsets
    along, across = (1, 0) if direction == "TB" else (0, 1)
    owner = np.repeat(np.arange(n), np.diff(offsets))
    d = points[1:] - points[:-1]
    slanted = (
        (owner[1:] == owner[:-1]) & (np.abs(d[:, across]) > SLANT) & (np.abs(d[:, along]) > SLANT)
    )
    count = int(slanted.sum())
    if count == 0 or count > MAX_CURVES:
        return points, offsets
    # after point i, STEPS - 1 new points when step i is slanted
    extra = np.zeros(len(points), dtype=np.int64)
    extra[:-1][slanted] = STEPS - 1
    at = np.arange(len(points)) + np.concatenate([[0], np.cumsum(extra)[:-1]])
    out = np.empty((len(points) + count * (STEPS - 1), 2))
    out[at] = points
    p0, p3 = points[:-1][slanted], points[1:][slanted]
    mid = (p0[:, along] + p3[:, along]) / 2
    p1, p2 = p0.copy(), p3.copy()
    p1[:, along] = mid
    p2[:, along] = mid
    t = np.arange(1, STEPS) / STEPS
    a, b, c, e = (1 - t) ** 3, 3 * (1 - t) ** 2 * t, 3 * (1 - t) * t**2, t**3
    samples = (
        a[None, :, None] * p0[:, None]
        + b[None, :, None] * p1[:, None]
        + c[None, :, None] * p2[:, None]
        + e[None, :, None] * p3[:, None]
    )  # (count, STEPS - 1, 2)
    first = at[:-1][slanted] + 1
    out[(first[:, None] + np.arange(STEPS - 1)[None]).ravel()] = samples.reshape(-1, 2)
    point_extra = np.concatenate([[0], np.cumsum(extra)])
    new_off = offsets + point_extra[offsets]
    return out, new_off
