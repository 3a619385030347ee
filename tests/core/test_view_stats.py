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
