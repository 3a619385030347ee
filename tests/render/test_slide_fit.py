"""`graphviewer export` with no depth picks the deepest folding readable on one 16:9 slide."""

from __future__ import annotations

import torch
from torch import nn

import graphviewer
from graphviewer.render.snapshot_export import SLIDE_MIN_SCALE, SLIDE_SIZE, layout_for_export


class Block(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(8, 8)
        self.act = nn.ReLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.act(self.fc(x)) + x


def _scale(layout) -> float:  # type: ignore[no-untyped-def]
    _, _, w, h = layout.bounds
    return min(SLIDE_SIZE[0] / w, SLIDE_SIZE[1] / h)


def test_tall_model_is_folded_to_fit_a_slide(qapp: object) -> None:
    model = nn.Sequential(*(nn.Sequential(*(Block() for _ in range(10))) for _ in range(3)))
    snap = graphviewer.capture(model, torch.randn(2, 8), stats=False)
    fitted = layout_for_export(snap)
    assert _scale(fitted) >= SLIDE_MIN_SCALE
    expanded = layout_for_export(snap, expand_all=True)
    assert _scale(expanded) < SLIDE_MIN_SCALE  # the test means something: unfolded is too tall
    assert len(fitted.items) < len(expanded.items)


def test_small_model_keeps_its_first_view(qapp: object) -> None:
    model = nn.Sequential(Block(), Block())
    snap = graphviewer.capture(model, torch.randn(2, 8), stats=False)
    assert layout_for_export(snap).items == layout_for_export(snap, depth=99).items


def test_slide_fit_is_the_deepest_folding_that_fits(qapp: object) -> None:
    model = nn.Sequential(*(nn.Sequential(*(Block() for _ in range(10))) for _ in range(3)))
    snap = graphviewer.capture(model, torch.randn(2, 8), stats=False)
    fitted = layout_for_export(snap)
    depths = [d for d in range(4) if layout_for_export(snap, depth=d).items == fitted.items]
    assert depths, "the slide view is one of the depth foldings"
    deeper = layout_for_export(snap, depth=max(depths) + 1)
    assert _scale(deeper) < SLIDE_MIN_SCALE  # one level more would not fit
