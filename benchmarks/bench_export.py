"""Export speed: graphviewer SVG vs torchviz `make_dot` + Graphviz `dot -Tsvg`; scene paint time.

    .venv/bin/python benchmarks/bench_export.py [--skip-dot] [--timeout 300] [--models mlp,lstm]

For each model, in this process and from the same loaded model, in --repeat interleaved rounds
(times: the best round; ratios: the median of the rounds' ratios, with their range):
- graphviewer: capture (forward + graph walk), then layout + SVG, for the view
  `graphviewer export` draws by default (folded to fit a slide) and fully expanded (the picture
  torchviz draws);
- torchviz: forward + `make_dot` + `dot -Tsvg` in a subprocess (killed after --timeout seconds);
- the ratios torchviz / graphviewer of the graph-to-SVG step and end to end, in the same run.
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


def ours(spec: Any, snapshot: Any, expanded: bool) -> dict[str, float]:
    """Seconds of layout and SVG for an already captured snapshot (the graph-to-picture step),
    each run from a cold start: what the layout keeps per graph is dropped first, as a new
    `graphviewer export` process starts without it."""
    from graphviewer.core.layout.memo import forget
    from graphviewer.render.export import export_graph
    from graphviewer.render.modules import forget_categories
    from graphviewer.render.scene import GraphScene
    from graphviewer.render.snapshot_export import layout_for_export
    from graphviewer.render.theme import theme_named

    forget(snapshot.graph)
    forget_categories(snapshot.graph)
    t1 = time.perf_counter()
    layout = layout_for_export(snapshot, expand_all=expanded)
    t2 = time.perf_counter()
    path = OUT / f"{spec.name}-{'all' if expanded else 'default'}.svg"
    export_graph(GraphScene(snapshot, layout, theme_named("light")), path)
    t3 = time.perf_counter()
    return {"layout": t2 - t1, "svg": t3 - t2, "items": float(len(layout.items))}


def capture(spec: Any) -> tuple[Any, float]:
    from graphviewer.core.capture import capture_graph
    from graphviewer.core.jobs import run_job

    t0 = time.perf_counter()
    snapshot = run_job(capture_graph(spec, "train"))
    return snapshot, time.perf_counter() - t0


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


def _best_of(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Per stage, the best of the runs (None stays None: a timed-out dot)."""
    keys = runs[0].keys()
    return {k: None if any(r[k] is None for r in runs) else min(r[k] for r in runs) for k in keys}


def bench_models(names: list[str], timeout: float, skip_dot: bool, repeat: int) -> None:
    print(
        "graph → SVG: graphviewer layout + SVG of a captured snapshot, against torchviz "
        "make_dot + dot -Tsvg (interleaved rounds: best times, median ratios).\n"
        "'default' is what `graphviewer export` "
        "draws (the deepest folding that fits a 16:9 slide); 'expanded' is every node,\n"
        "the picture torchviz draws. End to end adds capture, or torchviz's forward."
    )
    from graphviewer.core.gc_pause import settle_loaded

    for name in names:
        spec = load(name)
        settle_loaded(collect=True)  # as `graphviewer export` and the window do after a load
        snapshot, _ = capture(spec)  # warm-up: first forward, imports, kernels
        ours(spec, snapshot, expanded=False)
        caps = [capture(spec) for _ in range(min(repeat, 3))]
        snapshot, t_capture = caps[-1][0], min(c[1] for c in caps)
        many = name != "lstm"
        n = repeat if many else 1
        # Interleaved rounds (as bench_capture does): each round times both of our pictures and
        # torchviz back to back, so a slow spell of a shared machine hits them alike; the
        # ratios are the medians of the rounds' ratios, the times the best of the rounds.
        rounds = []
        for _ in range(n):
            default = ours(spec, snapshot, expanded=False)
            expanded = ours(spec, snapshot, expanded=True)
            tv = torchviz_dot(spec, timeout, skip_dot)
            rounds.append((default, expanded, tv))
        default = _best_of([r[0] for r in rounds])
        expanded = _best_of([r[1] for r in rounds])
        tv = _best_of([r[2] for r in rounds])
        dot = tv["dot"]
        dot_text = (
            f"{dot:6.2f} s" if dot is not None else "skipped" if skip_dot else f"> {timeout:.0f} s"
        )
        print(f"  {name}: {snapshot.num_nodes:,} nodes; capture {t_capture:.2f} s")
        print(
            f"    torchviz     forward {tv['forward']:6.2f} s | make_dot {tv['make_dot']:6.3f} s"
            f" | dot {dot_text}"
        )
        bound = "" if dot is not None else "≥ "

        def theirs(t: dict[str, Any]) -> float:
            return float(t["make_dot"] + (t["dot"] if t["dot"] is not None else timeout))

        for label, which, st in (("default ", 0, default), ("expanded", 1, expanded)):
            mine = st["layout"] + st["svg"]
            ratios = [theirs(r[2]) / (r[which]["layout"] + r[which]["svg"]) for r in rounds]
            ratio = (
                f"ratio {bound}{statistics.median(ratios):5.1f}× (rounds {min(ratios):.1f}–"
                f"{max(ratios):.1f}×), end to end "
                f"{bound}{(tv['forward'] + theirs(tv)) / (t_capture + mine):4.1f}×"
                if dot is not None or not skip_dot
                else ""
            )
            print(
                f"    graphviewer {label} {int(st['items']):6,} items | layout "
                f"{st['layout'] * 1000:7.1f} ms | SVG {st['svg'] * 1000:7.1f} ms | {ratio}"
            )


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
    parser.add_argument("--repeat", type=int, default=10, help="repetitions (best is kept)")
    parser.add_argument("--no-paint", action="store_true", help="skip the paint benchmark")
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    from graphviewer.render.snapshot_export import ensure_gui_app

    ensure_gui_app()
    models = [m for m in args.models.split(",") if m]
    bench_models(models, args.timeout, args.skip_dot, args.repeat)
    if not args.no_paint:
        bench_paint(args.repeat)


if __name__ == "__main__":
    main()
