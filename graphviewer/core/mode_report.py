"""A `ModeDiff` for people and for programs: the `inspect --compare` text and its JSON object.

One wording for every surface: `change_label` is the badge on the canvas and the line of the
Changes list, `dropout_line` and `batchnorm_lines` are the panel's and the report's sentences.
The JSON schema is in docs/json-schema.md (`compare`).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from graphviewer.core.mode_diff import ModeDiff, ModuleChange, NodeChange
from graphviewer.core.modes import BatchNormProbe, DropoutProbe
from graphviewer.core.report import format_bytes
from graphviewer.core.types import Mode

_SHOWN_CHANNELS = 6
_SHOWN_MODULES = 30


def format_number(x: float) -> str:
    """3 significant digits; scientific beyond 1e4 or under 1e-3; "–" for NaN."""
    if math.isnan(x):
        return "–"
    if math.isinf(x):
        return "∞"
    if x == 0 or 1e-3 <= abs(x) < 1e4:
        return f"{x:.3g}"
    return f"{x:.2e}"


def format_relative(x: float) -> str:
    return "–" if math.isnan(x) else ("∞" if math.isinf(x) else f"{x:.1%}")


def change_label(change: ModuleChange) -> str:
    """The badge of a changed module: "Δ 1.49 · 45.8 %"."""
    return f"Δ {format_number(change.max_abs)} · {format_relative(change.relative)}"


def node_label(change: NodeChange) -> str:
    """`mul (MulBackward0) in drop1`."""
    return f"{change.op} ({change.backward_class}) in {change.module or '(root)'}"


def dropout_line(mode: Mode, probe: DropoutProbe) -> str:
    """`train: zeroed 17.3 % of the units, scaled the rest by 1.25 (1/(1−p) = 1.25)`."""
    if probe.zeroed_fraction == 0 and abs(probe.scale - 1.0) < 1e-6:
        return f"{mode}: off, every unit passes unchanged (p = {probe.p:g} unused)"
    return (
        f"{mode}: zeroed {probe.zeroed_fraction:.1%} of the units (p = {probe.p:g}), "
        f"scaled the rest by {format_number(probe.scale)} "
        f"(1/(1−p) = {format_number(probe.expected_scale)})"
    )


def _channels(values: np.ndarray | None) -> str:
    if values is None:
        return "–"
    shown = " ".join(f"{v:8.3g}" for v in values[:_SHOWN_CHANNELS])
    more = f"  … ({len(values)} channels)" if len(values) > _SHOWN_CHANNELS else ""
    return shown + more


def batchnorm_lines(mode: Mode, probe: BatchNormProbe) -> list[str]:
    """What a BatchNorm normalised with in `mode`, per channel, and how far its running
    statistics would move after this one step."""
    if probe.training:
        used = "normalises with the batch's statistics"
    else:
        used = "normalises with the running statistics"
    lines = [f"{mode}: {used}"]
    lines.append(f"  batch mean     {_channels(probe.batch_mean)}")
    lines.append(f"  running mean   {_channels(probe.running_mean)}")
    lines.append(f"  batch var      {_channels(probe.batch_var)}")
    lines.append(f"  running var    {_channels(probe.running_var)}")
    if probe.running_mean is None:
        lines.append("  tracks no running statistics: train and eval both use the batch's")
    elif probe.max_move > 0:
        momentum = (
            f"momentum {probe.momentum:g}" if probe.momentum is not None else "cumulative average"
        )
        lines.append(
            f"  this one step moves the running statistics by up to "
            f"{format_number(probe.max_move)} ({momentum})"
        )
    else:
        lines.append("  the running statistics do not move")
    return lines


def format_compare(diff: ModeDiff, where: str) -> str:
    """The `inspect FILE --compare A B` report."""
    a, b = diff.a, diff.b
    lines = [f"{where}: {a} against {b} (the same input, the same seed)"]
    counts = ", ".join(f"{m} {n}" for m, n in diff.nodes.items())
    lines.append(f"autograd nodes: {counts}")
    for mode in dict.fromkeys((a, b)):
        only = diff.only_in(mode)
        lines.append(f"only in {mode}: {len(only) if only else 'none'}")
        shown = only[:20]
        lines += [f"  {c.node_id}  {node_label(c)}" for c in shown]
        if len(only) > len(shown):
            lines.append(f"  … and {len(only) - len(shown)} more")
    changed = diff.changed_modules
    lines.append("")
    if not diff.modules and a != b:
        lines.append(
            "module outputs: none could be compared (no values: a model built without "
            "weights, or no module returned a tensor)"
        )
    else:
        lines.append(f"module outputs that changed (max |{a} − {b}|, relative): {len(changed)}")
    width = max((len(m.path or "(root)") + len(m.class_name) for m in changed), default=0) + 3
    for m in changed[:_SHOWN_MODULES]:
        name = f"{m.path or '(root)'} ({m.class_name})"
        lines.append(
            f"  {name:<{width}} {format_number(m.max_abs):>9}  {format_relative(m.relative):>7}"
        )
    if len(changed) > _SHOWN_MODULES:
        lines.append(f"  … and {len(changed) - _SHOWN_MODULES} more (--json lists them all)")
    same = [m.path or "(root)" for m in diff.modules if not m.changed and not m.note]
    if same:
        lines.append(f"  unchanged: {', '.join(same)}")
    skipped = [m for m in diff.modules if m.note]
    if skipped:
        lines.append(f"  not compared ({skipped[0].note}): {len(skipped)} modules")
    dropouts = sorted({p for probes in diff.dropouts.values() for p in probes})
    if dropouts:
        lines.append("")
        lines.append("dropout:")
        for path in dropouts:
            lines.append(f"  {path}")
            for mode, probes in diff.dropouts.items():
                if path in probes:
                    lines.append(f"    {dropout_line(mode, probes[path])}")
    norms = sorted({p for probes in diff.batchnorms.values() for p in probes})
    if norms:
        lines.append("")
        lines.append("batchnorm (per channel):")
        for path in norms:
            lines.append(f"  {path}")
            for mode, bns in diff.batchnorms.items():
                if path in bns:
                    lines += [f"    {line}" for line in batchnorm_lines(mode, bns[path])]
    lines.append("")
    lines += summary_lines(diff)
    return "\n".join(lines)


def summary_lines(diff: ModeDiff) -> list[str]:
    """The model output's change, the eval/no_grad check and what no_grad does not keep."""
    lines = []
    if diff.output_max_abs is not None and diff.a != diff.b:
        lines.append(
            f"model output: max |{diff.a} − {diff.b}| = {format_number(diff.output_max_abs)}"
        )
    if diff.eval_no_grad_allclose is not None:
        verdict = "allclose" if diff.eval_no_grad_allclose else "NOT allclose (they should be)"
        max_abs = diff.eval_no_grad_max_abs
        shown = f" (max |Δ| {format_number(max_abs)})" if max_abs is not None else ""
        lines.append(f"eval and no_grad outputs: {verdict}{shown}")
    if diff.unsaved_bytes is not None:
        lines.append(no_grad_line(diff.unsaved_bytes))
    return lines


