"""Capture cost: capture time ÷ plain forward time (same process, same input), and the graph walk.

    .venv/bin/python benchmarks/bench_capture.py [--repeat 5]

Goals (issue 3): capture ≤ 1.5× the plain forward with statistics on, for GPT-2 (12 layers,
64 tokens) and ResNet-50; walk + DiGraph of the ~20,000-node unrolled LSTM ≤ 0.3 s.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
import models

from graphviewer.core.autograd_graph import walk_autograd_graph
from graphviewer.core.capture import capture_graph, live_spec
from graphviewer.core.gc_pause import settle_loaded
from graphviewer.core.jobs import drive


def _best(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
        del result  # freeing the last result is not part of the next measurement
    return min(times)


def bench_capture(name: str, model: torch.nn.Module, inputs: object, repeat: int) -> None:
    spec = live_spec(model, inputs)
    model.train()
    settle_loaded(collect=True)  # as the window and the CLI do after a load
    args, kwargs = spec.args, dict(spec.kwargs)

    def plain() -> None:
        with torch.random.fork_rng(devices=[]):
            out = model(*args, **kwargs)
            del out

    plain()  # warm up
    for stats in (True, False):
        drive(capture_graph(spec, "train", stats=stats))  # warm up (and compile the kernels)
    # Interleaved rounds: each round times the plain forward and both captures back to back, so
    # that a slow spell of a shared machine hits all three alike; the ratio is the median of the
    # rounds' ratios (the best times are printed too).
    runs = {
        "plain": plain,
        "stats": lambda: drive(capture_graph(spec, "train", stats=True)),
        "no stats": lambda: drive(capture_graph(spec, "train", stats=False)),
    }
    rounds = [{key: _best(fn, 1) for key, fn in runs.items()} for _ in range(repeat)]
    best = {key: min(r[key] for r in rounds) for key in runs}
    nodes = drive(capture_graph(spec, "train")).num_nodes
    for key in ("stats", "no stats"):
        ratio = statistics.median(r[key] / r["plain"] for r in rounds)
        print(
            f"{name:10s} {key:8s} nodes={nodes:6d} forward {best['plain'] * 1000:8.1f} ms  "
            f"capture {best[key] * 1000:8.1f} ms  ratio {ratio:5.2f}× (median of {repeat} "
            f"rounds; of the best times {best[key] / best['plain']:.2f}×)"
        )


def bench_walk(repeat: int) -> None:
    torch.manual_seed(0)
    model = models.UnrolledLSTM()
    x = torch.randn(800, 4, 8)
    with torch.backends.mkldnn.flags(enabled=False):
        out = model(x)
    names = {id(p): n for n, p in model.named_parameters()}
    result = walk_autograd_graph([out.grad_fn], param_names=names)
    t = _best(lambda: walk_autograd_graph([out.grad_fn], param_names=names), repeat)
    g = result.graph
    print(
        f"walk       unrolled LSTM seq 800: {g.number_of_nodes()} nodes, "
        f"{g.number_of_edges()} edges: {t * 1000:.0f} ms (goal ≤ 300 ms)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--only", choices=("gpt2", "resnet50", "walk"))
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    torch.set_num_threads(max(1, torch.get_num_threads()))
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    if args.only in (None, "walk"):
        bench_walk(args.repeat)
    if args.only in (None, "gpt2"):
        bench_capture("gpt2", models.gpt2(), models.gpt2_input(), args.repeat)
    if args.only in (None, "resnet50"):
        torch.manual_seed(0)
        bench_capture("resnet50", models.ResNet50(), torch.randn(2, 3, 224, 224), args.repeat)


if __name__ == "__main__":
    main()
