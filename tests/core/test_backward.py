"""Backward recording: the engine's order, the seed's numbers, the model and `.grad` untouched."""

from __future__ import annotations

import gc
import math

import pytest
import torch
from torch import nn

import graphviewer
from graphviewer.core.backward import record_backward
from graphviewer.core.capture import capture_graph, live_spec
from graphviewer.core.errors import BackwardError, Cancelled
from graphviewer.core.jobs import CancelToken, Progress, run_job
from graphviewer.core.model_file import load_model_file
from tests.conftest import SAMPLES


class Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc1 = nn.Linear(6, 8)
        self.bn = nn.BatchNorm1d(8)
        self.drop = nn.Dropout(0.3)
        self.fc2 = nn.Linear(8, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(self.drop(torch.relu(self.bn(self.fc1(x)))))


def _net() -> Net:
    torch.manual_seed(0)
    return Net()


def _plain_order(model: nn.Module, x: torch.Tensor) -> list[str]:
    """The order hooks fire in a plain backward written here, as class names."""
    torch.manual_seed(0)
    loss = model(x).sum()
    seen: list[object] = []
    stack = [loss.grad_fn]
    while stack:
        fn = stack.pop()
        if fn is None or any(fn is s for s in seen):
            continue
        seen.append(fn)
        stack.extend(n for n, _ in fn.next_functions)
    fired: list[str] = []
    handles = [
        fn.register_prehook(lambda _g, fn=fn: fired.append(type(fn).__name__)) for fn in seen
    ]  # type: ignore[attr-defined]
    try:
        loss.backward()
    finally:
        for h in handles:
            h.remove()
    model.zero_grad(set_to_none=True)
    return fired


def test_backward_order_matches_a_plain_backward() -> None:
    model, x = _net(), torch.randn(5, 6)
    expected = _plain_order(model, x)
    rec = graphviewer.backward(model, x)
    assert [s.backward_class for s in rec.steps] == expected
    assert rec.loss_source.startswith("sum of the output")


def test_backward_seed_example_reads_as_the_issue_says() -> None:
    spec = load_model_file(SAMPLES / "autograd_scalar.py")
    snap = run_job(capture_graph(spec))
    rec = run_job(record_backward(spec, snapshot=snap))
    names = [s.param or s.backward_class for s in rec.steps]
    assert names == ["PowBackward0", "AddBackward0", "b", "SumBackward0", "MulBackward0", "x", "w"]
    assert [snap.node(s.node_id).backward_class for s in rec.steps] == [
        s.backward_class for s in rec.steps
    ]
    assert rec.loss_value == pytest.approx(0.49)
    assert rec.steps[0].saved == (("self", pytest.approx((-0.7,))),)
    grads = {k: g.values for k, g in rec.leaf_grads.items()}
    assert grads["w"] == pytest.approx((-2.8, -4.2, -5.6))
    assert grads["x"] == pytest.approx((-0.7, 1.4, -0.42))
    assert grads["b"] == pytest.approx((-1.4,))
    # the user's own graph is kept (retain_graph) and their leaves got no .grad
    assert spec.output.grad_fn is not None
    run_job(record_backward(spec))
    x, w, b = (t for t in _leaves(spec.output))
    assert x.grad is None and w.grad is None and b.grad is None


def _leaves(t: torch.Tensor) -> list[torch.Tensor]:
    found: list[torch.Tensor] = []
    stack = [t.grad_fn]
    while stack:
        fn = stack.pop()
        if fn is None:
            continue
        if type(fn).__name__ == "AccumulateGrad":
            found.append(fn.variable)
        stack.extend(n for n, _ in fn.next_functions)
    return sorted(found, key=lambda v: v.numel() == 1)


def test_backward_ids_match_the_snapshot() -> None:
    spec = load_model_file(SAMPLES / "mlp.py")
    snap = run_job(capture_graph(spec, "train"))
    rec = run_job(record_backward(spec, "train", snapshot=snap))
    assert rec.loss_source == "loss_fn(output)"
    ran = [s for s in rec.steps if s.node_id]
    assert {s.node_id for s in ran} == set(snap.graph.nodes)
    for step in ran:
        node = snap.node(step.node_id)
        assert node.backward_class == step.backward_class
        assert step.param == (node.param if node.kind == "param" else step.param)


def test_backward_leaves_grads_params_and_rng_as_they_were() -> None:
    model, x = _net(), torch.randn(5, 6)
    model(x).sum().backward()  # the user already has gradients
    before = {n: p.grad for n, p in model.named_parameters()}
    values = {n: g.clone() for n, g in before.items()}
    params = {n: p.detach().clone() for n, p in model.named_parameters()}
    buffers = {n: b.clone() for n, b in model.named_buffers()}
    model.eval()
    rng = torch.get_rng_state()
    rec = graphviewer.backward(model, x, loss_fn=lambda out: out.pow(2).mean())
    assert rec.loss_source == "loss_fn(output)" and rec.steps
    for n, p in model.named_parameters():
        assert p.grad is before[n] and torch.equal(p.grad, values[n])
        assert torch.equal(p, params[n])
    for n, b in model.named_buffers():
        assert torch.equal(b, buffers[n])
    assert not model.training and torch.equal(torch.get_rng_state(), rng)


def _hook_counts(model: nn.Module) -> int:
    return sum(len(m._forward_pre_hooks) for m in model.modules())


def test_backward_hooks_gone_after_success_failure_and_cancel() -> None:
    model, x = _net(), torch.randn(5, 6)
    graphviewer.backward(model, x)
    assert _hook_counts(model) == 0

    with pytest.raises(BackwardError, match="not a scalar"):
        graphviewer.backward(model, x, loss_fn=lambda out: out)
    assert _hook_counts(model) == 0

    token = CancelToken()

    def on_progress(p: Progress) -> None:
        if p.stage == "recording backward" and p.done >= 2:
            token.cancel()

    with pytest.raises(Cancelled):
        run_job(record_backward(live_spec(model, x), cancel=token, report=on_progress))
    assert _hook_counts(model) == 0
    assert all(p.grad is None for p in model.parameters())
    gc.collect()


def test_backward_node_hooks_removed_from_the_users_graph() -> None:
    spec = load_model_file(SAMPLES / "autograd_scalar.py")
    run_job(record_backward(spec))
    fired: list[str] = []
    spec.output.grad_fn.register_prehook(lambda g: fired.append("user"))
    spec.output.backward(retain_graph=True)
    assert fired == ["user"]  # only the user's own hook: ours are gone


def test_backward_in_place_error_names_the_node() -> None:
    class InPlace(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.fc = nn.Linear(4, 4)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            h = torch.sigmoid(self.fc(x))
            h.mul_(2)  # sigmoid saved its output: backward raises
            return h

    torch.manual_seed(0)
    model, x = InPlace(), torch.randn(2, 4)
    snap = graphviewer.capture(model, x)
    with pytest.raises(BackwardError) as err:
        run_job(record_backward(live_spec(model, x), snapshot=snap))
    text = str(err.value)
    assert "loss.backward() raised RuntimeError" in text
    assert "inplace" in text and "SigmoidBackward0" in text
    assert "h = torch.sigmoid(self.fc(x))" in text


def test_backward_no_grad_and_no_graph_say_why() -> None:
    model, x = _net(), torch.randn(5, 6)
    with pytest.raises(BackwardError, match="under no_grad"):
        run_job(record_backward(live_spec(model, x), "no_grad"))
    with pytest.raises(BackwardError, match="does not require grad"):
        graphviewer.backward(model, x, loss_fn=lambda out: out.detach().sum())


def test_backward_gradient_problems_are_listed() -> None:
    model, x = _net(), torch.randn(5, 6)
    with torch.no_grad():
        model.fc2.weight.zero_()
    rec = graphviewer.backward(model, x)
    assert rec.problems.get("fc1.weight") == "zero"
    norms = rec.grad_norms()
    assert all(math.isfinite(v) for v in norms.values()) and norms
    g = rec.leaf_grads["fc2.bias"]
    assert g.values == pytest.approx((5.0, 5.0, 5.0))
    assert g.norm == pytest.approx(math.sqrt(75))


@pytest.mark.filterwarnings("ignore:`torch.jit.script` is deprecated")
def test_backward_of_a_torchscript_model() -> None:
    torch.manual_seed(0)
    scripted = torch.jit.script(nn.Linear(3, 2))
    rec = graphviewer.backward(scripted, torch.randn(2, 3))
    assert [s.param for s in rec.steps if s.is_leaf] == ["bias", "weight"]
    assert scripted.weight.grad is None
