"""A recorded backward as text (`inspect --backward`) and as JSON (`inspect --json --backward`).

The JSON's `backward` field is documented in docs/json-schema.md; numbers that are not finite
are null, as everywhere in that document.
"""

from __future__ import annotations

import math
from typing import Any

from graphviewer.core.backward_record import BackwardRecord, BackwardStep, GradStats
from graphviewer.core.serialize import stats_to_json
from graphviewer.core.types import GraphSnapshot


def _num(v: float) -> float | None:
    return v if math.isfinite(v) else None


def grad_to_json(g: GradStats | None, *, histograms: bool = True) -> dict[str, Any] | None:
    """One gradient: its statistics (as `stats` entries), norm, max |g| and small values."""
    if g is None:
        return None
    out = stats_to_json(g.stats, histograms=histograms)
    out.pop("units", None)
    out.pop("dead_units", None)
    out["norm"] = _num(g.norm)
    out["max_abs"] = _num(g.max_abs)
    if g.values is not None:
        out["values"] = [_num(v) for v in g.values]
    return out


def step_to_json(step: BackwardStep, *, histograms: bool = True) -> dict[str, Any]:
    return {
        "index": step.index,
        "node": step.node_id or None,
        "class": step.backward_class,
        "param": step.param,
        "grads_in": [grad_to_json(g, histograms=histograms) for g in step.grads_in],
        "grads_out": [grad_to_json(g, histograms=histograms) for g in step.grads_out],
        "saved": {name: [_num(v) for v in values] for name, values in step.saved},
        "seconds": step.seconds,
    }


def backward_to_json(record: BackwardRecord, *, histograms: bool = True) -> dict[str, Any]:
    """The `backward` field of `inspect --json --backward`."""
    return {
        "mode": record.mode,
        "loss": {"value": _num(record.loss_value), "source": record.loss_source},
        "seconds": record.seconds,
        "steps": [step_to_json(s, histograms=histograms) for s in record.steps],
        "leaf_grads": {
            name: grad_to_json(g, histograms=histograms) for name, g in record.leaf_grads.items()
        },
        "problems": record.problems,
    }


def format_number(v: float, exponent_digits: int = 2) -> str:
    """A gradient statistic as a person reads it: 4 significant digits, an exponent (with
    `exponent_digits` decimals) when tiny or huge. The table and the Backward panel share it."""
    if math.isnan(v):
        return "nan"
    if v == 0 or 1e-3 <= abs(v) < 1e5:
        return f"{v:.4g}"
    return f"{v:.{exponent_digits}e}"


def _norms(grads: tuple[GradStats | None, ...]) -> str:
    return ", ".join("–" if g is None else format_number(g.norm) for g in grads) or "–"


def _values(step: BackwardStep) -> str:
    parts: list[str] = []
    for g in step.grads_out or step.grads_in:
        if g is not None and g.values is not None:
            parts.append("[" + ", ".join(format_number(v) for v in g.values) + "]")
    return " ".join(parts)


def format_backward(record: BackwardRecord, snapshot: GraphSnapshot | None = None) -> str:
    """The steps as a table: order, node, class, what it is, gradient norms in and out."""
    loss = format_number(record.loss_value)
    lines = [
        f"backward ({record.mode}): loss = {loss}, {record.loss_source}; "
        f"{len(record.steps)} steps in {record.seconds * 1000:.0f} ms",
        "",
        f"{'step':>4}  {'node':<6} {'backward':<28} {'what':<28} "
        f"{'‖grad in‖':>10}  {'‖grad out‖':<22} values (grad out; a leaf's: received)",
    ]
    for step in record.steps:
        what = ""
        if step.param is not None:
            what = f"→ {step.param}"
        elif not step.node_id:
            what = "(the loss)"
        elif snapshot is not None and step.node_id in snapshot.graph:
            node = snapshot.node(step.node_id)
            what = f"{node.op} in {node.module}" if node.module else node.op
        lines.append(
            f"{step.index + 1:>4}  {step.node_id or '–':<6} {step.backward_class:<28} "
            f"{what[:28]:<28} {_norms(step.grads_in):>10}  {_norms(step.grads_out)[:22]:<22} "
            f"{_values(step)}".rstrip()
        )
    problems = record.problems
    if problems:
        lines.append("")
        lines.append("gradient problems:")
        lines += [f"  {name}: gradient is all {kind}" for name, kind in problems.items()]
    return "\n".join(lines)
