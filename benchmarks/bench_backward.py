"""Recording cost: the hooked, measured `loss.backward()` ÷ a plain `loss.backward()`.

    .venv/bin/python benchmarks/bench_backward.py [--repeat 3]

Goal (issue 13): recording the backward of GPT-2 (12 layers, 64 tokens) and ResNet-50 with
statistics on every gradient costs ≤ 2× the plain backward in the same run; memory stays bounded
(statistics are kept, not gradient tensors): the record's pickled size is reported.
"""

from __future__ import annotations

import argparse
import pickle
import sys
import time
import warnings
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
import models

from graphviewer.core.backward import record_backward
from graphviewer.core.capture import live_spec
from graphviewer.core.jobs import drive


def _loss(out: object) -> torch.Tensor:
    if isinstance(out, torch.Tensor):
        return out.float().sum()
    logits = out["logits"] if isinstance(out, dict) else out.logits  # type: ignore[attr-defined]
    return logits.float().sum()


def plain_backward(model: torch.nn.Module, args: tuple, kwargs: dict) -> float:
    """Seconds of one plain loss.backward() (the forward is not timed)."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        loss = _loss(model(*args, **kwargs))
    start = time.perf_counter()
    loss.backward()
    seconds = time.perf_counter() - start
    model.zero_grad(set_to_none=True)
    return seconds


def bench(name: str, model: torch.nn.Module, inputs: object, repeat: int) -> None:
    model.train()
    spec = live_spec(model, inputs, loss_fn=_loss)
    args, kwargs = spec.args, dict(spec.kwargs)
    plain_backward(model, args, kwargs)  # warm up kernels and allocator
    drive(record_backward(spec))  # and the statistics kernels' first compile
    plain, recorded = [], []
    record = None
    for _ in range(repeat):  # interleaved: both see the same machine load
        plain.append(plain_backward(model, args, kwargs))
        record = drive(record_backward(spec))
        recorded.append(record.seconds)
    assert record is not None
    p, r = min(plain), min(recorded)
    size = len(pickle.dumps(record))
    print(
        f"{name:<10} plain backward {p * 1000:7.1f} ms   recorded {r * 1000:7.1f} ms   "
        f"{r / p:4.2f}×   {len(record.steps)} steps, record {size / 1024:.0f} KB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", choices=("gpt2", "resnet50"))
    a = parser.parse_args()
    torch.manual_seed(0)
    warnings.filterwarnings("ignore")
    if a.only in (None, "resnet50"):
        bench("ResNet-50", models.ResNet50(), torch.randn(2, 3, 224, 224), a.repeat)
    if a.only in (None, "gpt2"):
        bench("GPT-2", models.gpt2(), models.gpt2_input(64), a.repeat)


if __name__ == "__main__":
    main()
