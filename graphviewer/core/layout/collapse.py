"""The folding of a first view: which modules start collapsed so that any model reads at once."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any

from graphviewer.core.layout.calls import ancestor_paths, is_block
from graphviewer.core.types import ModuleInfo

FIRST_VIEW_ITEMS = 400  # the automatic depth shows at most about this many items


def default_collapsed(
    graph: Any, modules: Mapping[str, ModuleInfo], depth: int | None = None
) -> frozenset[str]:
    """Module paths to collapse: every called module that holds nodes, nested deeper than `depth`.

    Depth counts called modules (blocks) from the root: the root is 0, the modules it calls 1;
    a container never called itself does not count (nanoGPT's `transformer.h.0` is 1, as
    `transformer` and `transformer.h` only hold modules). With `depth=None` the
    deepest depth whose view has at most `FIRST_VIEW_ITEMS` items is chosen (GPT-2: its blocks
    expanded, their attention, MLP and norms collapsed; an unrolled LSTM: one `lstm` box).
    Deeper modules are listed too, so unfolding a module opens it one level at a time.
    """
    return shallower_foldings(graph, modules, depth)[0]


def shallower_foldings(
    graph: Any, modules: Mapping[str, ModuleInfo], depth: int | None = None
) -> list[frozenset[str]]:
    """`default_collapsed(graph, modules, depth)`, then each different folding at the depths
    above it, deepest first, ending with the one that folds every module the root calls."""
    per_module = Counter(d["node"].module for _, d in graph.nodes(data=True))
    # each module holding nodes: the blocks around it, outermost first (the root left out)
    chains = {m: [a for a in ancestor_paths(m)[1:] if is_block(a, modules)] for m in per_module}
    if depth is None:
        depth = _automatic_depth(per_module, chains)
    found = [frozenset(a for chain in chains.values() for a in chain[depth:])]
    for d in range(depth - 1, -1, -1):
        folding = frozenset(a for chain in chains.values() for a in chain[d:])
        if folding != found[-1]:
            found.append(folding)
    return found


def _automatic_depth(per_module: Counter[str], chains: Mapping[str, list[str]]) -> int:
    deepest = max((len(c) for c in chains.values()), default=0)
    best = 0
    for d in range(deepest + 1):
        shown = sum(c for m, c in per_module.items() if len(chains[m]) <= d)
        folded = {chains[m][d] for m in per_module if len(chains[m]) > d}
        if shown + len(folded) > FIRST_VIEW_ITEMS:
            break
        best = d
    return best
