"""Layout benchmark: time, memory, dummies and crossings of `core.layout`, and `dot` for scale.

    .venv/bin/python benchmarks/bench_layout.py [--dot] [--dot-timeout S] [--quick]

Cases (goals from issue 4): a fully expanded unrolled LSTM (~20,800 nodes, ≤ 1 s) and a longer one
(~100,000 nodes, ≤ 6 s); GPT-2 48 layers, train mode, default collapsed view (≤ 0.1 s) and one
block unfolded / folded again with `previous` (≤ 50 ms); memory ≤ 1 KB per node (peak traced
allocations during the layout). With `--dot`, Graphviz `dot -Tplain` lays out torchviz's DOT source
of smaller models (LSTM, GPT-2, ResNet-50, BERT, every sample) with a timeout; crossings of both
drawings are counted the same way (proper intersections of the drawn polylines; ours must equal
the engine's own `Layout.crossings`), and the table gives dot's time as a ratio to ours.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import torch
from models import ResNet50, UnrolledLSTM, gpt2, gpt2_input

from graphviewer.core.capture import capture_model
from graphviewer.core.layout import default_collapsed, layout_graph
from graphviewer.core.types import GraphSnapshot, Layout

ROWS: list[tuple[str, ...]] = []


def lstm_snapshot(steps: int) -> GraphSnapshot:
    torch.manual_seed(0)
    with torch.backends.mkldnn.flags(enabled=False):
        return capture_model(UnrolledLSTM(), torch.randn(steps, 1, 8), stats=False)


def timed_layout(snap: GraphSnapshot, collapsed: Any = (), previous: Layout | None = None):
    best, layout = float("inf"), None
    for _ in range(3):
        start = time.perf_counter()
        layout = layout_graph(snap.graph, snap.modules, collapsed=collapsed, previous=previous)
        best = min(best, time.perf_counter() - start)
    assert layout is not None
    return layout, best


def peak_bytes(snap: GraphSnapshot, collapsed: Any = ()) -> int:
    tracemalloc.start()
    layout_graph(snap.graph, snap.modules, collapsed=collapsed)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def row(case: str, snap: GraphSnapshot, layout: Layout, seconds: float, goal: float, mem: int = 0):
    n = snap.num_nodes
    ROWS.append(
        (
            case,
            f"{n:,}",
            f"{len(layout.items):,}",
            f"{int(layout.is_stub.sum()):,}",
            f"{layout.dummies:,}",
            f"{layout.crossings:,}",
            f"{seconds * 1000:,.1f} ms",
            f"{goal * 1000:,.0f} ms",
            "ok" if seconds <= goal else "SLOW",
            f"{mem / n:,.0f} B" if mem else "",
        )
    )
    print(f"  {case}: {seconds * 1000:.1f} ms", file=sys.stderr)


def polyline_segments(points: list[np.ndarray]) -> np.ndarray:
    """(S, 5): x1, y1, x2, y2, edge index of every non-empty segment."""
    parts = []
    for k, pts in enumerate(points):
        if len(pts) > 1:
            seg = np.hstack([pts[:-1], pts[1:], np.full((len(pts) - 1, 1), k)])
            parts.append(seg[np.any(seg[:, :2] != seg[:, 2:4], axis=1)])
    return np.concatenate(parts) if parts else np.zeros((0, 5))


def geometric_crossings(seg: np.ndarray, chunk: int = 512) -> int:
    """Proper intersections between segments of different edges (touching does not count)."""
    total = 0
    p, r = seg[:, :2], seg[:, 2:4] - seg[:, :2]
    for i in range(0, len(seg), chunk):
        a, ar, ea = p[i : i + chunk, None], r[i : i + chunk, None], seg[i : i + chunk, 4, None]

        def cross(u: np.ndarray, v: np.ndarray) -> np.ndarray:
            return u[..., 0] * v[..., 1] - u[..., 1] * v[..., 0]

        denom = cross(ar, r[None])
        qp = p[None] - a
        with np.errstate(divide="ignore", invalid="ignore"):
            t = cross(qp, r[None]) / denom
            u = cross(qp, ar) / denom
        eps = 1e-6
        hit = (np.abs(denom) > 1e-12) & (t > eps) & (t < 1 - eps) & (u > eps) & (u < 1 - eps)
        hit &= ea != seg[None, :, 4]
        total += int(hit.sum())
    return total // 2


def layout_polylines(layout: Layout) -> list[np.ndarray]:
    off = layout.edge_offsets
    return [layout.edge_points[off[k] : off[k + 1]] for k in range(len(layout.edge_src))]


def dot_compare(name: str, model: torch.nn.Module, inputs: Any, timeout: float) -> None:
    """torchviz's DOT source through `dot -Tplain` against our layout of the same forward."""
    snap = capture_model(model, inputs, stats=False)
    out = model(**inputs) if isinstance(inputs, dict) else model(inputs)
    dot_compare_snapshot(name, snap, out, dict(model.named_parameters()), timeout)


