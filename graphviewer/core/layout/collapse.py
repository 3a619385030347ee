"""The folding of a first view: which modules start collapsed so that any model reads at once."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any

from graphviewer.core.layout.items import ancestor_paths
from graphviewer.core.types import ModuleInfo

FIRST_VIEW_ITEMS = 400  # the automatic depth shows at most about this many items


def default_collapsed(
    graph: Any, modules: Mapping[str, ModuleInfo], depth: int | None = None
) -> frozenset[str]:
    """Module paths to collapse: every module that holds nodes and is nested deeper than `depth`.

    Depth counts like `ModuleInfo.depth`: the root is 0, its children 1. With `depth=None` the
    deepest depth whose view has at most `FIRST_VIEW_ITEMS` items is chosen (GPT-2: its blocks
    expanded, their attention, MLP and norms collapsed; an unrolled LSTM: one `lstm` box).
    Deeper modules are listed too, so unfolding a module opens it one level at a time.
    """
    per_module = Counter(d["node"].module for _, d in graph.nodes(data=True))
    holding = {a for m in per_module for a in ancestor_paths(m)}
    del modules  # the graph says which modules hold nodes; the tree adds nothing drawable
    if depth is None:
        depth = _automatic_depth(per_module)
    return frozenset(p for p in holding if _depth(p) > depth)


def _automatic_depth(per_module: Counter[str]) -> int:
    deepest = max((_depth(m) for m in per_module), default=0)
    best = 0
    for d in range(deepest + 1):
        shown = sum(c for m, c in per_module.items() if _depth(m) <= d)
        folded = {_prefix(m, d + 1) for m in per_module if _depth(m) > d}
        if shown + len(folded) > FIRST_VIEW_ITEMS:
            break
        best = d
    return best


def _depth(path: str) -> int:
    return 0 if not path else path.count(".") + 1


def _prefix(path: str, depth: int) -> str:
    return ".".join(path.split(".")[:depth])
