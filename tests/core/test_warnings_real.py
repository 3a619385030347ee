"""Warnings on models written the way people write them: no false alarm for a causal mask or a
batch of one, a warning where NaN appears or Inf escapes, and a report that says what it
checked."""

from __future__ import annotations

import json
import math
import runpy
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from torch import nn

import graphviewer
from graphviewer.cli import main
from graphviewer.core.types import GraphSnapshot, Mode
from graphviewer.core.warnings import DEAD_SHARE, MIN_SAMPLES

SAMPLES = Path(__file__).resolve().parents[2] / "samples"


class CausalSelfAttention(nn.Module):
    """minGPT's attention: scores masked with -inf above the diagonal, then softmax."""

    def __init__(self, d: int = 16, t: int = 8, *, mask_all_of_row: int | None = None) -> None:
        super().__init__()
        self.qkv = nn.Linear(d, 3 * d)
        self.proj = nn.Linear(d, d)
        mask = torch.tril(torch.ones(t, t))
        if mask_all_of_row is not None:
            mask[mask_all_of_row] = 0  # a row with nothing to attend to: softmax of all -inf
        self.register_buffer("bias", mask.view(1, t, t))

    def scores(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        _, t, c = x.shape
        q, k, v = self.qkv(x).split(c, dim=2)
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(c))
        return att.masked_fill(self.bias[:, :t, :t] == 0, float("-inf")), v

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        att, v = self.scores(x)
        return self.proj(F.softmax(att, dim=-1) @ v)