def dot_compare_sample(path: Path, timeout: float) -> None:
    """A sample file, captured as the app does (train mode), against dot on its torchviz source."""
    from graphviewer.core.capture import capture_graph
    from graphviewer.core.jobs import run_job
    from graphviewer.core.model_file import load_model_file

    spec = load_model_file(path, stdout=open(os.devnull, "w"))  # noqa: SIM115
    snap = run_job(capture_graph(spec, "train", stats=False))
    if spec.model is None:
        out, params = spec.output, {}
    else:
        torch.manual_seed(0)
        mkldnn = not spec.hints.get("GRAPHVIEWER_DISABLE_MKLDNN")
        with torch.backends.mkldnn.flags(enabled=mkldnn):
            out = spec.model(*spec.args, **dict(spec.kwargs))
        params = dict(spec.model.named_parameters())
    dot_compare_snapshot(f"samples/{path.name}", snap, out, params, timeout)


def _first_tensor(out: Any) -> torch.Tensor:
    if isinstance(out, torch.Tensor):
        return out
    if isinstance(out, dict) or hasattr(out, "values"):
        out = list(out.values())
    return next(_first_tensor(o) for o in out if isinstance(o, (torch.Tensor, tuple, list, dict)))


def dot_compare_snapshot(
    name: str, snap: GraphSnapshot, out: Any, params: dict[str, Any], timeout: float
) -> None:
    """Our layout of `snap` against `dot -Tplain` on torchviz's DOT source of `out`."""
    from torchviz import make_dot

    layout, ours = timed_layout(snap)
    mine = geometric_crossings(polyline_segments(layout_polylines(layout)))
    assert mine == layout.crossings, (name, mine, layout.crossings)
    source = make_dot(_first_tensor(out).sum(), params=params).source
    start = time.perf_counter()
    try:
        plain = subprocess.run(
            ["dot", "-Tplain"], input=source, capture_output=True, text=True, timeout=timeout
        ).stdout
        dot_s = time.perf_counter() - start
        theirs = geometric_crossings(polyline_segments(_dot_edges(plain)))
        ratio, dot_txt, theirs_txt = f"{dot_s / ours:,.0f}×", f"{dot_s:.1f} s", f"{theirs:,}"
    except subprocess.TimeoutExpired:
        ratio, dot_txt, theirs_txt = f"> {timeout / ours:,.0f}×", f"> {timeout:.0f} s", "—"
    ROWS_DOT.append(
        (
            name,
            f"{snap.num_nodes:,}",
            f"{ours * 1000:.1f} ms",
            dot_txt,
            ratio,
            f"{mine:,}",
            theirs_txt,
        )
    )
    print(f"  dot {name}: {dot_txt}", file=sys.stderr)


def _dot_edges(plain: str) -> list[np.ndarray]:
    edges = []
    for line in plain.splitlines():
        parts = line.split()
        if parts and parts[0] == "edge":
            n = int(parts[3])
            xy = np.array(parts[4 : 4 + 2 * n], dtype=float).reshape(n, 2)
            xy[:, 1] *= -1  # dot's y grows upward
            edges.append(xy)
    return edges


ROWS_DOT: list[tuple[str, ...]] = []
# not models (a variants maker, a forward that raises) or too big for dot (the 20,800-node LSTM)
SKIP_SAMPLES = {"make_variants", "forward_raises", "lstm_unrolled"}


