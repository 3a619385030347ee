"""Findings a person should look at: dead units, NaN/Inf, BatchNorm that does not normalise."""

from __future__ import annotations

from collections.abc import Mapping

import networkx as nx

from graphviewer.core.types import ActivationStats, Mode, ModuleInfo, Warning_

_NORM_CLASSES = ("BatchNorm1d", "BatchNorm2d", "BatchNorm3d", "SyncBatchNorm")
_RELU_OPS = ("relu", "relu6", "threshold", "hardtanh")
_BN_TOLERANCE = 0.25


def find_warnings(
    graph: nx.DiGraph,
    modules: Mapping[str, ModuleInfo],
    stats: Mapping[str, ActivationStats],
    mode: Mode,
) -> tuple[Warning_, ...]:
    """Warnings in module order: dead ReLU units, first NaN/Inf, BatchNorm off mean 0 / std 1."""
    found: list[Warning_] = []
    first_bad: set[str] = set()
    for path, info in modules.items():
        st = stats.get(f"module:{path}")
        if st is None:
            continue
        where = path or "(root)"
        for kind, count in (("nan", st.nan_count), ("inf", st.inf_count)):
            if count and kind not in first_bad:
                first_bad.add(kind)
                found.append(Warning_(kind, where, _bad_values(kind, count, st, info)))
        if info.class_name in ("ReLU", "ReLU6") and st.dead_units:
            found.append(Warning_("dead_units", where, _dead(st)))
        if _bn_off(st, info, mode):
            found.append(
                Warning_(
                    "batchnorm",
                    where,
                    f"BatchNorm output has mean {st.mean:.2f}, std {st.std:.2f} in train mode "
                    "(expected about 0 and 1; a trained affine weight/bias also moves them)",
                )
            )
    module_paths_warned = {w.where for w in found if w.kind == "dead_units"}
    for node_id, data in graph.nodes(data=True):
        node = data["node"]
        st = stats.get(f"node:{node_id}")
        if st is None:
            continue
        if (
            node.op in _RELU_OPS
            and st.dead_units
            and (node.module or "(root)") not in (module_paths_warned)
        ):
            module_paths_warned.add(node.module or "(root)")
            found.append(Warning_("dead_units", f"{node.module or '(root)'}/{node.op}", _dead(st)))
        for kind, count in (("nan", st.nan_count), ("inf", st.inf_count)):
            if count and kind not in first_bad:
                first_bad.add(kind)
                found.append(
                    Warning_(
                        kind,
                        f"{node.module or '(root)'}/{node.op} ({node_id})",
                        _bad_values(kind, count, st, None),
                    )
                )
    return tuple(found)


def _bn_off(st: ActivationStats, info: ModuleInfo, mode: Mode) -> bool:
    """A BatchNorm in train mode whose output is far from mean 0 / std 1."""
    if mode != "train" or info.class_name not in _NORM_CLASSES or st.count <= 1:
        return False
    return abs(st.mean) > _BN_TOLERANCE or abs(st.std - 1.0) > _BN_TOLERANCE


def _dead(st: ActivationStats) -> str:
    return (
        f"{st.dead_units} of {st.units} units are zero for every sample "
        f"({st.dead_fraction:.0%} dead)"
    )


def _bad_values(kind: str, count: int, st: ActivationStats, info: ModuleInfo | None) -> str:
    what = "NaN" if kind == "nan" else "Inf"
    owner = f" ({info.class_name})" if info is not None else ""
    return f"first {what} here{owner}: {count} of {st.count} values are {what}"
