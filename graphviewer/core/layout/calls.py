"""Which module call made each node: the blocks (group boxes, folded items) are calls, not paths.

A block is one call of a module. A module called several times (super-resolution's one `relu`
after each of three convolutions, a dropout used twice) is one block per call, named
`path@k` (`CALL_MARK`; `module_path` strips it): one box or folded item for all calls would sit
on a cycle (out of it, through the caller, back into it) and force edges upward. A module that
was never called itself (an `nn.ModuleDict` or `nn.ModuleList` holding modules that the caller
runs one by one) is no block: its called children are blocks at the caller's level, their
names still showing the container (`transformer.wte`).

The call of a node comes from the recorder (`GraphNode.calls`); a leaf (a parameter) takes the
call of its first consumer. Graphs without that record (TorchScript, hand-built test graphs)
fall back to the connected pieces a multi-call module's nodes form.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from graphviewer.core.types import GraphNode, ModuleInfo

CALL_MARK = "@"  # "relu@2": the second call of module "relu"

# A chain: the blocks holding a node, outermost first, the root left out; each entry is
# (module path, block name).
Chain = tuple[tuple[str, str], ...]


def module_path(block: str) -> str:
    """The module path of a block name ("a.relu@2" → "a.relu")."""
    if CALL_MARK not in block:
        return block
    return ".".join(part.split(CALL_MARK, 1)[0] for part in block.split("."))


def ancestor_paths(path: str) -> list[str]:
    """`"a.b"` → `["", "a", "a.b"]`: the module and its parents, outermost first."""
    if not path:
        return [""]
    parts = path.split(".")
    return ["", *(".".join(parts[: i + 1]) for i in range(len(parts)))]


def is_block(path: str, modules: Mapping[str, ModuleInfo]) -> bool:
    """True for the root and every module that ran (or could not be watched): what is drawn."""
    info = modules.get(path)
    return not path or info is None or info.calls > 0 or not info.observed


def block_depth(path: str, modules: Mapping[str, ModuleInfo]) -> int:
    """Nesting depth counted in blocks: `transformer.h.0` is 1 when only the root calls it."""
    return sum(1 for a in ancestor_paths(path)[1:] if is_block(a, modules))


@dataclass
class CallTree:
    """Per node the chain of blocks holding it; per block name its enclosing block ("" = root)."""

    chains: list[Chain]
    parent: dict[str, str]


def call_tree(
    nodes: Sequence[GraphNode],
    graph: Any,
    modules: Mapping[str, ModuleInfo],
    index: Mapping[str, int] | None = None,
) -> CallTree:
    """The blocks of every node of `graph` (a DiGraph over `nodes`' ids, in creation order);
    `index` maps each id to its position in `nodes`."""
    if index is None:
        index = {n.id: i for i, n in enumerate(nodes)}
    frames = [n.calls for n in nodes]
    for i, node in enumerate(nodes):
        if not node.calls and node.kind in ("param", "input"):
            # a parameter belongs to the call that used it first
            used = sorted(index[s] for s in graph.succ[node.id])
            frames[i] = next((frames[j] for j in used if nodes[j].calls), ())
    # keyed by the frame's identity: one tuple per call, shared by its nodes (hashing the
    # tuple itself for each of 20,000 nodes cost more than the rest of the walk)
    cache: dict[tuple[str, int], Chain] = {}
    parent: dict[str, str] = {}
    chains: list[Chain] = []
    unrecorded = False
    for node, frame in zip(nodes, frames, strict=True):
        key = (node.module, id(frame))
        chain = cache.get(key)
        if chain is None:
            chain = cache[key] = _chain(node.module, frame, modules)
            _note_parents(chain, parent)
            unrecorded = unrecorded or (not frame and bool(node.module))
        chains.append(chain)
    if unrecorded:
        _split_unrecorded(nodes, frames, chains, parent, graph, index, modules)
    return CallTree(chains, parent)


def _chain(
    path: str, frame: tuple[tuple[str, int], ...], modules: Mapping[str, ModuleInfo]
) -> Chain:
    if frame:
        running = dict(frame)
        inside = [a for a in ancestor_paths(path)[1:] if a in running]
    else:
        running = {}
        inside = [a for a in ancestor_paths(path)[1:] if is_block(a, modules)]
    segments = path.split(".") if path else []
    marked = list(segments)
    for depth in range(1, len(segments) + 1):
        a = ".".join(segments[:depth])
        info = modules.get(a)
        if a in running and info is not None and info.calls > 1:
            marked[depth - 1] = f"{segments[depth - 1]}{CALL_MARK}{running[a]}"
    return tuple((a, ".".join(marked[: _depth(a)])) for a in inside)


def _note_parents(chain: Chain, parent: dict[str, str]) -> None:
    above = ""
    for _, name in chain:
        parent.setdefault(name, above)
        above = name


def _split_unrecorded(
    nodes: Sequence[GraphNode],
    frames: list[tuple[tuple[str, int], ...]],
    chains: list[Chain],
    parent: dict[str, str],
    graph: Any,
    index: Mapping[str, int],
    modules: Mapping[str, ModuleInfo],
) -> None:
    """Blocks per call where no call was recorded: the connected pieces of the nodes inside the
    outermost multi-call module, numbered by their earliest node (a leaf joins the piece of its
    first consumer)."""
    owner: list[str | None] = [None] * len(nodes)
    for i, (chain, frame) in enumerate(zip(chains, frames, strict=True)):
        if not frame:
            owner[i] = next(
                (a for a, _ in chain if (m := modules.get(a)) is not None and m.calls > 1), None
            )
    root = list(range(len(nodes)))

    def find(k: int) -> int:
        while root[k] != k:
            root[k] = root[root[k]]
            k = root[k]
        return k

    for i, node in enumerate(nodes):
        if owner[i] is None:
            continue
        succ = sorted(index[s] for s in graph.succ[node.id])
        leaf = not graph.pred[node.id]
        for j in succ[:1] if leaf else succ:
            if owner[j] == owner[i]:
                a, b = find(i), find(j)
                if a != b:
                    root[max(a, b)] = min(a, b)
    pieces: dict[str, dict[int, None]] = {}
    for i, path in enumerate(owner):
        if path is not None:
            pieces.setdefault(path, {})[find(i)] = None  # roots come in creation order
    number = {(path, r): k for path, rs in pieces.items() for k, r in enumerate(rs, start=1)}
    renamed: dict[tuple[Chain, int], Chain] = {}
    for i, path in enumerate(owner):
        if path is None:
            continue
        call = number[(path, find(i))]
        key = (chains[i], call)
        new = renamed.get(key)
        if new is None:
            cut = len(path)
            new = renamed[key] = tuple(
                (a, f"{name[:cut]}{CALL_MARK}{call}{name[cut:]}" if len(a) >= cut else name)
                for a, name in chains[i]
            )
            _note_parents(new, parent)
        chains[i] = new


def _depth(path: str) -> int:
    return 0 if not path else path.count(".") + 1
