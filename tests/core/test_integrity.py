"""A capture leaves the model and the process as they were: RNGs, parameters, buffers, bindings."""

from __future__ import annotations

import random
import threading
import warnings
from typing import Any

import numpy as np
import pytest
import torch
from torch import nn

import graphviewer
from graphviewer.core import integrity
from graphviewer.core.capture import capture_graph, live_spec
from graphviewer.core.errors import Cancelled
from graphviewer.core.jobs import CancelToken, drive


class _Draws(nn.Module):
    """Draws from Python's and NumPy's global generators in its forward."""

    def __init__(self) -> None:
        super().__init__()
        self.lin = nn.Linear(4, 4)
        self.seen: list[tuple[float, float]] = []

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.seen.append((random.random(), float(np.random.rand())))
        return self.lin(x)


def test_python_and_numpy_rng_are_restored_and_seeded() -> None:
    model = _Draws()
    random.seed(123)
    np.random.seed(123)
    py_before, np_before = random.getstate(), np.random.get_state()
    graphviewer.capture(model, torch.randn(2, 4))
    graphviewer.capture(model, torch.randn(2, 4))
    assert random.getstate() == py_before, "capture advanced Python's random"
    np_after = np.random.get_state()
    assert np.array_equal(np_after[1], np_before[1]) and np_after[2:] == np_before[2:], (
        "capture advanced NumPy's global RNG"
    )
    assert model.seen[0] == model.seen[1], "the forward's draws differ between two captures"


def test_capture_queues_no_seed_for_an_uninitialised_accelerator() -> None:
    # torch.manual_seed queues a seed for CUDA/XPU that would run at their first use, after the
    # capture: the user's later CUDA work would start from graphviewer's seed.
    trackers = [m._lazy_seed_tracker for m in (torch.cuda, torch.xpu) if not m.is_initialized()]
    if not trackers:
        pytest.skip("every accelerator is initialised here")
    before = [list(t.get_calls()) for t in trackers]
    graphviewer.capture(nn.Sequential(nn.Linear(4, 4), nn.Dropout(0.5)), torch.randn(2, 4))
    after = [list(t.get_calls()) for t in trackers]
    assert after == before, "capture queued a seed for an accelerator it does not restore"


class _TwoDeviceRng:
    """The RNG surface of a device module (`torch.cuda`) for two devices, on real generators."""

    def __init__(self) -> None:
        self.generators = [torch.Generator(), torch.Generator()]
        self.generators[0].manual_seed(11)
        self.generators[1].manual_seed(22)
        self.current = 0

    def get_rng_state(self, device: Any = 0) -> torch.Tensor:
        return self.generators[device].get_state()

    def set_rng_state(self, new_state: torch.Tensor, device: Any = 0) -> None:
        self.generators[device].set_state(new_state)

    def manual_seed(self, seed: int) -> None:
        self.generators[self.current].manual_seed(seed)

    def device(self, index: int) -> Any:
        module = self

        class _Current:
            def __enter__(self) -> None:
                self.previous, module.current = module.current, index

            def __exit__(self, *exc: object) -> None:
                module.current = self.previous

        return _Current()


