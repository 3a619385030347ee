"""Capture: the autograd graph, module attribution, shapes, stats, and the model left untouched."""

from __future__ import annotations

import threading

import pytest
import torch
from torch import nn

import graphviewer
from graphviewer.core.capture import capture_graph, live_spec
from graphviewer.core.errors import Cancelled, CaptureError
from graphviewer.core.jobs import CancelToken, Progress, run_job
from graphviewer.core.report import module_line


class MLP(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.layer1 = nn.Linear(20, 64)
        self.bn1 = nn.BatchNorm1d(64)
        self.act1 = nn.ReLU()
        self.drop1 = nn.Dropout(0.2)
        self.layer2 = nn.Linear(64, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.layer1(x)
        h = self.drop1(self.act1(self.bn1(h)))
        return self.layer2(h)


@pytest.fixture
def mlp() -> MLP:
    torch.manual_seed(0)
    return MLP()


def test_capture_mlp_nodes_modules_and_params(mlp: MLP) -> None:
    snap = graphviewer.capture(mlp, torch.randn(16, 20))
    nodes = snap.nodes
    addmms = [n for n in nodes.values() if n.op == "addmm"]
    assert [n.module for n in addmms] == ["layer1", "layer2"]
    assert addmms[0].backward_class == "AddmmBackward0"
    assert addmms[0].shape == (16, 64)
    params = {n.param for n in nodes.values() if n.kind == "param"}
    assert params == {
        "layer1.weight",
        "layer1.bias",
        "bn1.weight",
        "bn1.bias",
        "layer2.weight",
        "layer2.bias",
    }
    assert {n.module for n in nodes.values() if n.op == "relu"} == {"act1"}
    assert {n.module for n in nodes.values() if n.op == "mul"} == {"drop1"}  # dropout on CPU
    (out,) = snap.output_ids
    assert nodes[out].kind == "output" and nodes[out].module == "layer2"
    assert snap.graph.out_degree(out) == 0
    # data flows producer -> consumer, and edges carry the flowing tensor's shape
    w1 = next(n.id for n in nodes.values() if n.param == "layer1.weight")
    (t_node,) = snap.graph.successors(w1)
    assert nodes[t_node].op == "t" and nodes[t_node].module == "layer1"
    assert snap.graph.edges[w1, t_node]["shape"] == (64, 20)


def test_capture_source_lines_point_at_user_forward(mlp: MLP) -> None:
    snap = graphviewer.capture(mlp, torch.randn(16, 20))
    addmm1 = next(n for n in snap.nodes.values() if n.op == "addmm" and n.module == "layer1")
    assert addmm1.source is not None
    assert addmm1.source.file == __file__
    assert addmm1.source.text == "h = self.layer1(x)"
    assert addmm1.source.function == "forward"


def test_capture_module_tree_shapes(mlp: MLP) -> None:
    snap = graphviewer.capture(mlp, torch.randn(16, 20))
    assert list(snap.modules) == ["", "layer1", "bn1", "act1", "drop1", "layer2"]
    assert module_line(snap.modules["layer1"]) == "layer1: (16, 20) → (16, 64)"
    assert snap.modules[""].children == ("layer1", "bn1", "act1", "drop1", "layer2")
    assert snap.modules["layer1"].num_params == 20 * 64 + 64


def test_capture_leaves_model_as_it_was(mlp: MLP) -> None:
    mlp.eval()
    mlp.layer1.weight.grad = torch.ones_like(mlp.layer1.weight)
    before = {k: v.clone() for k, v in mlp.state_dict().items()}
    x = torch.randn(16, 20)
    rng = torch.get_rng_state()
    graphviewer.capture(mlp, x, mode="train")
    after = mlp.state_dict()
    for key, value in before.items():
        assert torch.equal(value, after[key]), key
    assert int(mlp.bn1.num_batches_tracked) == 0
    assert not mlp.training and not mlp.bn1.training
    assert torch.equal(mlp.layer1.weight.grad, torch.ones_like(mlp.layer1.weight))
    assert torch.equal(rng, torch.get_rng_state())


def test_capture_modes(mlp: MLP) -> None:
    x = torch.randn(16, 20)
    train = graphviewer.capture(mlp, x, mode="train")
    evl = graphviewer.capture(mlp, x, mode="eval")
    nograd = graphviewer.capture(mlp, x, mode="no_grad")
    assert any(n.op == "mul" for n in train.nodes.values())  # dropout mask
    assert not any(n.op == "mul" for n in evl.nodes.values())  # dropout is identity in eval
    assert nograd.num_nodes == 0
    assert nograd.modules["layer1"].output_shapes == ((16, 64),)
    assert "module:layer1" in nograd.stats


def test_capture_is_deterministic(mlp: MLP) -> None:
    x = torch.randn(16, 20)
    a = graphviewer.capture(mlp, x)
    b = graphviewer.capture(mlp, x)
    assert a.nodes == b.nodes
    assert a.stats["module:drop1"].mean == b.stats["module:drop1"].mean


def test_capture_from_worker_thread(mlp: MLP) -> None:
    result: dict[str, object] = {}

    def work() -> None:
        result["snap"] = graphviewer.capture(mlp, torch.randn(16, 20))

    thread = threading.Thread(target=work)
    thread.start()
    thread.join(60)
    snap = result["snap"]
    assert snap.num_nodes == 13  # type: ignore[attr-defined]
    assert {n.module for n in snap.nodes.values()} >= {"layer1", "bn1", "act1"}  # type: ignore[attr-defined]


def test_capture_ignores_ops_of_other_threads(mlp: MLP) -> None:
    """The function mode is thread-local: a concurrent op elsewhere is not claimed."""
    started, release = threading.Event(), threading.Event()

    class Slow(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.inner = nn.Linear(4, 4)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            started.set()
            release.wait(10)
            return self.inner(x).sum()

    model = Slow()
    result: dict[str, object] = {}
    thread = threading.Thread(
        target=lambda: result.update(s=graphviewer.capture(model, torch.randn(2, 4)))
    )
    thread.start()
    assert started.wait(10)
    other = (torch.randn(3, requires_grad=True) * 2).exp()  # the main thread works meanwhile
    model.inner(torch.randn(1, 4))  # and even calls the model's module: hooks ignore it
    release.set()
    thread.join(30)
    snap = result["s"]
    ops = sorted(n.op for n in snap.nodes.values() if n.kind != "param")  # type: ignore[attr-defined]
    assert ops == ["addmm", "sum", "t"]
    assert snap.modules["inner"].calls == 1  # type: ignore[attr-defined]
    assert other.grad_fn is not None


def test_capture_forward_error_names_user_line() -> None:
    class Broken(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.fc = nn.Linear(30, 10)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.fc(x)  # wrong input width

    with pytest.raises(CaptureError) as info:
        graphviewer.capture(Broken(), torch.randn(4, 20))
    text = str(info.value)
    assert "forward raised RuntimeError" in text
    assert "test_capture.py" in text and "return self.fc(x)" in text


def test_capture_system_exit_in_forward_is_an_error() -> None:
    class Quits(nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            raise SystemExit(3)

    with pytest.raises(CaptureError, match=r"exit\(3\)"):
        graphviewer.capture(Quits(), torch.randn(2))


def test_capture_cancel_lands_within_a_module_call() -> None:
    token = CancelToken()
    calls: list[int] = []

    class Deep(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.blocks = nn.ModuleList(nn.Linear(8, 8) for _ in range(50))

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            for i, block in enumerate(self.blocks):
                calls.append(i)
                if i == 10:
                    token.cancel()
                x = block(x)
            return x

    with pytest.raises(Cancelled):
        run_job(capture_graph(live_spec(Deep(), torch.randn(2, 8)), cancel=token))
    assert len(calls) == 11


def test_capture_reports_progress_during_forward(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("graphviewer.core.recorder._REPORT_EVERY_S", 0.0)
    seen: list[Progress] = []
    model = nn.Sequential(*(nn.Linear(4, 4) for _ in range(5)))
    yielded = []
    job = capture_graph(live_spec(model, torch.randn(1, 4)), report=seen.append)
    yielded = list(_drain(job))
    assert [p.stage for p in yielded] == ["running forward", "walking graph"]
    assert seen and seen[-1].total == 6 and seen[-1].done == 6


def _drain(job):  # type: ignore[no-untyped-def]
    while True:
        try:
            yield next(job)
        except StopIteration:
            return


def test_capture_stats_dead_units_and_nan() -> None:
    torch.manual_seed(0)
    lin = nn.Linear(10, 32)
    with torch.no_grad():
        lin.bias[:8] = -100.0  # 8 units can never fire
    model = nn.Sequential(lin, nn.ReLU())
    snap = graphviewer.capture(model, torch.randn(16, 10))
    st = snap.stats["module:1"]
    assert st.units == 32 and st.dead_units == 8
    assert st.zeros_fraction >= 8 / 32
    assert st.hist_counts.sum() == 16 * 32
    assert any(w.kind == "dead_units" and w.where == "1" for w in snap.warnings)

    class Nan(nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return torch.log(x - 10)  # negative → NaN

    snap = graphviewer.capture(Nan(), torch.randn(4, 3, requires_grad=True))
    assert snap.stats["module:"].nan_count == 12
    assert [w.kind for w in snap.warnings] == ["nan"]


def test_capture_batchnorm_warning_only_when_it_does_not_normalise() -> None:
    torch.manual_seed(0)
    ok = nn.Sequential(nn.Linear(8, 8), nn.BatchNorm1d(8))
    assert not graphviewer.capture(ok, torch.randn(32, 8)).warnings
    off = nn.Sequential(nn.Linear(8, 8), nn.BatchNorm1d(8))
    with torch.no_grad():
        off[1].bias.fill_(3.0)
    warnings = graphviewer.capture(off, torch.randn(32, 8)).warnings
    assert [w.kind for w in warnings] == ["batchnorm"]
    assert not graphviewer.capture(off, torch.randn(32, 8), mode="eval").warnings


def test_capture_deep_chain_does_not_recurse() -> None:
    class Chain(nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            for _ in range(100_000):
                x = x + 1
            return x

    snap = graphviewer.capture(Chain(), torch.zeros(1, requires_grad=True), stats=False)
    assert snap.num_nodes == 100_001  # 100,000 adds and the input leaf
    assert snap.nodes["n0"].kind == "input"


def test_capture_tuple_and_dict_outputs() -> None:
    class Two(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.a = nn.Linear(3, 3)

        def forward(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
            y = self.a(x)
            return {"relu": y.relu(), "tanh": y.tanh()}

    snap = graphviewer.capture(Two(), torch.randn(2, 3))
    assert len(snap.output_ids) == 2
    assert {snap.nodes[i].op for i in snap.output_ids} == {"relu", "tanh"}


def test_capture_autograd_script_names_its_leaves() -> None:
    from graphviewer.core.model_file import load_model_file

    samples = __import__("pathlib").Path(__file__).resolve().parents[2] / "samples"
    snap = run_job(capture_graph(load_model_file(samples / "autograd_scalar.py")))
    leaves = {n.op for n in snap.nodes.values() if n.kind == "input"}
    assert leaves == {"x", "w", "b"}
    (out,) = snap.output_ids
    assert snap.nodes[out].op == "pow"