def bert() -> tuple[torch.nn.Module, dict[str, torch.Tensor]]:
    """BERT-base from its config with random weights (no download), 16 tokens."""
    from transformers import BertConfig, BertModel

    torch.manual_seed(0)
    config = BertConfig()
    config._attn_implementation = "eager"
    ids = torch.randint(0, config.vocab_size, (1, 16), generator=torch.Generator().manual_seed(0))
    return BertModel(config), {"input_ids": ids}


def table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    fmt = " | ".join(f"{{:{w}}}" for w in widths)
    lines = [fmt.format(*header), "-+-".join("-" * w for w in widths)]
    return "\n".join([*lines, *(fmt.format(*r) for r in rows)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dot", action="store_true", help="also run Graphviz dot (slow)")
    parser.add_argument("--dot-timeout", type=float, default=60.0)
    parser.add_argument("--quick", action="store_true", help="skip the 100,000-node case")
    parser.add_argument("--dot-only", action="store_true", help="only the dot comparison")
    args = parser.parse_args()
    torch.set_num_threads(1)

    if not args.dot_only:
        speed_cases(args.quick)
    if args.dot or args.dot_only:
        dot_cases(args.dot_timeout)


def speed_cases(quick: bool) -> None:
    """The speed and memory goals: LSTM 800 / 3900 steps expanded, GPT-2 48L fold and unfold."""
    print("capturing the unrolled LSTM (seq 800)…", file=sys.stderr)
    snap = lstm_snapshot(800)
    layout, s = timed_layout(snap)
    row("LSTM seq 800, expanded", snap, layout, s, 1.0, peak_bytes(snap))
    if not quick:
        print("capturing the unrolled LSTM (seq 3900)…", file=sys.stderr)
        big = lstm_snapshot(3900)
        layout, s = timed_layout(big)
        row("LSTM seq 3900, expanded", big, layout, s, 6.0, peak_bytes(big))
        del big

    print("capturing GPT-2 48 layers (train)…", file=sys.stderr)
    g = capture_model(gpt2(48), gpt2_input(64), "train", stats=False)
    folded = default_collapsed(g.graph, g.modules)
    first, s = timed_layout(g, folded)
    row("GPT-2 48L default view", g, first, s, 0.1, peak_bytes(g, folded))
    inner = sorted(p for p in folded if p.endswith(".attn"))
    block = inner[len(inner) // 2]  # an attention module in the middle: folded in the first view
    opened, s = timed_layout(g, folded - {block}, previous=first)
    row(f"  unfold {block}", g, opened, s, 0.05)
    closed, s = timed_layout(g, folded, previous=opened)
    row(f"  fold {block} again", g, closed, s, 0.05)
    full, s = timed_layout(g)
    row("GPT-2 48L expanded", g, full, s, 1.0, peak_bytes(g))
    del g

    header = (
        "case",
        "nodes",
        "items",
        "stubs",
        "dummies",
        "crossings",
        "time",
        "goal",
        "",
        "mem/node",
    )
    print(table(header, ROWS))


def dot_cases(timeout: float) -> None:
    """Crossings and time against `dot` on the same graphs, fully expanded."""
    print(f"dot runs (timeout {timeout:.0f} s each)…", file=sys.stderr)
    torch.manual_seed(0)
    with torch.backends.mkldnn.flags(enabled=False):
        dot_compare("LSTM seq 10", UnrolledLSTM(), torch.randn(10, 1, 8), timeout)
    dot_compare("GPT-2 2L", gpt2(2), gpt2_input(16), timeout)
    dot_compare("GPT-2 12L", gpt2(12), gpt2_input(16), timeout)
    dot_compare("ResNet-50", ResNet50().eval(), torch.randn(1, 3, 64, 64), timeout)
    dot_compare("BERT-base", *bert(), timeout)
    samples = Path(__file__).resolve().parent.parent / "samples"
    for path in sorted(samples.glob("*.py")):
        if path.stem not in SKIP_SAMPLES:
            dot_compare_sample(path, timeout)
    header = (
        "graph (expanded)",
        "nodes",
        "ours",
        "dot -Tplain",
        "dot/ours",
        "crossings",
        "dot crossings",
    )
    print()
    print(table(header, ROWS_DOT))


if __name__ == "__main__":
    main()