class AdditiveMaskAttention(nn.Module):
    """The other common form: a constant `triu(full(-inf))` mask added to the scores."""

    def __init__(self, d: int = 16, t: int = 8) -> None:
        super().__init__()
        self.q = nn.Linear(d, d)
        self.register_buffer("mask", torch.triu(torch.full((t, t), float("-inf")), diagonal=1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        q = self.q(x)
        return torch.softmax(q @ q.transpose(-2, -1) + self.mask, dim=-1) @ x


class Gpt(nn.Module):
    def __init__(self, attn: nn.Module) -> None:
        super().__init__()
        self.emb = nn.Linear(16, 16)
        self.attn = attn
        self.ln = nn.LayerNorm(16)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.emb(x)
        return self.ln(x + self.attn(x))


class ScoresOut(nn.Module):
    """Returns the masked scores themselves: the -inf is the model's output."""

    def __init__(self) -> None:
        super().__init__()
        self.attn = CausalSelfAttention()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.attn.scores(x)[0]


class ScoresLeak(nn.Module):
    """A block whose output still holds the mask's -inf, summed over by its parent."""

    def __init__(self) -> None:
        super().__init__()
        self.block = ScoresOut()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.tanh(self.block(x).sum(-1))


class LeNet(nn.Module):
    """The PyTorch "Neural Networks" tutorial's LeNet (F.relu after each layer)."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.max_pool2d(F.relu(self.conv1(x)), (2, 2))
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)


def _capture(model: nn.Module, x: torch.Tensor, mode: Mode = "train") -> GraphSnapshot:
    torch.manual_seed(0)
    return graphviewer.capture(model, x, mode=mode)


def _kinds(snap: GraphSnapshot) -> list[str]:
    return [w.kind for w in snap.warnings]


@pytest.mark.parametrize("mode", ["train", "eval", "no_grad"])
@pytest.mark.parametrize("attn", [CausalSelfAttention, AdditiveMaskAttention])
def test_warnings_causal_mask_is_no_inf_warning(attn: type[nn.Module], mode: Mode) -> None:
    torch.manual_seed(0)
    snap = _capture(Gpt(attn()), torch.randn(2, 8, 16), mode)
    if mode != "no_grad":  # the mask's -inf is in the graph, and was seen
        assert any(st.inf_count for st in snap.stats.values())
    assert snap.warnings == (), f"{attn.__name__} in {mode}: {snap.warnings}"


def test_warnings_torch_transformer_square_mask_is_no_inf_warning() -> None:
    torch.manual_seed(0)
    layer = nn.TransformerEncoderLayer(16, 2, dim_feedforward=32, dropout=0.0, batch_first=True)
    mask = nn.Transformer.generate_square_subsequent_mask(8)

    class Lm(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.enc = nn.TransformerEncoder(layer, 1, enable_nested_tensor=False)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.enc(x, mask=mask, is_causal=True)

    snap = _capture(Lm(), torch.randn(4, 8, 16))
    assert "inf" not in _kinds(snap) and "nan" not in _kinds(snap), snap.warnings


def test_warnings_nan_from_a_fully_masked_row_is_named_with_its_inf() -> None:
    torch.manual_seed(0)
    snap = _capture(Gpt(CausalSelfAttention(mask_all_of_row=3)), torch.randn(2, 8, 16))
    nan = [w for w in snap.warnings if w.kind == "nan"]
    assert len(nan) == 1, snap.warnings
    assert nan[0].where.startswith("attn/softmax"), nan[0]
    assert "made from Inf that first appears at attn/masked_fill" in nan[0].message


def test_warnings_inf_that_reaches_the_output_warns_at_its_origin() -> None:
    torch.manual_seed(0)
    snap = _capture(ScoresOut(), torch.randn(2, 8, 16))
    assert _kinds(snap) == ["inf"], snap.warnings
    assert snap.warnings[0].where.startswith("(root)/masked_fill")  # `scores` is no forward
    assert "reaches the model output" in snap.warnings[0].message
    # Under no_grad only the module outputs are there to look at; it still warns.
    snap = _capture(ScoresOut(), torch.randn(2, 8, 16), "no_grad")
    assert _kinds(snap) == ["inf"], snap.warnings
    assert "the model output" in snap.warnings[0].message


def test_warnings_inf_that_leaves_its_module_warns() -> None:
    torch.manual_seed(0)
    snap = _capture(ScoresLeak(), torch.randn(2, 8, 16))
    assert _kinds(snap) == ["inf"], snap.warnings
    w = snap.warnings[0]
    assert w.where.startswith("block/masked_fill")
    assert "leaves module block" in w.message and "(root)/sum" in w.message


def test_warnings_batch_of_one_judges_no_unit_dead_and_says_why() -> None:
    torch.manual_seed(0)
    model = LeNet()
    for seed in range(3):  # the tutorial's random input: a different "dead" figure each time
        x = torch.randn(1, 1, 32, 32, generator=torch.Generator().manual_seed(seed))
        snap = _capture(model, x)
        fc = [k for k, st in snap.stats.items() if st.shape == (1, 120) and st.dead_units]
        assert fc, "fixture: fc1's ReLU has zero units on one sample"
        assert "dead_units" not in _kinds(snap), snap.warnings
        line = next(c for c in snap.checked if "dead units" in c)
        assert "batch of 1: too few samples to call units dead" in line
        assert f"{MIN_SAMPLES} needed" in line
        # the pixels of one image are no samples: conv channels are not judged either
        assert line.startswith("dead units not judged in 4 ReLU-like layers"), line


def test_warnings_truly_dead_layer_on_a_batch_of_64_still_warns() -> None:
    ns = runpy.run_path(str(SAMPLES / "dead_relu.py"))
    x = torch.randn(64, 16, generator=torch.Generator().manual_seed(1))
    snap = _capture(ns["build_model"](), x)
    dead = [w for w in snap.warnings if w.kind == "dead_units"]
    assert [w.where for w in dead] == ["relu"], snap.warnings
    assert "48 of 64 units are zero for every sample" in dead[0].message
    assert "dead units in 1 ReLU-like layers" in snap.checked
    # under no_grad there are no ops to look at: the ReLU module's output is judged
    snap = _capture(ns["build_model"](), x, "no_grad")
    assert [w.where for w in snap.warnings if w.kind == "dead_units"] == ["relu"], snap.warnings


@pytest.mark.parametrize(("killed", "warned"), [(4, False), (24, False), (25, True), (60, True)])
def test_warnings_a_few_dead_units_are_no_warning(killed: int, warned: bool) -> None:
    torch.manual_seed(0)
    lin = nn.Linear(20, 100)
    with torch.no_grad():
        lin.bias[:killed] = -100.0  # these can never fire; the others fire for about half
    snap = _capture(nn.Sequential(lin, nn.ReLU()), torch.randn(64, 20))
    assert snap.stats["module:1"].dead_units == killed
    assert ("dead_units" in _kinds(snap)) == warned, snap.warnings
    line = next(c for c in snap.checked if "dead units" in c)
    assert ("not warned" in line) == (not warned), line
    if not warned:
        assert f"under {DEAD_SHARE:.0%}" in line


def test_warnings_inf_made_without_grad_warns_at_its_module() -> None:
    ns = runpy.run_path(str(SAMPLES / "nan_inf.py"))  # `ratio` divides an input by zero
    modes: tuple[Mode, ...] = ("train", "no_grad")
    for mode in modes:
        snap = _capture(ns["build_model"](), ns["example_input"](), mode)
        assert [(w.kind, w.where.split("/")[0]) for w in snap.warnings] == [
            ("nan", "log_layer"),
            ("inf", "ratio"),
        ], f"{mode}: {snap.warnings}"


def test_warnings_report_says_only_what_was_checked(capsys: pytest.CaptureFixture[str]) -> None:
    path = SAMPLES / "transformer_block.py"  # no ReLU, no BatchNorm
    assert main(["inspect", str(path)]) == 0
    out = capsys.readouterr().out
    assert "no warnings" in out and "no dead ReLU units" not in out
    line = next(ln for ln in out.splitlines() if ln.startswith("checked: "))
    assert "no ReLU-like layers" in line and "no BatchNorm layers" in line
    assert "NaN/Inf in " in line and " op outputs" in line
    assert main(["inspect", str(path), "--json", "--no-histograms"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert "checked: " + "; ".join(doc["checked"]) == line  # report and JSON agree
    assert doc["warnings"] == []


def test_warnings_batchnorm_check_names_its_scope() -> None:
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(8, 8), nn.BatchNorm1d(8), nn.ReLU())
    x = torch.randn(32, 8)
    assert "mean 0 / std 1 of 1 BatchNorm layers" in _capture(model, x).checked
    assert "1 BatchNorm layers not checked in eval (running statistics)" in (
        _capture(model, x, "eval").checked
    )