def no_grad_line(unsaved_bytes: int) -> str:
    return (
        "no_grad: 0 autograd nodes, so the "
        f"{format_bytes(unsaved_bytes)} of saved tensors the eval graph keeps for backward "
        "are not kept"
    )


# -- JSON ---------------------------------------------------------------------------------------
def _num(x: float | None) -> float | str | None:
    if x is None or math.isnan(x):
        return None
    return "inf" if math.isinf(x) else x


def _arr(values: np.ndarray | None) -> list[float] | None:
    return None if values is None else [float(v) for v in values]


def compare_to_json(diff: ModeDiff) -> dict[str, Any]:
    """The `compare` object of `inspect --compare A B --json`."""
    dropouts: dict[str, dict[str, Any]] = {}
    for mode, probes in diff.dropouts.items():
        for path, d in probes.items():
            dropouts.setdefault(path, {})[mode] = {
                "p": d.p,
                "zeroed_fraction": d.zeroed_fraction,
                "scale": _num(d.scale),
                "expected_scale": _num(d.expected_scale),
            }
    norms: dict[str, dict[str, Any]] = {}
    for mode, bns in diff.batchnorms.items():
        for path, bn in bns.items():
            norms.setdefault(path, {})[mode] = {
                "uses": "batch" if bn.training else "running",
                "momentum": bn.momentum,
                "batch_mean": _arr(bn.batch_mean),
                "batch_var": _arr(bn.batch_var),
                "running_mean": _arr(bn.running_mean),
                "running_var": _arr(bn.running_var),
                "running_mean_after": _arr(bn.running_mean_after),
                "running_var_after": _arr(bn.running_var_after),
                "max_move": bn.max_move,
            }
    return {
        "a": diff.a,
        "b": diff.b,
        "nodes": dict(diff.nodes),
        "only": [
            {
                "mode": c.mode,
                "id": c.node_id,
                "op": c.op,
                "backward_class": c.backward_class,
                "module": c.module,
            }
            for c in diff.only
        ],
        "modules": [
            {
                "path": m.path,
                "class": m.class_name,
                "max_abs": _num(m.max_abs),
                "relative": _num(m.relative),
                "changed": m.changed,
                "note": m.note or None,
            }
            for m in diff.modules
        ],
        "dropout": dropouts,
        "batchnorm": norms,
        "output_max_abs": _num(diff.output_max_abs),
        "eval_no_grad": {
            "allclose": diff.eval_no_grad_allclose,
            "max_abs": _num(diff.eval_no_grad_max_abs),
        },
        "no_grad_unsaved_bytes": diff.unsaved_bytes,
    }
