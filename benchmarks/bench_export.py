"""Export speed: graphviewer SVG vs torchviz `make_dot` + Graphviz `dot -Tsvg`; scene paint time.

    .venv/bin/python benchmarks/bench_export.py [--skip-dot] [--timeout 300] [--models mlp,lstm]

For each model, in this process and from the same loaded model:
- graphviewer: capture (forward + graph walk) + layout + SVG, for the window's default folded view
  and fully expanded (the picture torchviz draws);
- torchviz: forward + `make_dot` + `dot -Tsvg` in a subprocess (killed after --timeout seconds);
- the ratio torchviz / graphviewer (expanded) in the same run.
Then the scene's paint time on the ~20,800-node expanded LSTM layout (`lstm_unrolled.py`): one
full frame (fit into 1600×1000) and one zoomed-in frame (100 %), offscreen into a QImage.
Goal ≤ 16 ms.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
OUT = Path(tempfile.gettempdir()) / "graphviewer_bench_export"


def load(name: str) -> Any:
    from graphviewer.core.model_file import load_model_file

    if name == "mlp":
        return load_model_file(ROOT / "samples" / "mlp.py")
    if name == "lstm":
        return load_model_file(ROOT / "samples" / "lstm_unrolled.py")  # ~20,800 nodes
    from benchmarks.models import gpt2, gpt2_input
    from graphviewer.core.types import ModelSpec

    return ModelSpec(path=None, name="gpt2", model=gpt2(), kwargs=gpt2_input(), kind="live")


def ours(spec: Any, expand_all: bool) -> tuple[float, int, dict[str, float]]:
    """Seconds for capture + layout + SVG, the node count, and each stage's seconds."""
    from graphviewer.core.capture import capture_graph
    from graphviewer.core.jobs import run_job
    from graphviewer.render.export import export_graph
    from graphviewer.render.scene import GraphScene
    from graphviewer.render.snapshot_export import layout_for_export
    from graphviewer.render.theme import theme_named

    t0 = time.perf_counter()
    snapshot = run_job(capture_graph(spec, "train"))
    t1 = time.perf_counter()
    layout = layout_for_export(snapshot, expand_all=expand_all)
    t2 = time.perf_counter()
    path = OUT / f"{spec.name}-{'all' if expand_all else 'default'}.svg"
    export_graph(GraphScene(snapshot, layout, theme_named("light")), path)
    t3 = time.perf_counter()
    stages = {"capture": t1 - t0, "layout": t2 - t1, "svg": t3 - t2}
    return t3 - t0, snapshot.num_nodes, stages


def torchviz_dot(spec: Any, timeout: float, skip_dot: bool) -> dict[str, float | None]:
    """Seconds of torchviz's forward, `make_dot` and `dot -Tsvg` (None: timed out or skipped)."""
    import torch
    from torchviz import make_dot

    disable = bool(spec.hints.get("GRAPHVIEWER_DISABLE_MKLDNN"))
    t0 = time.perf_counter()
    spec.model.train()
    with torch.backends.mkldnn.flags(enabled=not disable):
        out = spec.model(*spec.args, **dict(spec.kwargs))
    out = out if isinstance(out, torch.Tensor) else out[0]
    t1 = time.perf_counter()
    dot = make_dot(out, params=dict(spec.model.named_parameters()))
    source = OUT / f"{spec.name}.dot"
    source.write_text(dot.source)
    t2 = time.perf_counter()
    times: dict[str, float | None] = {"forward": t1 - t0, "make_dot": t2 - t1, "dot": None}
    if skip_dot or shutil.which("dot") is None:
        return times
    try:
        subprocess.run(
            ["dot", "-Tsvg", str(source), "-o", str(OUT / f"{spec.name}-torchviz.svg")],
            check=True,
            timeout=timeout,
            capture_output=True,
        )
    except subprocess.TimeoutExpired:
        return times
    times["dot"] = time.perf_counter() - t2
    return times


