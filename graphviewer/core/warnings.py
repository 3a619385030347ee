"""Findings a person should look at (NaN, stray Inf, dead units, BatchNorm that does not
normalise), and what was checked to find them.

Each rule is meant not to cry wolf:
- NaN always warns, at the first op (in creation order) whose output holds it.
- Inf warns only when it gets somewhere it was not meant to: the model's output, or out of the
  module that made it. Inf that a mask puts in on purpose (`masked_fill(mask, -inf)`, an added
  `-inf` mask) and a softmax takes out again inside the same module is what attention does.
  The rule follows the autograd graph: from the first op holding Inf, through every op whose
  output still holds it, to the ops whose outputs are free of it again.
- A unit is judged dead only when the batch gives it at least `MIN_SAMPLES` samples (tokens of
  a sequence count, pixels of one image do not): on one sample half of all ReLU units are zero
  by chance. A layer is warned about when at least `DEAD_SHARE` of its units are dead.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import networkx as nx

from graphviewer.core.types import (
    ActivationStats,
    GraphNode,
    Mode,
    ModuleInfo,
    Warning_,
)

_NORM_CLASSES = ("BatchNorm1d", "BatchNorm2d", "BatchNorm3d", "SyncBatchNorm")
_RELU_CLASSES = ("ReLU", "ReLU6")
_RELU_OPS = ("relu", "relu6", "threshold", "hardtanh")
_BN_TOLERANCE = 0.25
# Samples per unit below which "zero for every one" says nothing: a live unit that fires for
# half of the inputs looks dead on 16 of them once in 65,536.
MIN_SAMPLES = 16
# Share of a layer's units that must be dead for a warning. A unit that fires for one input in
# a hundred looks dead on 64 of them; such rare units are a few percent of a freshly made
# network (a random-init GPT on one 64-token sequence: 1-13% per layer, and a different figure
# each run; MNIST's and VAE's MLPs on a batch of 64-128: 2-6%), while a layer killed by its
# training or a bias loses a large part of its units.
DEAD_SHARE = 0.25


@dataclass(frozen=True)
class Review:
    """The findings of one capture, and one line per check saying what it covered."""

    warnings: tuple[Warning_, ...]
    checked: tuple[str, ...]


def review(
    graph: nx.DiGraph,
    modules: Mapping[str, ModuleInfo],
    stats: Mapping[str, ActivationStats],
    mode: Mode,
) -> Review:
    """Warnings (first NaN, Inf that escapes, dead ReLU units, BatchNorm off mean 0 / std 1)
    and one line per check saying what it looked at."""
    found: list[Warning_] = []
    checked: list[str] = []
    # The measured ops, in creation order: far fewer than the graph's nodes where a fused or
    # unrolled model makes many nodes no Python code saw.
    measured = sorted(
        (graph.nodes[key[5:]]["node"] for key in stats if key.startswith("node:")),
        key=lambda node: node.seq,
    )
    n_modules = sum(1 for p in modules if f"module:{p}" in stats)
    found += _bad_values(graph, modules, stats, measured)
    checked.append(f"NaN/Inf in {len(measured)} op outputs and {n_modules} module outputs")
    dead, dead_line = _dead_units(modules, stats, measured)
    found += dead
    checked.append(dead_line)
    norm, norm_line = _batchnorm(modules, stats, mode)
    found += norm
    checked.append(norm_line)
    return Review(tuple(found), tuple(checked))


# -- NaN and Inf --------------------------------------------------------------------------------
def _bad_values(
    graph: nx.DiGraph,
    modules: Mapping[str, ModuleInfo],
    stats: Mapping[str, ActivationStats],
    nodes: list[GraphNode],
) -> list[Warning_]:
    found: list[Warning_] = []
    first_nan = next((n for n in nodes if stats[f"node:{n.id}"].nan_count), None)
    if first_nan is not None:
        st = stats[f"node:{first_nan.id}"]
        cause = _inf_cause(graph, stats, first_nan)
        found.append(Warning_("nan", _where(first_nan), _values("NaN", st.nan_count, st) + cause))
    else:
        path = _innermost(modules, stats, "nan")
        if path is not None:
            st = stats[f"module:{path}"]
            owner = f" ({modules[path].class_name})"
            found.append(Warning_("nan", path or "(root)", _values("NaN", st.nan_count, st, owner)))
    if nodes:
        found += _stray_inf(graph, stats, nodes)
    if not any(w.kind == "inf" for w in found):
        found += _untraced_inf(
            modules, stats, [n for n in nodes if stats[f"node:{n.id}"].inf_count]
        )
    return found


def _stray_inf(
    graph: nx.DiGraph, stats: Mapping[str, ActivationStats], nodes: list[GraphNode]
) -> list[Warning_]:
    """Inf that reaches the model output or leaves the module that made it, named at the op
    where it first appears. An op without statistics (an intermediate no Python code saw)
    passes on whatever came in; an op whose output is free of Inf took it out."""
    root = stats.get("module:")
    seen: set[str] = set()
    for origin in nodes:
        st = stats[f"node:{origin.id}"]
        if not st.inf_count or origin.id in seen:
            continue
        reaches_output = False
        leaves: GraphNode | None = None
        stack = [origin.id]
        seen.add(origin.id)
        while stack:
            node: GraphNode = graph.nodes[stack.pop()]["node"]
            here = stats.get(f"node:{node.id}")
            if node.kind == "output" and (
                (here is not None and here.inf_count) or (here is None and root and root.inf_count)
            ):
                reaches_output = True
            if leaves is None and here is not None and not _inside(node.module, origin.module):
                leaves = node
            for nxt in graph.successors(node.id):
                after = stats.get(f"node:{nxt}")
                if nxt not in seen and (after is None or after.inf_count):
                    seen.add(nxt)
                    stack.append(nxt)
        if reaches_output or leaves is not None:
            if reaches_output:
                how = "Inf made here reaches the model output"
            else:
                assert leaves is not None
                how = (
                    f"Inf made here leaves module {origin.module or '(root)'} "
                    f"(it reaches {_where(leaves)})"
                )
            return [Warning_("inf", _where(origin), f"{how}: {_values('Inf', st.inf_count, st)}")]
    return []


def _untraced_inf(
    modules: Mapping[str, ModuleInfo],
    stats: Mapping[str, ActivationStats],
    inf_nodes: list[GraphNode],
) -> list[Warning_]:
    """Inf in a module's output that no op of the graph holds (no autograd graph under
    no_grad, or tensors without grad): with nothing to follow, the module output is the place
    to warn. Named at the innermost such module."""
    traced = {""} if inf_nodes else set()  # modules holding an op with Inf, and their parents
    for node in inf_nodes:
        parts = node.module.split(".") if node.module else []
        traced.update(".".join(parts[:k]) for k in range(1, len(parts) + 1))
    untraced = {
        p: st
        for p in modules
        if (st := stats.get(f"module:{p}")) is not None and st.inf_count and p not in traced
    }
    for path, st in untraced.items():
        if any(_inside(q, path) and q != path for q in untraced):
            continue
        what = (
            "the model output" if not path else f"this module's output ({modules[path].class_name})"
        )
        return [
            Warning_(
                "inf",
                path or "(root)",
                f"Inf in {what}: {st.inf_count} of {st.count} values are Inf; no autograd "
                "node holds it, so where it goes is not followed",
            )
        ]
    return []


def _inf_cause(graph: nx.DiGraph, stats: Mapping[str, ActivationStats], node: GraphNode) -> str:
    """ ", from Inf that first appears at …" when Inf flowed into the op that made NaN."""
    before = [
        graph.nodes[a]["node"]
        for a in nx.ancestors(graph, node.id)
        if (st := stats.get(f"node:{a}")) is not None and st.inf_count
    ]
    if not before:
        return ""
    first = min(before, key=lambda n: n.seq)
    return f" (made from Inf that first appears at {_where(first)})"


def _innermost(
    modules: Mapping[str, ModuleInfo], stats: Mapping[str, ActivationStats], kind: str
) -> str | None:
    """The first module (in module order) whose output holds NaN or Inf and none of whose
    submodules' outputs do: the parents of the one that made it hold it too."""
    bad = [
        p
        for p in modules
        if (st := stats.get(f"module:{p}")) is not None
        and (st.nan_count if kind == "nan" else st.inf_count)
    ]
    for p in bad:
        if not any(_inside(q, p) and q != p for q in bad):
            return p
    return None


