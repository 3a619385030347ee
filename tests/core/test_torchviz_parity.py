"""The walk reaches exactly the autograd nodes torchviz's make_dot reaches, on every sample."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
import torch

from graphviewer.core.capture import capture_graph
from graphviewer.core.jobs import drive
from graphviewer.core.model_file import load_model_file
from graphviewer.core.recorder import iter_tensors

torchviz = pytest.importorskip("torchviz")

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
GRAPH_SAMPLES = sorted(
    p.name
    for p in SAMPLES.glob("*.py")
    if p.name
    not in {"make_variants.py", "forward_raises.py", "shape_mismatch.py", "lstm_unrolled.py"}
)
_NODE = re.compile(r'^\s*(\d+) \[label=("?)(.*?)\2( fillcolor=(\w+))?\]', re.M)


def _torchviz_functions(output: object) -> Counter[str]:
    """Backward-function nodes of make_dot's DOT source (tensor nodes have a fill colour)."""
    roots = [t for t in iter_tensors(output) if t.grad_fn is not None]
    dot = torchviz.make_dot(tuple(roots) if len(roots) > 1 else roots[0])
    return Counter(m.group(3) for m in _NODE.finditer(dot.source) if not m.group(5))


@pytest.mark.parametrize("name", GRAPH_SAMPLES)
def test_walk_matches_make_dot(name: str) -> None:
    spec = load_model_file(SAMPLES / name)
    snap = drive(capture_graph(spec, "train", stats=False))
    ours = Counter(n.backward_class for n in snap.nodes.values())
    if spec.model is None:
        output = spec.output
    else:
        model = spec.model
        model.train()
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(0)
            output = model(*spec.args, **dict(spec.kwargs))
    assert ours == _torchviz_functions(output)
    assert snap.num_nodes > 0
