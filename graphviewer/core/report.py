"""The `inspect` report for a person: module tree with shapes, op counts, counts, warnings."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from graphviewer.core.types import GraphSnapshot, ModuleInfo


def format_shapes(shapes: tuple[tuple[int, ...], ...]) -> str:
    """`((16, 20),)` → `(16, 20)`; several tensors are joined with commas; none is `–`."""
    if not shapes:
        return "–"
    return ", ".join(
        "(" + ", ".join(str(d) for d in s) + (",)" if len(s) == 1 else ")") for s in shapes
    )


def format_bytes(n: int) -> str:
    """`1536` → `1.5 KB`: memory as a person reads it."""
    size = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} B"


def module_line(info: ModuleInfo) -> str:
    """`layer1: (16, 20) → (16, 64)`, as a forward-hook trace prints it."""
    return f"{info.name}: {format_shapes(info.input_shapes)} → {format_shapes(info.output_shapes)}"


def format_report(snapshot: GraphSnapshot, *, max_ops: int = 12) -> str:
    lines: list[str] = []
    where = snapshot.source_path or snapshot.name
    ms = ", ".join(f"{k} {v * 1000:.0f} ms" for k, v in snapshot.timings.items())
    lines.append(f"{where} — {snapshot.name}, mode {snapshot.mode} ({ms})")
    if snapshot.notice:
        lines.append(snapshot.notice)
    failure = snapshot.failure
    so_far = " so far (built before the forward failed)" if failure else ""
    lines.append(f"autograd graph{so_far}: {snapshot.num_nodes} nodes, {snapshot.num_edges} edges")
    if snapshot.mode == "no_grad":
        lines.append("  (under no_grad no autograd graph is built: there is nothing to walk)")
    if snapshot.modules:
        lines.append("")
        lines.append("modules (input → output shapes):")
        for info in snapshot.modules.values():
            indent = "  " * (info.depth + 1)
            calls = f"  ×{info.calls}" if info.calls > 1 else ""
            if not info.observed:
                never = "  (TorchScript: no hooks, not observed)"
            elif failure is not None and info.calls and not info.output_shapes:
                raised = failure.module == info.path
                never = "  ✗ raised here" if raised else "  (did not return)"
            else:
                never = "  (not called)" if info.calls == 0 else ""
            lines.append(f"{indent}{module_line(info)}  [{info.class_name}]{calls}{never}")
    ops = Counter(
        d["node"].op
        for _, d in snapshot.graph.nodes(data=True)
        if d["node"].kind in ("op", "output")
    )
    if ops:
        lines.append("")
        lines.append("ops:")
        shown = ops.most_common(max_ops)
        lines.append("  " + ", ".join(f"{op} ×{n}" for op, n in shown))
        if len(ops) > max_ops:
            rest = sum(n for _, n in ops.most_common()[max_ops:])
            lines.append(f"  … and {len(ops) - max_ops} more kinds ({rest} nodes)")
    params = sum(1 for _, d in snapshot.graph.nodes(data=True) if d["node"].kind == "param")
    if params:
        lines.append(f"parameter leaves: {params}")
    lines.append("")
    if failure is not None:
        lines.extend(failure_lines(snapshot))
        lines.append("")
    if snapshot.warnings:
        lines.append("warnings:")
        lines.extend(f"  ! {w.where}: {w.message}" for w in snapshot.warnings)
    elif failure is None:
        lines.append("no warnings")
    if failure is None:
        lines.append("checked: " + "; ".join(snapshot.checked))
    return "\n".join(lines)


def failure_lines(snapshot: GraphSnapshot) -> list[str]:
    """Where a failed forward stopped: the module and op, the shapes into it, the user's line."""
    failure = snapshot.failure
    if failure is None:
        return []
    if failure.module is not None:
        info = snapshot.modules.get(failure.module)
        cls = f" ({info.class_name})" if info is not None else ""
        place = f"in {failure.module or '(root)'}{cls}"
    else:
        place = "outside any module"
    op = f", op {failure.op}" if failure.op else ""
    lines = [f"forward failed {place}{op}:", f"  {failure.message}"]
    if failure.input_shapes:
        into = "op" if failure.op else "module"
        lines.append(f"  shapes into the {into}: {format_shapes(failure.input_shapes)}")
    if failure.source is not None:
        src = failure.source
        text = f": {src.text}" if src.text else ""
        lines.append(f"  at {Path(src.file).name}:{src.line} in {src.function}{text}")
    return lines
