"""Train / eval / no_grad captures of samples/mlp.py and what changes between them."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest
import torch
from torch import nn

from graphviewer.core.capture import live_spec
from graphviewer.core.jobs import run_job
from graphviewer.core.mode_diff import ModeDiff, diff_modes, node_keys
from graphviewer.core.model_file import load_model_file
from graphviewer.core.modes import ModeRun, capture_modes
from tests.conftest import SAMPLES


@pytest.fixture(scope="module")
def mlp_run() -> tuple[object, ModeRun]:
    spec = load_model_file(SAMPLES / "mlp.py")
    return spec, run_job(capture_modes(spec))


@pytest.fixture(scope="module")
def diff(mlp_run: tuple[object, ModeRun]) -> ModeDiff:
    return diff_modes(mlp_run[1], "train", "eval")


def test_modes_dropout_node_in_train_only_attributed_to_dropout(diff: ModeDiff) -> None:
    (only,) = diff.only
    assert only.mode == "train"
    assert only.module == "drop1" and only.backward_class == "MulBackward0"
    assert diff.only_in("eval") == ()
    assert diff.nodes == {"train": 13, "eval": 12}


def test_modes_node_keys_match_the_same_node_across_modes(mlp_run: tuple[object, ModeRun]) -> None:
    run = mlp_run[1]
    train, eval_ = run.captures["train"].snapshot, run.captures["eval"].snapshot
    by_key = {k: n for n, k in node_keys(eval_).items()}
    for node_id, key in node_keys(train).items():
        if key in by_key:
            a, b = train.node(node_id), eval_.node(by_key[key])
            assert (a.module, a.backward_class, a.param) == (b.module, b.backward_class, b.param)


def test_modes_module_changes_start_at_batchnorm(diff: ModeDiff) -> None:
    by_path = {m.path: m for m in diff.modules}
    assert not by_path["layer1"].changed and by_path["layer1"].max_abs == 0.0
    for path in ("bn1", "act1", "drop1", "layer2", ""):
        assert by_path[path].changed and by_path[path].max_abs > 0.01
        assert 0 < by_path[path].relative < 10
    assert diff.modules[0].changed  # most changed first
    assert diff.output_max_abs == pytest.approx(by_path[""].max_abs)


def test_modes_eval_and_no_grad_outputs_are_allclose(diff: ModeDiff) -> None:
    assert diff.eval_no_grad_allclose is True
    assert diff.eval_no_grad_max_abs is not None and diff.eval_no_grad_max_abs < 1e-6


def test_modes_no_grad_has_no_nodes_and_unsaved_bytes_are_evals(
    mlp_run: tuple[object, ModeRun], diff: ModeDiff
) -> None:
    run = mlp_run[1]
    no_grad = run.captures["no_grad"].snapshot
    assert no_grad.num_nodes == 0
    assert no_grad.modules["bn1"].output_shapes == ((16, 64),)  # hooks still saw the modules
    eval_saved = sum(n.saved_bytes for n in run.captures["eval"].snapshot.nodes.values())
    assert diff.unsaved_bytes == eval_saved > 0


def test_modes_dropout_zeroes_p_and_scales_by_one_over_one_minus_p(diff: ModeDiff) -> None:
    train, eval_ = diff.dropouts["train"]["drop1"], diff.dropouts["eval"]["drop1"]
    assert train.p == 0.2 and train.expected_scale == pytest.approx(1.25)
    assert 0.1 < train.zeroed_fraction < 0.3
    assert train.scale == pytest.approx(1.25, rel=1e-5)
    assert eval_.zeroed_fraction == 0.0 and eval_.scale == pytest.approx(1.0)


def test_modes_batchnorm_batch_statistics_are_the_batchs(mlp_run: tuple[object, ModeRun]) -> None:
    spec, run = mlp_run
    model = spec.model  # type: ignore[attr-defined]
    (x,) = spec.args  # type: ignore[attr-defined]
    with torch.no_grad():
        h = model.layer1(x).double()
    bn = run.captures["train"].batchnorms["bn1"]
    np.testing.assert_allclose(bn.batch_mean, h.mean(0).numpy(), rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(bn.batch_var, h.var(0, unbiased=False).numpy(), rtol=1e-6)
    # one train step moves the running statistics by momentum towards the batch's
    m = model.bn1.momentum
    np.testing.assert_allclose(bn.running_mean, model.bn1.running_mean.numpy())
    expected = (1 - m) * bn.running_mean + m * bn.batch_mean
    np.testing.assert_allclose(bn.running_mean_after, expected, rtol=1e-5, atol=1e-7)
    expected_var = (1 - m) * bn.running_var + m * h.var(0, unbiased=True).numpy()
    np.testing.assert_allclose(bn.running_var_after, expected_var, rtol=1e-5)
    assert bn.training and bn.max_move > 0
    in_eval = run.captures["eval"].batchnorms["bn1"]
    assert not in_eval.training and in_eval.max_move == 0.0


def test_modes_leave_the_model_and_every_rng_as_they_were() -> None:
    spec = load_model_file(SAMPLES / "mlp.py")
    model = spec.model
    assert model is not None
    model.eval()
    model.layer1.train()  # a mixed state must come back mixed
    model.layer2.weight.grad = torch.full_like(model.layer2.weight, 0.5)
    grad = model.layer2.weight.grad
    before = {k: v.clone() for k, v in model.state_dict().items()}
    flags = [m.training for m in model.modules()]
    torch.manual_seed(123)
    random.seed(4)
    np.random.seed(5)
    rng = (torch.get_rng_state(), random.getstate(), np.random.get_state()[1].copy())
    run_job(capture_modes(spec))
    after = model.state_dict()
    for k, v in before.items():
        assert torch.equal(after[k], v), k
    assert int(after["bn1.num_batches_tracked"]) == 0
    assert [m.training for m in model.modules()] == flags
    assert model.layer2.weight.grad is grad and bool((grad == 0.5).all())
    assert model.layer1.weight.grad is None
    assert torch.equal(torch.get_rng_state(), rng[0])
    assert random.getstate() == rng[1]
    assert np.array_equal(np.random.get_state()[1], rng[2])


class _BackwardInForward(nn.Module):
    """A forward that calls backward itself: the probe must put `.grad` back."""

    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(4, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.fc(x)
        if torch.is_grad_enabled():
            y.sum().backward(retain_graph=True)
        return y


def test_modes_grads_put_back_after_a_forward_that_runs_backward() -> None:
    model = _BackwardInForward()
    run_job(capture_modes(live_spec(model, torch.randn(3, 4)), ("train", "eval")))
    assert all(p.grad is None for p in model.parameters())


def test_modes_outputs_beyond_the_budget_are_not_compared() -> None:
    spec = load_model_file(SAMPLES / "mlp.py")
    run = run_job(capture_modes(spec, ("train", "eval"), budget=16 * 64 * 4 + 1))
    diff = diff_modes(run, "train", "eval")
    skipped = [m for m in diff.modules if m.note]
    assert skipped and all(math.isnan(m.max_abs) and not m.changed for m in skipped)
    assert "memory budget" in skipped[0].note


def test_modes_diff_of_an_uncaptured_mode_names_it(mlp_run: tuple[object, ModeRun]) -> None:
    run = mlp_run[1]
    partial = ModeRun({"train": run.captures["train"]}, {})
    with pytest.raises(ValueError, match="'eval' was not captured"):
        diff_modes(partial, "train", "eval")
