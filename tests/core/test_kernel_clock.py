"""Kernel compilation is a stage of its own, never counted as the forward."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from numba import njit

from graphviewer.core.capture import capture_model
from graphviewer.core.kernel_clock import COMPILE_STAGE, compile_clock, split_compile


def _fresh_kernel():  # a new function each call: numba compiles it on first use
    @njit(cache=False)
    def total(a):  # pragma: no cover - compiled
        s = 0.0
        for v in a:
            s += v
        return s

    return total


def test_the_clock_measures_a_compile_and_nothing_else() -> None:
    kernel = _fresh_kernel()
    with compile_clock() as clock:
        assert clock.seconds == 0.0
        kernel(np.ones(4))
        compiled = clock.seconds
        kernel(np.ones(4))  # compiled already: no time added
        assert clock.seconds == compiled
    assert compiled > 0.0


def test_split_compile_moves_the_time_out_of_the_stage() -> None:
    class Clock:
        seconds = 0.25

    timings = {"forward": 1.0}
    split_compile(timings, "forward", Clock())  # type: ignore[arg-type]
    assert timings == pytest.approx({"forward": 0.75, COMPILE_STAGE: 0.25})
    untouched = {"forward": 1.0}
    Clock.seconds = 0.0
    split_compile(untouched, "forward", Clock())  # type: ignore[arg-type]
    assert untouched == {"forward": 1.0}


def test_a_compile_inside_the_forward_is_reported_as_its_own_stage() -> None:
    kernel = _fresh_kernel()

    class CompilesOnce(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.fc = torch.nn.Linear(4, 4)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            kernel(np.ones(4))  # stands for the statistics kernels' first compile
            return self.fc(x)

    snap = capture_model(CompilesOnce(), torch.randn(2, 4))
    assert snap.timings[COMPILE_STAGE] > 0.0
    assert snap.timings["forward"] >= 0.0
