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

import torch

from graphviewer.core.modes import BatchNormProbe, DropoutProbe, ModeOutputs, ModeRun
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


def _compare(xs: list[torch.Tensor], ys: list[torch.Tensor]) -> tuple[float, float, str]:
    """(max |x − y|, ‖x − y‖ / ‖x‖, note) over paired tensors."""
    if len(xs) != len(ys):
        return math.nan, math.nan, f"{len(xs)} tensors against {len(ys)}"
    max_abs, diff2, base2 = 0.0, 0.0, 0.0
    for x, y in zip(xs, ys, strict=True):
        if x.shape != y.shape:
            return math.nan, math.nan, f"shape {tuple(x.shape)} against {tuple(y.shape)}"
        d = (x.double() - y.double()).abs()
        finite = torch.isfinite(d)
        if d.numel():
            max_abs = max(max_abs, float(d[finite].max()) if bool(finite.any()) else 0.0)
        diff2 += float((d[finite] ** 2).sum())
        base2 += float((x.double()[torch.isfinite(x)] ** 2).sum())
    if base2 == 0.0:
        return max_abs, (0.0 if diff2 == 0.0 else math.inf), ""
    return max_abs, math.sqrt(diff2 / base2), ""


def _module_changes(
    snap: GraphSnapshot, a: ModeOutputs, b: ModeOutputs
) -> tuple[ModuleChange, ...]:
    changes = []
    with torch._C.DisableTorchFunction():
        for path, info in snap.modules.items():
            if path in a.skipped or path in b.skipped:
                note = "not compared: the module outputs exceed the memory budget"
                changes.append(ModuleChange(path, info.class_name, math.nan, math.nan, False, note))
                continue
            xs, ys = a.by_module.get(path), b.by_module.get(path)
            if not xs or ys is None:
                continue  # not called, or returned no tensor
            max_abs, relative, note = _compare(xs, ys)
            scale = max((float(x.abs().max()) for x in xs if x.numel()), default=0.0)
            changed = not note and max_abs > CHANGE_ATOL + CHANGE_RTOL * scale
            changes.append(ModuleChange(path, info.class_name, max_abs, relative, changed, note))
    changes.sort(key=lambda c: (not c.changed, -_sortable(c.relative), c.path))
    return tuple(changes)


def _sortable(x: float) -> float:
    return -1.0 if math.isnan(x) else x


def _root_output(outputs: ModeOutputs) -> list[torch.Tensor] | None:
    return outputs.by_module.get("")


def diff_modes(run: ModeRun, a: Mode, b: Mode) -> ModeDiff:
    """Compare modes `a` and `b` of `run` (both must have been captured)."""
    for mode in (a, b):
        if mode not in run.captures:
            captured = ", ".join(run.captures)
            raise ValueError(f"mode {mode!r} was not captured (captured: {captured})")
    snap_a, snap_b = run.captures[a].snapshot, run.captures[b].snapshot
    only = nodes_only_in(snap_a, snap_b) + nodes_only_in(snap_b, snap_a)
    modules = _module_changes(snap_a, run.outputs[a], run.outputs[b])
    out_a, out_b = _root_output(run.outputs[a]), _root_output(run.outputs[b])
    output_max_abs = None
    if out_a and out_b is not None:
        with torch._C.DisableTorchFunction():
            found, _, note = _compare(out_a, out_b)
        output_max_abs = None if note else found
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
    if "eval" not in run.outputs or "no_grad" not in run.outputs:
        return None, None
    xs, ys = _root_output(run.outputs["eval"]), _root_output(run.outputs["no_grad"])
    if not xs or ys is None or len(xs) != len(ys):
        return None, None
    with torch._C.DisableTorchFunction():
        if any(x.shape != y.shape for x, y in zip(xs, ys, strict=True)):
            return False, None
        close = all(torch.allclose(x, y, equal_nan=True) for x, y in zip(xs, ys, strict=True))
        max_abs, _, _ = _compare(xs, ys)
    return close, max_abs
