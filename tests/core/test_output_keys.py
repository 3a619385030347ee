"""Module outputs are measured per call and per tensor, under keys a panel can list."""

from __future__ import annotations

import torch

from graphviewer.core.capture import capture_model
from graphviewer.core.output_keys import module_output_index, module_output_key, module_outputs


class _Shared(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc = torch.nn.Linear(4, 4)
        self.act = torch.nn.ReLU()
        self.lstm = torch.nn.LSTM(4, 3, batch_first=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        a = self.act(self.fc(x))
        b = self.act(a - 10)  # the second call: all zeros
        out, (h, c) = self.lstm(b.unsqueeze(1))
        return out.sum() + h.sum() + c.sum()


def test_module_output_key_round_trips() -> None:
    assert module_output_key("a.b", 2, 1) == "module:a.b@2#1"
    assert module_output_index("module:a.b@2#1") == ("a.b", 2, 1)
    assert module_output_index("module:a.b") == ("a.b", 1, 0)
    assert module_output_index("module:") == ("", 1, 0)
    assert module_output_index("node:n1") is None


def test_each_call_and_output_of_a_module_has_statistics() -> None:
    snap = capture_model(_Shared(), torch.randn(8, 4), mode="eval")
    calls = module_outputs(snap.stats, "act")
    assert [(r.call, r.output) for r in calls] == [(1, 0), (2, 0)]
    first, second = (snap.stats[r.key] for r in calls)
    assert snap.stats["module:act"] is first
    assert second.zeros_fraction == 1.0 and first.zeros_fraction < 1.0
    lstm = module_outputs(snap.stats, "lstm")
    assert [r.output for r in lstm] == [0, 1, 2]
    assert [snap.stats[r.key].shape for r in lstm] == [(8, 1, 3), (1, 8, 3), (1, 8, 3)]
    assert module_outputs(snap.stats, "nothing") == []


def test_inspect_json_carries_per_unit_figures() -> None:
    import json

    from graphviewer.core.serialize import snapshot_to_json

    snap = capture_model(_Shared(), torch.randn(8, 4), mode="eval")
    doc = json.loads(json.dumps(snapshot_to_json(snap), allow_nan=False))
    unit = doc["stats"]["module:act@2#0"]["per_unit"]
    assert unit == {"samples": 8, "active": [0.0] * 4, "mean": [0.0] * 4, "std": [0.0] * 4}
    assert len(doc["stats"]["module:fc"]["per_unit"]["mean"]) == 4


def test_inspect_json_leaves_per_unit_out_without_histograms() -> None:
    from graphviewer.core.serialize import snapshot_to_json

    snap = capture_model(_Shared(), torch.randn(8, 4), mode="eval")
    doc = snapshot_to_json(snap, histograms=False)
    assert all("per_unit" not in st and "histogram" not in st for st in doc["stats"].values())
