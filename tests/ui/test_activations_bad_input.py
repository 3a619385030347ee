"""Outputs the Activations panel cannot draw each get a sentence, never an exception."""

from __future__ import annotations

import math

import pytest
import torch
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from graphviewer.core.capture import capture_model
from graphviewer.ui.activation_targets import module_target
from graphviewer.ui.panels.activations import ActivationsPanel


class _Fn(torch.nn.Module):
    def __init__(self, fn: object) -> None:
        super().__init__()
        self.fn = fn

    def forward(self, x: torch.Tensor) -> object:
        return self.fn(x)  # type: ignore[operator]


class _Odd(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.empty = _Fn(lambda x: x[:0])
        self.ints = _Fn(lambda x: (x > 0).long())
        self.bools = _Fn(lambda x: x > 0)
        self.complex = _Fn(lambda x: torch.complex(x, x))
        self.one = _Fn(lambda x: x.sum())
        self.nans = _Fn(lambda x: x * math.nan)
        self.nothing = _Fn(lambda x: {"n": 3})
        self.unused = torch.nn.Linear(2, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for name in ("empty", "ints", "bools", "complex", "nans", "nothing"):
            getattr(self, name)(x)
        return self.one(x)


@pytest.mark.parametrize(
    ("module", "says"),
    [
        ("empty", "the output is empty (shape 0×3): no values to show"),
        ("ints", "not a floating-point tensor"),
        ("bools", "not a floating-point tensor"),
        ("complex", "not a floating-point tensor"),
        ("one", "one value: "),
        ("nans", "all 12 values are NaN or Inf: no histogram"),
        ("nothing", "the module returned no tensor: nothing to measure"),
        ("unused", "did not run in this pass"),
    ],
)
def test_activations_panel_says_why_it_draws_nothing(qtbot: QtBot, module: str, says: str) -> None:
    snap = capture_model(_Odd(), torch.randn(4, 3, requires_grad=True), mode="eval")
    panel = ActivationsPanel()
    qtbot.addWidget(panel)
    panel.show()
    panel.show_target(module_target(snap, module))
    assert says in panel.note.text()
    if module == "one":
        assert panel.histogram.series and panel.cell("values") == "1"
    else:
        assert not panel.histogram.series
    qtbot.mouseClick(panel.pin_button, Qt.MouseButton.LeftButton)  # nothing to pin: no error
    qtbot.mouseClick(panel.log_box, Qt.MouseButton.LeftButton)