def _inside(path: str, module: str) -> bool:
    """True when module path `path` is `module` or one of its submodules."""
    return not module or path == module or path.startswith(module + ".")


def _where(node: GraphNode) -> str:
    return f"{node.module or '(root)'}/{node.op} ({node.id})"


def _values(what: str, count: int, st: ActivationStats, owner: str = "") -> str:
    first = f"first {what} here{owner}: " if what == "NaN" else ""
    return f"{first}{count} of {st.count} values are {what}"


# -- dead units ---------------------------------------------------------------------------------
def _dead_units(
    modules: Mapping[str, ModuleInfo],
    stats: Mapping[str, ActivationStats],
    measured: list[GraphNode],
) -> tuple[list[Warning_], str]:
    """Dead-unit warnings for relu ops (each call of a shared ReLU is its own layer), or ReLU
    modules where no op was recorded (no_grad), and the check's line."""
    ops = [
        (node, st)
        for node in measured
        if node.op in _RELU_OPS and (st := stats[f"node:{node.id}"]).units
    ]
    per_module: dict[str, int] = {}
    for node, _ in ops:
        per_module[node.module] = per_module.get(node.module, 0) + 1
    layers: list[tuple[str, ActivationStats]] = []
    for node, st in ops:
        info = modules.get(node.module)
        alone = info is not None and info.class_name in _RELU_CLASSES
        alone = alone and per_module[node.module] == 1
        layers.append((node.module if alone else _where(node), st))
    for path, info in modules.items():
        seen = stats.get(f"module:{path}")
        if info.class_name in _RELU_CLASSES and path not in per_module and seen and seen.units:
            layers.append((path or "(root)", seen))
    if not layers:
        return [], "no ReLU-like layers"
    judged = [(w, st) for w, st in layers if _samples(st) >= MIN_SAMPLES]
    found = [
        Warning_("dead_units", w, _dead(st))
        for w, st in judged
        if st.dead_units and st.dead_fraction >= DEAD_SHARE
    ]
    few = sum(1 for _, st in judged if st.dead_units and st.dead_fraction < DEAD_SHARE)
    few_note = (
        f" ({few} with a few units zero for every sample, under {DEAD_SHARE:.0%}: not warned)"
        if few
        else ""
    )
    if len(judged) == len(layers):
        return found, f"dead units in {len(layers)} ReLU-like layers{few_note}"
    skipped = [(w, st) for w, st in layers if _samples(st) < MIN_SAMPLES]
    where, st = skipped[0]
    batch = st.shape[0] if st.shape else 1
    why = (
        f"(batch of {batch}: too few samples to call units dead: "
        f"{_count(_samples(st), 'sample')} per unit, {MIN_SAMPLES} needed)"
    )
    if not judged:
        return found, f"dead units not judged in {len(layers)} ReLU-like layers {why}"
    more = f" and {len(skipped) - 1} more" if len(skipped) > 1 else ""
    line = f"dead units in {len(judged)} of {len(layers)} ReLU-like layers{few_note}"
    return found, f"{line}; not in {where}{more} {why}"


