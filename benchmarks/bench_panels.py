"""How fast the activation views are, and what their statistics hold in memory.

    .venv/bin/python benchmarks/bench_panels.py [--repeat N] [--only overlay|panel]

Overlay: the ~20,800-node unrolled LSTM captured with statistics and laid out fully expanded;
times building the overlay values, then one canvas frame (fit, 1600×1000, offscreen) plain, the
first frame with the overlay (colours binned) and later frames (cached). Goal: recolour
≤ 100 ms. Panel: GPT-2 (12 layers, 64 tokens) — the memory every `ActivationStats` holds
(histograms and per-unit arrays; goal ≤ 10 MB) and selecting a module to its painted
Activations panel (histogram, table, units; goal ≤ 30 ms).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

ROOT = Path(__file__).resolve().parents[1]


def _median_ms(fn: object, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def bench_overlay(repeat: int) -> None:
    from PySide6.QtCore import QPoint
    from PySide6.QtGui import QImage, QRegion
    from PySide6.QtWidgets import QWidget

    from graphviewer.core.capture import capture_graph
    from graphviewer.core.jobs import run_job
    from graphviewer.core.layout import layout_graph
    from graphviewer.core.model_file import load_model_file
    from graphviewer.render.scene import text_measurer
    from graphviewer.render.state import Layer
    from graphviewer.render.theme import theme_named
    from graphviewer.ui.activation_overlay import _MEMO as memo
    from graphviewer.ui.activation_overlay import overlay_for
    from graphviewer.ui.canvas import GraphCanvas

    spec = load_model_file(ROOT / "samples" / "lstm_unrolled.py")
    snap = run_job(capture_graph(spec, "train", stats=True))
    layout = layout_graph(snap.graph, snap.modules, collapsed=(), measure=text_measurer())
    canvas = GraphCanvas(theme_named("light"))
    canvas.resize(1600, 1000)
    canvas.set_graph(snap, layout)
    canvas.fit()
    image = QImage(1600, 1000, QImage.Format.Format_ARGB32_Premultiplied)
    region = QRegion(canvas.rect())

    def frame() -> None:
        canvas.render(image, QPoint(), region, QWidget.RenderFlag.DrawWindowBackground)

    print(f"LSTM: {snap.num_nodes:,} nodes, {len(layout.items):,} items, {len(snap.stats):,} stats")
    plain = _median_ms(frame, repeat)
    for choice in ("std", "saved bytes"):
        firsts, values = [], []
        for _ in range(repeat):
            memo.clear()  # a statistic not chosen before: values, bins and paths all new
            start = time.perf_counter()
            overlay = overlay_for(snap, layout, choice)
            values.append((time.perf_counter() - start) * 1000)
            canvas.set_layer("activations", Layer(overlay=overlay))
            frame()
            firsts.append((time.perf_counter() - start) * 1000)
        later = _median_ms(frame, repeat)
        recolour = statistics.median(firsts)
        print(
            f"  overlay {choice:11s}: recolour (values + first frame) {recolour:6.1f} ms "
            f"(values {statistics.median(values):5.1f} ms; goal ≤ 100 ms), later frames "
            f"{later:6.1f} ms (plain {plain:.1f} ms)"
        )
        canvas.set_layer("activations", None)


def bench_panel(repeat: int) -> None:
    import models
    import numpy as np

    from graphviewer.core.capture import capture_graph, live_spec
    from graphviewer.core.jobs import run_job
    from graphviewer.ui.activation_targets import module_target
    from graphviewer.ui.panels.activations import ActivationsPanel

    snap = run_job(capture_graph(live_spec(models.gpt2(), models.gpt2_input()), "train"))
    seen: set[int] = set()
    held = 0
    for st in snap.stats.values():
        for a in (st.hist_edges, st.hist_counts, st.unit_active, st.unit_mean, st.unit_std):
            if isinstance(a, np.ndarray) and id(a) not in seen:
                seen.add(id(a))
                held += a.nbytes
    units = sum(1 for st in snap.stats.values() if st.has_units)
    print(
        f"GPT-2: {len(snap.stats):,} statistics ({units:,} with per-unit figures) hold "
        f"{held / 1e6:.2f} MB of arrays (goal ≤ 10 MB)"
    )
    panel = ActivationsPanel()
    panel.resize(420, 900)
    panel.show()
    paths = ["transformer.h.5.mlp.act", "transformer.h.5.ln_2", "transformer.h.11.attn"]
    paths = [p for p in paths if p in snap.modules]

    def select(path: str) -> None:
        panel.show_target(module_target(snap, path))
        panel.repaint()
        panel.histogram.repaint()
        panel.units.repaint()

    for path in paths:
        select(path)  # warm up
        ms = _median_ms(lambda p=path: select(p), repeat)
        print(f"  select {path:26s} to painted panel: {ms:6.1f} ms (goal ≤ 30 ms)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--only", choices=("overlay", "panel"))
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from graphviewer.ui.app import create_app

    create_app()
    if args.only in (None, "panel"):
        bench_panel(args.repeat)
    if args.only in (None, "overlay"):
        bench_overlay(args.repeat)


if __name__ == "__main__":
    main()