def test_every_seeded_device_is_restored(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = _TwoDeviceRng()
    monkeypatch.setattr(integrity, "initialised_devices", lambda: [(fake, [0, 1])])
    before = [g.get_state() for g in fake.generators]
    seen: list[list[torch.Tensor]] = []

    class Peek(nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            seen.append([g.get_state() for g in fake.generators])
            return x * 2

    graphviewer.capture(Peek(), torch.randn(2, requires_grad=True))
    seeded = torch.Generator().manual_seed(0).get_state()
    assert all(torch.equal(s, seeded) for s in seen[0]), "a device was not seeded for the pass"
    after = [g.get_state() for g in fake.generators]
    assert all(torch.equal(a, b) for a, b in zip(after, before, strict=True)), (
        "a seeded device's RNG state was not restored"
    )


class _EditsWeight(nn.Module):
    """Edits its own parameter in place under no_grad, in one of several spellings."""

    def __init__(self, how: str) -> None:
        super().__init__()
        self.how = how
        self.lin = nn.Linear(3, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        w = self.lin.weight
        with torch.no_grad():
            if self.how == "add_":
                w.add_(1)
            elif self.how == "data":
                w.data.mul_(3)
            elif self.how == "setitem":
                w[0] = 7.0
            elif self.how == "init":
                nn.init.zeros_(w)
            elif self.how == "out":
                torch.add(w, 1, out=w)
            elif self.how == "twice":
                w.add_(1)
                w.add_(1)
        return self.lin(x)


@pytest.mark.parametrize("how", ["add_", "data", "setitem", "init", "out", "twice"])
def test_a_parameter_edited_in_place_is_restored(how: str) -> None:
    model = _EditsWeight(how)
    before = model.lin.weight.detach().clone()
    snap = graphviewer.capture(model, torch.randn(2, 3))
    assert torch.equal(model.lin.weight, before), f"{how}: the parameter kept the forward's edit"
    assert not [w for w in snap.warnings if w.kind == "integrity"]


def test_running_statistics_kept_as_parameters_are_restored() -> None:
    # Older code keeps running statistics as frozen Parameters; batch_norm updates them inside
    # its C++ kernel (without even moving their version counters).
    class OldNorm(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.mean = nn.Parameter(torch.zeros(3), requires_grad=False)
            self.var = nn.Parameter(torch.ones(3), requires_grad=False)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return nn.functional.batch_norm(x, self.mean, self.var, training=True)

    model = OldNorm()
    graphviewer.capture(model, torch.randn(8, 3) + 5)
    assert torch.equal(model.mean, torch.zeros(3)) and torch.equal(model.var, torch.ones(3))


def _bump(w: torch.Tensor) -> None:
    w.add_(1)


def test_a_parameter_changed_where_no_python_call_shows_it_is_reported() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # torch.jit is deprecated, still used
        scripted_bump = torch.jit.script(_bump)

    class Scripted(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.w = nn.Parameter(torch.zeros(3))

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            with torch.no_grad():
                scripted_bump(self.w)  # TorchScript runs in C++: no function mode sees it
            return x * self.w

    snap = graphviewer.capture(Scripted(), torch.randn(3))
    (warning,) = [w for w in snap.warnings if w.kind == "integrity"]
    assert "parameter w in place" in warning.message


class _Rebinds(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.register_buffer("steps", torch.tensor(0))
        self.count = torch.tensor(0)  # a plain tensor attribute
        self.lin = nn.Linear(3, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.steps = self.steps + 1
        self.count = self.count + 1
        self.register_buffer("made_in_forward", torch.ones(1))
        return self.lin(x)


def test_rebound_buffers_and_tensor_attributes_are_restored() -> None:
    model = _Rebinds()
    steps, count = model.steps, model.count
    graphviewer.capture(model, torch.randn(2, 3))
    assert model.steps is steps and int(model.steps) == 0, "the rebound buffer was kept"
    assert model.count is count and int(model.count) == 0, "the rebound attribute was kept"
    assert "made_in_forward" not in dict(model.named_buffers()), "a new buffer was kept"


class _DropoutStack(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.layers = nn.Sequential(
            *[m for _ in range(12) for m in (nn.Linear(128, 128), nn.ReLU(), nn.Dropout(0.5))]
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layers(x)


def _signature(model: nn.Module, x: torch.Tensor) -> dict[str, float]:
    snap = drive(capture_graph(live_spec(model, x), "train"))
    return {k: s.mean for k, s in snap.stats.items() if k.startswith("module:")}


def test_parallel_captures_draw_the_same_masks_as_a_lone_one() -> None:
    torch.manual_seed(0)
    models = [_DropoutStack() for _ in range(4)]
    inputs = [torch.randn(64, 128) for _ in range(4)]
    alone = [_signature(m, x) for m, x in zip(models, inputs, strict=True)]
    for _ in range(3):
        assert _parallel_signatures(models, inputs) == alone, (
            "a capture's statistics changed when others ran beside it"
        )


def _parallel_signatures(models: list[nn.Module], inputs: list[torch.Tensor]) -> list[Any]:
    results: list[dict[str, float] | None] = [None] * len(models)
    start = threading.Barrier(len(models))

    def run(i: int) -> None:
        start.wait()
        results[i] = _signature(models[i], inputs[i])

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(models))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def test_a_cancelled_capture_does_not_wait_for_another_seeded_section() -> None:
    entered, release = threading.Event(), threading.Event()

    def hold() -> None:
        with integrity.seeded_rng():
            entered.set()
            release.wait(10)

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert entered.wait(10)
        cancel = CancelToken()
        cancel.cancel()
        with pytest.raises(Cancelled), integrity.seeded_rng(0, cancel):
            pass
    finally:
        release.set()
        holder.join(10)
