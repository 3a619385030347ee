"""The walk of `grad_fn.next_functions` into a `networkx.DiGraph` of plain `GraphNode`s.

Iterative (no recursion: 100,000-node graphs must not overflow the stack). The walk reaches
exactly the autograd nodes torchviz's `make_dot` reaches from the same outputs. Edges point in
data-flow direction, producer → consumer: the reverse of `next_functions`.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import networkx as nx
import torch

from graphviewer.core.dtypes import dtype_name
from graphviewer.core.gc_pause import gc_paused
from graphviewer.core.types import GraphNode, NodeKind, SavedTensor, SourceLoc

_ACCUMULATE = "AccumulateGrad"
_BACKWARD_SUFFIX = re.compile(r"Backward\d*$")
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=[0-9])(?=[A-Z][a-z])|(?<=[A-Z])(?=[A-Z][a-z])")
_saved_names_by_class: dict[type, tuple[str, ...]] = {}
_not_tensors_by_class: dict[type, set[str]] = {}  # `_saved_*` attributes that hold no tensors


class WalkResult(NamedTuple):
    """The walked graph, the ids of its roots, and each live grad_fn's id (for the capture only:
    the ids map must not leave the worker, it keeps the autograd graph alive)."""

    graph: nx.DiGraph
    output_ids: tuple[str, ...]
    fn_ids: dict[Any, str]


@dataclass(frozen=True)
class NodeNote:
    """What the capture learned about an autograd node while the forward ran."""

    module: str
    source: SourceLoc | None = None
    calls: tuple[tuple[str, int], ...] = ()  # the running module calls (`GraphNode.calls`)


@functools.lru_cache(maxsize=4096)
def friendly_op(backward_class: str) -> str:
    """`AddmmBackward0` → `addmm`, `NativeLayerNormBackward0` → `native_layer_norm`."""
    name = _BACKWARD_SUFFIX.sub("", backward_class.rsplit("::", 1)[-1]) or backward_class
    return _CAMEL.sub("_", name).lower()


def walk_autograd_graph(
    roots: Sequence[Any],
    *,
    notes: Mapping[Any, NodeNote] | None = None,
    param_names: Mapping[int, str] | None = None,
    leaf_names: Mapping[int, str] | None = None,
    check: Callable[[], None] | None = None,
) -> WalkResult:
    """Walk the autograd graph from `roots` (grad_fn nodes) and return it with the roots' ids.

    `notes` maps grad_fn nodes to the module/source the capture recorded; `param_names` maps
    `id(parameter)` to its dotted name; `leaf_names` names other leaf tensors (a script's `x`);
    `check` is called every few thousand nodes (to cancel).
    """
    with gc_paused():
        return _walk(roots, notes or {}, param_names or {}, leaf_names or {}, check)


def _walk(
    roots: Sequence[Any],
    notes: Mapping[Any, NodeNote],
    param_names: Mapping[int, str],
    leaf_names: Mapping[int, str],
    check: Callable[[], None] | None,
) -> WalkResult:
    """The walk proper; see `walk_autograd_graph`."""
    if notes is None:
        notes = {}
    param_names = param_names or {}
    order: list[Any] = []
    index: dict[Any, int] = {}
    edges: list[tuple[int, int, int]] = []  # (producer index, consumer index, producer output)
    stack = [r for r in roots if r is not None]
    for r in stack:
        if r not in index:
            index[r] = len(order)
            order.append(r)
    stack = list(order)
    while stack:
        fn = stack.pop()
        consumer = index[fn]
        for nxt, out_nr in fn.next_functions:
            if nxt is None:
                continue
            k = index.get(nxt)
            if k is None:
                k = index[nxt] = len(order)
                order.append(nxt)
                stack.append(nxt)
                if check is not None and k % 4096 == 0:
                    check()
            edges.append((k, consumer, out_nr))

    seqs = _creation_order(order, edges)
    rank = sorted(range(len(order)), key=lambda i: (seqs[i], i))
    ids = [""] * len(order)
    for new, old in enumerate(rank):
        ids[old] = f"n{new}"
    root_set = {index[r] for r in roots if r is not None}

    metas = [_output_metadata(fn) for fn in order]
    graph = nx.DiGraph()
    graph.add_nodes_from(
        (
            ids[i],
            {
                "node": _describe(
                    order[i], ids[i], metas[i], i in root_set, notes, param_names, leaf_names
                )
            },
        )
        for i in rank
    )
    edge_attrs: dict[tuple[str, str], dict[str, Any]] = {}
    for src, dst, out_nr in edges:
        key = (ids[src], ids[dst])
        attrs = edge_attrs.get(key)
        if attrs is not None:
            attrs["count"] += 1
            continue
        meta = metas[src]
        shape = meta[out_nr][0] if out_nr < len(meta) else None
        edge_attrs[key] = {"shape": shape, "count": 1}
    graph.add_edges_from((u, v, a) for (u, v), a in edge_attrs.items())
    out_ids = tuple(dict.fromkeys(ids[index[r]] for r in roots if r is not None))
    return WalkResult(graph, out_ids, {fn: ids[i] for fn, i in index.items()})


def _creation_order(order: list[Any], edges: list[tuple[int, int, int]]) -> list[float]:
    """Sort keys in creation order; leaves (no sequence number) go just before their first use."""
    seqs: list[float] = []
    for fn in order:
        seq = fn._sequence_nr() if type(fn).__name__ != _ACCUMULATE else None
        seqs.append(float(seq) if seq is not None else float("inf"))
    for src, dst, _ in edges:
        if seqs[src] == float("inf") or type(order[src]).__name__ == _ACCUMULATE:
            seqs[src] = min(seqs[src], seqs[dst] - 0.5)
    return seqs


_Meta = list[tuple[tuple[int, ...], str]]


def _output_metadata(fn: Any) -> _Meta:
    """(shape, dtype) of each output of the node's forward op (the grads flowing into it)."""
    if type(fn).__name__ == _ACCUMULATE:
        var = fn.variable
        return [(tuple(var.shape), dtype_name(var.dtype))]
    return [(tuple(m.shape), dtype_name(m.dtype)) for m in fn._input_metadata]


def _describe(
    fn: Any,
    node_id: str,
    meta: _Meta,
    is_root: bool,
    notes: Mapping[Any, NodeNote],
    param_names: Mapping[int, str],
    leaf_names: Mapping[int, str],
) -> GraphNode:
    cls = type(fn).__name__
    note = notes.get(fn)
    shape: tuple[int, ...] | None = None
    dtype: str | None = None
    param: str | None = None
    kind: NodeKind = "output" if is_root else "op"
    if cls == _ACCUMULATE:
        var = fn.variable
        shape, dtype = meta[0]
        param = param_names.get(id(var))
        kind = "param" if param is not None else "input"
        op = param if param is not None else leaf_names.get(id(var), "input")
        module = param.rsplit(".", 1)[0] if param and "." in param else ""
        return GraphNode(node_id, kind, cls, op, module, shape, dtype, (), param, None, -1)
    if meta:
        shape, dtype = meta[0]
    return GraphNode(
        id=node_id,
        kind=kind,
        backward_class=cls,
        op=friendly_op(cls),
        module=note.module if note else "",
        shape=shape,
        dtype=dtype,
        saved=_saved_tensors(fn),
        param=None,
        source=note.source if note else None,
        seq=int(fn._sequence_nr()),
        calls=note.calls if note else (),
    )


def _saved_tensors(fn: Any) -> tuple[SavedTensor, ...]:
    cls = type(fn)
    names = _saved_names_by_class.get(cls)
    if names is None:
        names = tuple(n for n in dir(fn) if n.startswith("_saved_"))
        _saved_names_by_class[cls] = names
    skip = _not_tensors_by_class.setdefault(cls, set())
    saved: list[SavedTensor] = []
    for name in names:
        if name in skip:
            continue
        try:
            value = getattr(fn, name)
        except RuntimeError:  # freed after backward, or not accessible
            continue
        label = name.removeprefix("_saved_")
        if isinstance(value, torch.Tensor):
            saved.append(_saved(label, value))
        elif isinstance(value, (tuple, list)) and any(isinstance(v, torch.Tensor) for v in value):
            saved.extend(
                _saved(f"{label}[{i}]", v)
                for i, v in enumerate(value)
                if isinstance(v, torch.Tensor)
            )
        elif value is not None and not _maybe_tensors(value):
            # An attribute's type is fixed by the node's class (sizes, scalars, flags): one look
            # is enough. None (an absent optional tensor) and empty lists say nothing yet.
            skip.add(name)
    return tuple(saved)


def _maybe_tensors(value: Any) -> bool:
    """A list that could hold tensors in another node of the same class (empty, or with None)."""
    return isinstance(value, (tuple, list)) and (not value or any(v is None for v in value))


def _saved(name: str, t: torch.Tensor) -> SavedTensor:
    return SavedTensor(name, tuple(t.shape), dtype_name(t.dtype), t.numel() * t.element_size())
