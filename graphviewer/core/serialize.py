"""The `inspect --json` document: a snapshot as plain JSON data (schema in docs/json-schema.md)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from graphviewer.core.types import (
    ActivationStats,
    ForwardFailure,
    GraphNode,
    GraphSnapshot,
    ModuleInfo,
    SourceLoc,
)

SCHEMA = "graphviewer.inspect/1"


def snapshot_to_json(snapshot: GraphSnapshot, *, histograms: bool = True) -> dict[str, Any]:
    """The whole snapshot as a JSON-ready dict: nodes, edges, modules, stats, warnings."""
    return {
        "schema": SCHEMA,
        "name": snapshot.name,
        "file": snapshot.source_path,
        "mode": snapshot.mode,
        "counts": {"nodes": snapshot.num_nodes, "edges": snapshot.num_edges},
        "timings": {k: round(v, 6) for k, v in snapshot.timings.items()},
        "outputs": list(snapshot.output_ids),
        "nodes": [node_to_json(d["node"]) for _, d in snapshot.graph.nodes(data=True)],
        "edges": [
            {
                "source": u,
                "target": v,
                "shape": list(d["shape"]) if d.get("shape") is not None else None,
                "count": d.get("count", 1),
            }
            for u, v, d in snapshot.graph.edges(data=True)
        ],
        "modules": [module_to_json(m) for m in snapshot.modules.values()],
        "stats": {k: stats_to_json(s, histograms=histograms) for k, s in snapshot.stats.items()},
        "warnings": [
            {"kind": w.kind, "where": w.where, "message": w.message} for w in snapshot.warnings
        ],
        "checked": list(snapshot.checked),
        "log": snapshot.log,
        "failure": failure_to_json(snapshot.failure) if snapshot.failure else None,
    }


def node_to_json(node: GraphNode) -> dict[str, Any]:
    return {
        "id": node.id,
        "kind": node.kind,
        "backward_class": node.backward_class,
        "op": node.op,
        "module": node.module,
        "shape": list(node.shape) if node.shape is not None else None,
        "dtype": node.dtype,
        "param": node.param,
        "saved": [
            {"name": s.name, "shape": list(s.shape), "dtype": s.dtype, "bytes": s.nbytes}
            for s in node.saved
        ],
        "source": _source_to_json(node.source),
    }


def failure_to_json(failure: ForwardFailure) -> dict[str, Any]:
    """Where a failed forward stopped (the rest of the document is the graph up to there)."""
    return {
        "message": failure.message,
        "exception": failure.exception,
        "module": failure.module,
        "op": failure.op,
        "input_shapes": [list(s) for s in failure.input_shapes],
        "input_nodes": list(failure.input_nodes),
        "source": _source_to_json(failure.source),
    }


def _source_to_json(source: SourceLoc | None) -> dict[str, Any] | None:
    if source is None:
        return None
    return {
        "file": source.file,
        "line": source.line,
        "function": source.function,
        "text": source.text,
    }


def module_to_json(info: ModuleInfo) -> dict[str, Any]:
    return {
        "path": info.path,
        "class": info.class_name,
        "parent": info.parent,
        "children": list(info.children),
        "input_shapes": [list(s) for s in info.input_shapes],
        "output_shapes": [list(s) for s in info.output_shapes],
        "calls": info.calls,
        "params": info.num_params,
        "observed": info.observed,
    }


def stats_to_json(st: ActivationStats, *, histograms: bool = True) -> dict[str, Any]:
    out: dict[str, Any] = {
        "shape": list(st.shape),
        "dtype": st.dtype,
        "count": st.count,
        "mean": _num(st.mean),
        "std": _num(st.std),
        "min": _num(st.min),
        "max": _num(st.max),
        "zeros_fraction": _num(st.zeros_fraction),
        "nan": st.nan_count,
        "inf": st.inf_count,
        "units": st.units,
        "dead_units": st.dead_units,
    }
    if (
        histograms
        and st.unit_active is not None
        and st.unit_mean is not None
        and st.unit_std is not None
    ):
        out["per_unit"] = {
            "samples": st.unit_samples,
            "active": _nums(st.unit_active),
            "mean": _nums(st.unit_mean),
            "std": _nums(st.unit_std),
        }
    if histograms:
        out["histogram"] = {
            "edges": [_num(float(e)) for e in st.hist_edges],
            "counts": [int(c) for c in st.hist_counts],
            "total": st.hist_total,
        }
    return out


def _nums(values: np.ndarray) -> list[float | None]:
    """float32 figures to 6 significant digits (what float32 holds), null where not finite."""
    return [float(f"{v:.6g}") if math.isfinite(v) else None for v in values.tolist()]


def _num(value: float) -> float | None:
    """JSON has no NaN/Inf: a statistic that is not finite is null."""
    return round(value, 7) if math.isfinite(value) else None
