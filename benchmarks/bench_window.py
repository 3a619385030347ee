"""How fast the window is: launch to first painted frame, and the paint time of one frame.

    .venv/bin/python benchmarks/bench_window.py [--launch] [--paint] [--repeat N]

Launch: runs `graphviewer FILE` in a fresh process with GRAPHVIEWER_QUIT_AFTER_FIRST_FRAME=1
(offscreen) and reports the wall time from spawning the process to its exit right after the
first frame with the graph was painted (Python start, imports, load, capture, layout, paint),
plus the first-frame time the process itself measured. Paint: lays out the ~20,800-node
unrolled LSTM (`lstm_unrolled.py`, ~20,800 nodes) fully expanded, then times `GraphCanvas`
painting one full frame (fit to a 1600×1000 view) and one zoomed-in frame (100 %), offscreen
into a QImage. Goal: ≤ 16 ms per frame.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
LAUNCH_MODELS = [
    ("MLP", "mlp.py", ()),
    ("GPT-2", "gpt2.py", ()),
    ("LSTM 20k", "lstm_unrolled.py", ()),
    ("LSTM 20k, all", "lstm_unrolled.py", ("--expand", "all")),  # every one of 20,800 nodes
]


def model_path(name: str) -> Path:
    """A sample's path (`lstm_unrolled.py` is the ~20,800-node graph)."""
    return SAMPLES / name


def bench_launch(repeat: int) -> None:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", HF_HUB_OFFLINE="1")
    env["GRAPHVIEWER_QUIT_AFTER_FIRST_FRAME"] = "1"
    exe = str(Path(sys.executable).with_name("graphviewer"))
    print("launch to first painted frame (graphviewer FILE, offscreen)")
    for label, name, extra in LAUNCH_MODELS:
        walls, inner = [], []
        for _ in range(repeat):
            start = time.perf_counter()
            out = subprocess.run(
                [exe, str(model_path(name)), *extra],
                env=env,
                capture_output=True,
                text=True,
                timeout=600,
            )
            walls.append(time.perf_counter() - start)
            line = next((s for s in out.stdout.splitlines() if s.startswith("first frame")), "")
            if not line:
                print(f"  {label}: no frame painted\n{out.stderr[-2000:]}")
                break
            inner.append(float(line.split()[2]))
        if walls and inner:
            print(
                f"  {label:14s} wall {statistics.median(walls):6.2f} s   "
                f"(in-process {statistics.median(inner):6.2f} s)   runs {len(walls)}"
            )


def bench_paint(repeat: int) -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QPoint, QPointF
    from PySide6.QtGui import QImage, QRegion
    from PySide6.QtWidgets import QWidget

    from graphviewer.core.capture import capture_graph
    from graphviewer.core.jobs import run_job
    from graphviewer.core.layout import layout_graph
    from graphviewer.core.model_file import load_model_file
    from graphviewer.render.scene import text_measurer
    from graphviewer.render.theme import theme_named
    from graphviewer.ui.app import create_app
    from graphviewer.ui.canvas import GraphCanvas

    create_app()
    spec = load_model_file(model_path("lstm_unrolled.py"))
    snapshot = run_job(capture_graph(spec, "train", stats=False))
    start = time.perf_counter()
    layout = layout_graph(snapshot.graph, snapshot.modules, collapsed=(), measure=text_measurer())
    print(
        f"20k-node graph: {snapshot.num_nodes:,} nodes, {len(layout.items):,} items, "
        f"layout {time.perf_counter() - start:.2f} s"
    )
    canvas = GraphCanvas(theme_named("light"))
    canvas.resize(1600, 1000)
    canvas.set_graph(snapshot, layout)
    image = QImage(1600, 1000, QImage.Format.Format_ARGB32_Premultiplied)

    def frame_ms() -> float:
        times = []
        region = QRegion(canvas.rect())
        for _ in range(repeat):
            start = time.perf_counter()
            canvas.render(image, QPoint(), region, QWidget.RenderFlag.DrawWindowBackground)
            times.append((time.perf_counter() - start) * 1000)
        return statistics.median(times)

    canvas.fit()
    full = frame_ms()
    print(f"  full frame  (fit, scale {canvas.scale:.3f}): {full:7.2f} ms  (goal ≤ 16 ms)")
    canvas.scale = 1.0
    canvas.center_at(QPointF(canvas.scene.bounds.center()))
    zoomed = frame_ms()
    print(f"  zoomed frame (scale 1.000):           {zoomed:7.2f} ms  (goal ≤ 16 ms)")
    canvas.scale = 0.25
    canvas.center_at(QPointF(canvas.scene.bounds.center()))
    print(f"  mid frame    (scale 0.250):           {frame_ms():7.2f} ms")
    canvas.scale = 0.01
    canvas.center_at(QPointF(canvas.scene.bounds.center()))
    print(f"  far frame    (scale 0.010):           {frame_ms():7.2f} ms")
    from graphviewer.render.scene import ViewState

    every = frozenset(str(n) for n in snapshot.graph.nodes)
    canvas.set_state(ViewState(every, frozenset()))
    canvas.fit()
    print(f"  full frame, all {len(every):,} nodes selected: {frame_ms():7.2f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--launch", action="store_true")
    parser.add_argument("--paint", action="store_true")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    both = not (args.launch or args.paint)
    if args.paint or both:
        bench_paint(max(args.repeat, 5))
    if args.launch or both:
        bench_launch(args.repeat)


if __name__ == "__main__":
    main()