def _samples(st: ActivationStats) -> int:
    """Independent inputs each unit saw in this batch: the samples, times the positions of a
    sequence (each token is its own input to a feature), but not the positions of an image
    (a conv channel that is zero over all of one noise image was alive on a batch of 64)."""
    if not st.units or not st.shape:
        return 0
    return st.shape[0] * st.shape[1] if len(st.shape) == 3 else st.shape[0]


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _dead(st: ActivationStats) -> str:
    return (
        f"{st.dead_units} of {st.units} units are zero for every sample "
        f"({st.dead_fraction:.0%} dead, over {_samples(st)} samples)"
    )


# -- BatchNorm ----------------------------------------------------------------------------------
def _batchnorm(
    modules: Mapping[str, ModuleInfo], stats: Mapping[str, ActivationStats], mode: Mode
) -> tuple[list[Warning_], str]:
    norms = [
        (path, st)
        for path, info in modules.items()
        if info.class_name in _NORM_CLASSES and (st := stats.get(f"module:{path}")) is not None
    ]
    if not norms:
        return [], "no BatchNorm layers"
    if mode != "train":
        return [], f"{len(norms)} BatchNorm layers not checked in {mode} (running statistics)"
    found = [
        Warning_(
            "batchnorm",
            path or "(root)",
            f"BatchNorm output has mean {st.mean:.2f}, std {st.std:.2f} in train mode "
            "(expected about 0 and 1; a trained affine weight/bias also moves them)",
        )
        for path, st in norms
        if st.count > 1 and (abs(st.mean) > _BN_TOLERANCE or abs(st.std - 1.0) > _BN_TOLERANCE)
    ]
    return found, f"mean 0 / std 1 of {len(norms)} BatchNorm layers"
