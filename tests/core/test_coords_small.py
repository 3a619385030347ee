"""Small blocks take the x passes element by element: the same x, to the last bit, as the
whole-array passes give."""

from __future__ import annotations

import numpy as np
import pytest

from graphviewer.core.layout import coords
from graphviewer.core.layout.coords import assign_x


def _case(seed: int) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, coords.SMALL_BLOCK + 1))
    layer = np.sort(rng.integers(0, max(1, n // 3), n))
    pos = np.empty(n)
    for v in np.unique(layer):
        at = np.nonzero(layer == v)[0]
        pos[at] = rng.permutation(len(at))
    width = rng.uniform(2, 160, n)
    gap = np.where(rng.random(n) < 0.3, 6.0, 20.0)
    pairs = [(a, b) for a in range(n) for b in range(n) if layer[b] == layer[a] + 1]
    chosen = [pairs[k] for k in rng.permutation(len(pairs))[: 2 * n]] if pairs else []
    src = np.array([a for a, _ in chosen], dtype=np.int64)
    dst = np.array([b for _, b in chosen], dtype=np.int64)
    weight = np.where(rng.random(len(src)) < 0.2, coords.LONG_EDGE_WEIGHT, 1.0)
    return layer, pos, width, gap, src, dst, weight


@pytest.mark.parametrize("seed", range(40))
def test_small_blocks_get_the_same_x(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    case = _case(seed)
    small = assign_x(*case)
    monkeypatch.setattr(coords, "SMALL_BLOCK", 0)
    whole = assign_x(*case)
    assert np.array_equal(small, whole), np.abs(small - whole).max()
