"""Edges as S-curves: same ends, leaving and entering along the flow, straight steps kept."""

from __future__ import annotations

import numpy as np

from graphviewer.render.curves import STEPS, curved_routes


def test_slanted_steps_become_s_curves_along_the_flow() -> None:
    pts = np.array([[0, 0], [0, 10], [20, 30], [20, 40], [5, 5], [5, 25.0]])
    off = np.array([0, 4, 6])
    out, new_off = curved_routes(pts, off, "TB")
    first = out[new_off[0] : new_off[1]]
    assert len(first) == 4 + STEPS - 1
    assert np.allclose(first[[0, 1]], pts[[0, 1]]) and np.allclose(first[-2:], pts[2:4])
    assert np.all(np.diff(first[:, 1]) > 0)  # always downward
    curve = first[1 : 1 + STEPS + 1]
    # leaves and enters (nearly) vertically: the first and last pieces are steeper than 2:1
    for a, b in ((curve[0], curve[1]), (curve[-2], curve[-1])):
        dx, dy = abs(b[0] - a[0]), abs(b[1] - a[1])
        assert dy > 1.5 * dx
    assert np.allclose(out[new_off[1] : new_off[2]], pts[4:6])  # a straight edge stays


def test_left_to_right_curves_leave_horizontally() -> None:
    pts = np.array([[0, 0], [10, 0], [30, 20], [40, 20.0]])
    out, new_off = curved_routes(pts, np.array([0, 4]), "LR")
    curve = out[1 : 1 + STEPS + 1]
    assert np.all(np.diff(out[:, 0]) > 0)
    a, b = curve[0], curve[1]
    assert abs(b[0] - a[0]) > 1.5 * abs(b[1] - a[1])
    assert new_off[-1] == len(out)
