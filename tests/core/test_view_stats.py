"""A view holding exactly the values of a measured output shares its statistics; a new tensor
that happens to reuse a freed output's memory does not."""

from __future__ import annotations

import pytest
import torch
from torch import nn

import graphviewer
from graphviewer.core.types import GraphSnapshot


class SplitHeads(nn.Module):
    """Attention's head split: q, k, v pieces of one projection, viewed and transposed."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        qkv = x * 3.0
        q, k, v = qkv.split(8, dim=2)
        heads = q.view(2, 5, 2, 4).transpose(1, 2)
        return heads.sum() + k.sum() + v.mean()


class Reuse(nn.Module):
    """Frees one output before making another of the same size (the allocator may reuse it)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        a = x * 2.0
        total = a.sum()
        del a
        b = x + 100.0
        return total + b.sum()


def _stats_of(snap: GraphSnapshot, op: str) -> list[object]:
    return [
        snap.stats[f"node:{n}"]
        for n, d in snap.graph.nodes(data=True)
        if d["node"].op == op and f"node:{n}" in snap.stats
    ]


def test_views_of_a_split_piece_share_its_stats() -> None:
    x = torch.randn(2, 5, 24, requires_grad=True)
    snap = graphviewer.capture(SplitHeads(), x)
    (piece, *_) = _stats_of(snap, "split")
    (view,) = _stats_of(snap, "view")
    (transposed,) = _stats_of(snap, "transpose")
    q = (x.detach() * 3.0)[..., :8]
    for st in (piece, view, transposed):
        assert st.mean == pytest.approx(float(q.mean()), rel=1e-5)
        assert st.count == q.numel()
    assert transposed.shape == (2, 2, 5, 4) and transposed.units == 0


def test_reused_memory_is_measured_again() -> None:
    x = torch.randn(64, 256, requires_grad=True)
    snap = graphviewer.capture(Reuse(), x)
    (added,) = [st for st in _stats_of(snap, "add") if st.shape == (64, 256)]
    assert added.mean == pytest.approx(float(x.detach().mean()) + 100.0, rel=1e-4)


class Projection(nn.Module):
    """GPT-2's Conv1D: an addmm over the flattened tokens, viewed back to (batch, seq, out)."""

    def __init__(self) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.randn(16, 24))
        self.bias = nn.Parameter(torch.randn(24))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        flat = torch.addmm(self.bias, x.view(-1, 16), self.weight)
        return torch.relu(flat).view(*x.shape[:-1], 24)


class SecondPiece(nn.Module):
    """Returns the second piece of a split: one autograd node for pieces of other values."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (x * 2.0).split(4, dim=1)[1]


class Both(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.proj = Projection()
        self.piece = SecondPiece()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.proj(x).sum() + self.piece(x.flatten(0, 1)).sum()


def test_a_module_output_shares_a_measurement_only_of_its_own_values() -> None:
    from graphviewer.core.stats import tensor_stats

    torch.manual_seed(0)
    model = Both()
    # batch 1: the view keeps the sizes, so the figures carry over; the input requires grad, so
    # that the split's pieces all have the split's one autograd node
    x = torch.randn(1, 40, 16, requires_grad=True)
    snap = graphviewer.capture(model, x)
    with torch.no_grad():
        projected = model.proj(x)
        piece = model.piece(x.flatten(0, 1))
    assert piece.mean() != (x.flatten(0, 1) * 2.0)[:, :4].mean()  # not the first piece
    for path, value in (("proj", projected), ("piece", piece)):
        got, want = snap.stats[f"module:{path}"], tensor_stats(value)
        assert got.shape == want.shape and got.units == want.units
        assert (got.mean, got.std, got.min, got.max) == (want.mean, want.std, want.min, want.max)
        assert got.dead_units == want.dead_units and got.hist_counts.tolist() == (
            want.hist_counts.tolist()
        )
        assert got.unit_mean is not None and want.unit_mean is not None
        assert got.unit_mean.tolist() == want.unit_mean.tolist()