def bench_models(names: list[str], timeout: float, skip_dot: bool) -> None:
    print(
        "SVG of the fully expanded graph. graphviewer: capture, then layout + SVG; "
        "torchviz: forward, then make_dot + dot -Tsvg.\n"
        "ratio = (make_dot + dot) / (layout + SVG): the graph-to-picture step; "
        "end-to-end ratio includes forward/capture."
    )
    for name in names:
        spec = load(name)
        ours(spec, expand_all=False)  # warm-up (first forward, imports, font cache)
        _, _, folded = ours(spec, expand_all=False)
        total, n, st = ours(spec, expand_all=True)
        tv = torchviz_dot(spec, timeout, skip_dot)
        mine = st["layout"] + st["svg"]
        print(f"  {name}: {n:,} nodes")
        print(
            f"    graphviewer  capture {st['capture']:6.2f} s | layout {st['layout']:6.2f} s"
            f" | SVG {st['svg']:5.2f} s | graph→SVG {mine:6.2f} s"
            f" (default folded view: layout {folded['layout']:.2f} s, SVG {folded['svg']:.2f} s)"
        )
        dot = tv["dot"]
        dot_text = (
            f"{dot:6.2f} s" if dot is not None else "skipped" if skip_dot else f"> {timeout:.0f} s"
        )
        print(
            f"    torchviz     forward {tv['forward']:6.2f} s | make_dot {tv['make_dot']:6.2f} s"
            f" | dot {dot_text}"
        )
        theirs = tv["make_dot"] + (dot if dot is not None else timeout)
        bound = "" if dot is not None else "≥ "
        if dot is not None or not skip_dot:
            end = (tv["forward"] + theirs) / total
            print(f"    ratio graph→SVG {bound}{theirs / mine:.1f}×, end to end {bound}{end:.1f}×")


def bench_paint(repeat: int) -> None:
    from PySide6.QtCore import QRectF
    from PySide6.QtGui import QImage, QPainter

    from graphviewer.core.capture import capture_graph
    from graphviewer.core.jobs import run_job
    from graphviewer.render.scene import GraphScene, ViewState
    from graphviewer.render.snapshot_export import layout_for_export
    from graphviewer.render.theme import theme_named

    snapshot = run_job(capture_graph(load("lstm"), "train"))
    layout = layout_for_export(snapshot, expand_all=True)
    scene = GraphScene(snapshot, layout, theme_named("light"))
    image = QImage(1600, 1000, QImage.Format.Format_ARGB32_Premultiplied)
    bounds = scene.bounds

    def frame(visible: QRectF, scale: float) -> float:
        image.fill(0)
        painter = QPainter(image)
        painter.scale(scale, scale)
        painter.translate(-visible.topLeft())
        start = time.perf_counter()
        scene.paint(painter, visible, scale, ViewState())
        seconds = time.perf_counter() - start
        painter.end()
        return seconds

    fit = min(1600 / bounds.width(), 1000 / bounds.height())
    full = QRectF(bounds.topLeft(), bounds.size())
    mid = bounds.center()
    zoomed = QRectF(mid.x() - 800, mid.y() - 500, 1600, 1000)
    print(
        f"scene paint, {snapshot.num_nodes:,} nodes expanded "
        f"({len(layout.items):,} items, {len(layout.edge_src):,} edges), 1600×1000 offscreen"
    )
    for label, rect, scale in (("full frame", full, fit), ("zoomed in 100 %", zoomed, 1.0)):
        first = frame(rect, scale)
        times = [frame(rect, scale) for _ in range(repeat)]
        print(
            f"  {label:16s} first {first * 1000:7.1f} ms, "
            f"median {statistics.median(times) * 1000:6.1f} ms, best {min(times) * 1000:6.1f} ms"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--skip-dot", action="store_true", help="do not run Graphviz dot")
    parser.add_argument("--timeout", type=float, default=300.0, help="dot's time limit (s)")
    parser.add_argument("--models", default="mlp,gpt2,lstm", help="comma-separated subset")
    parser.add_argument("--repeat", type=int, default=10, help="paint repetitions")
    parser.add_argument("--no-paint", action="store_true", help="skip the paint benchmark")
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    from graphviewer.render.snapshot_export import ensure_gui_app

    ensure_gui_app()
    bench_models([m for m in args.models.split(",") if m], args.timeout, args.skip_dot)
    if not args.no_paint:
        bench_paint(args.repeat)


if __name__ == "__main__":
    main()
