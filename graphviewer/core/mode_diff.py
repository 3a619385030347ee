"""What changes between two modes of one model: nodes, module outputs, Dropout, BatchNorm.

`diff_modes(run, a, b)` reads a `ModeRun` (core/modes.py) and returns plain frozen data: the
autograd nodes present in one mode only (matched across modes by module, backward class and
order, since node ids number creation and shift when a mode makes one node more), each
module's largest absolute output change and its relative change, what each Dropout zeroed and
how it scaled, each BatchNorm's batch against running statistics, the model output's
max |a − b|, and whether eval and no_grad outputs are allclose (they must be).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

from graphviewer.core.mode_outputs import OutputDelta
from graphviewer.core.modes import BatchNormProbe, DropoutProbe, ModeRun
from graphviewer.core.types import GraphNode, GraphSnapshot, Mode

# A module output counts as changed beyond this, relative to its own size (float32 noise).
CHANGE_RTOL = 1e-5
CHANGE_ATOL = 1e-7


@dataclass(frozen=True)
class NodeChange:
    """An autograd node made in one mode only: its id in that mode's graph, and what it is."""

    mode: Mode
    node_id: str
    op: str
    backward_class: str
    module: str


@dataclass(frozen=True)
class ModuleChange:
    """How much one module's output moved between the modes (every call, every tensor)."""

    path: str
    class_name: str
    max_abs: float  # max |a − b|
    relative: float  # ‖a − b‖ / ‖a‖ (inf when a is all zeros and b is not)
    changed: bool
    note: str = ""  # why it could not be compared, when it could not


@dataclass(frozen=True)
class ModeDiff:
    """Everything that differs between modes `a` and `b` of one model."""

    a: Mode
    b: Mode
    nodes: Mapping[Mode, int]  # node count of each mode
    only: tuple[NodeChange, ...]  # nodes made in one of the two modes only
    modules: tuple[ModuleChange, ...]  # every module compared, most changed first
    dropouts: Mapping[Mode, Mapping[str, DropoutProbe]]
    batchnorms: Mapping[Mode, Mapping[str, BatchNormProbe]]
    output_max_abs: float | None  # max |a − b| of the model's output; None: not comparable
    eval_no_grad_allclose: bool | None  # None unless both eval and no_grad ran
    eval_no_grad_max_abs: float | None
    # Saved-tensor bytes of the eval graph: what no_grad does not keep for backward.
    unsaved_bytes: int | None

    @property
    def changed_modules(self) -> tuple[ModuleChange, ...]:
        return tuple(m for m in self.modules if m.changed)

    def only_in(self, mode: Mode) -> tuple[NodeChange, ...]:
        return tuple(c for c in self.only if c.mode == mode)


def node_keys(snapshot: GraphSnapshot) -> dict[str, str]:
    """A key per node that names the same node in another mode's graph of the same model.

    A parameter is its name; any other node is its module, backward class and how many such
    nodes that module made before it ("drop1|MulBackward0|0").
    """
    keys: dict[str, str] = {}
    seen: Counter[tuple[str, str, str]] = Counter()
    nodes: list[GraphNode] = sorted(snapshot.nodes.values(), key=lambda n: (n.seq, n.id))
    for node in nodes:
        if node.kind == "param" and node.param:
            keys[node.id] = f"param:{node.param}"
            continue
        base = (node.kind if node.kind == "input" else "op", node.module, node.backward_class)
        keys[node.id] = f"{base[0]}:{base[1]}|{base[2]}|{seen[base]}"
        seen[base] += 1
    return keys


def nodes_only_in(one: GraphSnapshot, other: GraphSnapshot) -> list[NodeChange]:
    """The nodes of `one` that `other` does not make, in creation order."""
    theirs = set(node_keys(other).values())
    out = []
    for node_id, key in node_keys(one).items():
        if key not in theirs:
            node = one.node(node_id)
            out.append(NodeChange(one.mode, node_id, node.op, node.backward_class, node.module))
    return out


def _module_changes(
    snap: GraphSnapshot, a: Mode, deltas: dict[str, OutputDelta]
) -> tuple[ModuleChange, ...]:
    changes = []
    for path, info in snap.modules.items():
        d = deltas.get(path)
        if d is None:
            continue  # not called, or returned no tensor
        if d.note:
            changes.append(ModuleChange(path, info.class_name, math.nan, math.nan, False, d.note))
            continue
        changed = d.max_abs > CHANGE_ATOL + CHANGE_RTOL * d.absmax.get(a, 0.0)
        changes.append(ModuleChange(path, info.class_name, d.max_abs, d.relative(a), changed))
    changes.sort(key=lambda c: (not c.changed, -_sortable(c.relative), c.path))
    return tuple(changes)


def _sortable(x: float) -> float:
    return -1.0 if math.isnan(x) else x


def diff_modes(run: ModeRun, a: Mode, b: Mode) -> ModeDiff:
    """Compare modes `a` and `b` of `run` (both must have been captured)."""
    for mode in (a, b):
        if mode not in run.captures:
            captured = ", ".join(run.captures)
            raise ValueError(f"mode {mode!r} was not captured (captured: {captured})")
    snap_a, snap_b = run.captures[a].snapshot, run.captures[b].snapshot
    only = nodes_only_in(snap_a, snap_b) + nodes_only_in(snap_b, snap_a)
    deltas = run.deltas.get(frozenset((a, b)), {}) if a != b else {}
    modules = _module_changes(snap_a, a, deltas)
    root = deltas.get("")
    output_max_abs = root.max_abs if root is not None and not root.note else None
    allclose, eval_max = _eval_no_grad(run)
    unsaved = None
    if "eval" in run.captures:
        unsaved = sum(n.saved_bytes for n in run.captures["eval"].snapshot.nodes.values())
    return ModeDiff(
        a=a,
        b=b,
        nodes={m: run.captures[m].snapshot.num_nodes for m in dict.fromkeys((a, b))},
        only=tuple(only),
        modules=modules,
        dropouts={m: run.captures[m].dropouts for m in dict.fromkeys((a, b))},
        batchnorms={m: run.captures[m].batchnorms for m in dict.fromkeys((a, b))},
        output_max_abs=output_max_abs,
        eval_no_grad_allclose=allclose,
        eval_no_grad_max_abs=eval_max,
        unsaved_bytes=unsaved,
    )


def _eval_no_grad(run: ModeRun) -> tuple[bool | None, float | None]:
    """Whether the eval and no_grad outputs are `torch.allclose`, and their max |Δ|."""
    root = run.deltas.get(frozenset(("eval", "no_grad")), {}).get("")
    if root is None or root.note:
        return (False, None) if root is not None and "shape" in root.note else (None, None)
    return root.allclose, root.max_abs
