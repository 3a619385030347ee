"""Module outputs kept per mode and compared as the next mode makes them."""

from __future__ import annotations

import math

import pytest
import torch

from graphviewer.core.mode_outputs import ModeOutputs, OutputComparer


def test_mode_outputs_copy_a_tensor_once_however_many_modules_return_it() -> None:
    kept = ModeOutputs(budget=1 << 20)
    t = torch.randn(4, 8)
    (child,) = kept.keep("block.fc", [t])
    (parent,) = kept.keep("block", [t])  # the block returns its last layer's output
    assert parent is child and kept.nbytes == 4 * 8 * 4
    t.add_(1)  # changed in place after: a new copy, with the new values
    (again,) = kept.keep("next", [t])
    assert again is not child and torch.equal(again, t)


def test_mode_outputs_a_new_tensor_is_never_taken_for_a_freed_one() -> None:
    kept = ModeOutputs(budget=1 << 20)
    ids = set()
    copies = []
    for k in range(50):  # freed tensors' ids are reused by new ones
        t = torch.full((3,), float(k))
        ids.add(id(t))
        copies += kept.keep(f"m{k}", [t])
        del t
    assert len(ids) < 50  # ids were reused
    assert [float(c[0]) for c in copies] == [float(k) for k in range(50)]


def test_mode_outputs_beyond_the_budget_skip_the_module() -> None:
    kept = ModeOutputs(budget=100)
    assert kept.keep("big", [torch.zeros(100)]) is None
    assert "big" in kept.skipped and "big" not in kept.by_module


def test_output_comparer_sums_over_calls_and_knows_both_sides() -> None:
    train, eval_ = ModeOutputs(1 << 20), ModeOutputs(1 << 20)
    a1, a2 = torch.tensor([1.0, 2.0]), torch.tensor([3.0, 4.0])
    b1, b2 = torch.tensor([1.0, 2.5]), torch.tensor([3.0, 4.0])
    for a in (a1, a2):
        train.keep("relu", [a])
    comparer = OutputComparer("eval", "train", train, eval_)
    for b in (b1, b2):
        comparer.compare("relu", eval_.keep("relu", [b]), check_close=True)
    d = comparer.deltas["relu"]
    assert d.max_abs == 0.5 and d.diff2 == pytest.approx(0.25)
    assert d.norm2 == pytest.approx({"eval": 1 + 6.25 + 9 + 16, "train": 1 + 4 + 9 + 16})
    assert d.relative("train") == pytest.approx(math.sqrt(0.25 / 30)) and not d.allclose


def test_output_comparer_notes_shapes_that_do_not_pair() -> None:
    train = ModeOutputs(1 << 20)
    train.keep("head", [torch.zeros(2, 3)])
    comparer = OutputComparer("eval", "train", train, ModeOutputs(1 << 20))
    comparer.compare("head", [torch.zeros(3, 2)], check_close=False)
    assert comparer.deltas["head"].note == "shape (3, 2) in eval, (2, 3) in train"
    assert math.isnan(comparer.deltas["head"].relative("train"))
