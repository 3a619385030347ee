"""`--device meta`: a model built without weights opens with modules, shapes and the whole graph."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
import torch

from graphviewer.cli import main
from graphviewer.core.capture import capture_graph
from graphviewer.core.errors import ModelLoadError
from graphviewer.core.fake import VALUES_UNAVAILABLE, is_fake
from graphviewer.core.jobs import run_job
from graphviewer.core.model_file import load_model_file

SAMPLES = Path(__file__).resolve().parents[2] / "samples"

_WIDE = """
import torch
from torch import nn
{hint}

def build_model():
    # 20000 x 20000 float32: 1.6 GB of weights that must never be allocated under meta
    return nn.Sequential(nn.Linear(64, 20000), nn.ReLU(), nn.Linear(20000, 20000))

def example_input():
    return torch.randn(4, 64)
"""


def _write(tmp_path: Path, text: str, name: str = "model.py") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


def test_meta_build_allocates_no_weights_and_keeps_the_graph(tmp_path: Path) -> None:
    path = _write(tmp_path, _WIDE.format(hint=""))
    spec = load_model_file(path, device="meta")
    assert spec.model is not None
    assert all(is_fake(p) for p in spec.model.parameters()), "a weight was built for real"
    assert all(is_fake(a) for a in spec.args)
    snap = run_job(capture_graph(spec, "train"))
    assert snap.stats == {}, "statistics were computed from fake tensors"
    assert [w.message for w in snap.warnings if w.kind == "values"] == [VALUES_UNAVAILABLE]
    assert snap.modules["2"].output_shapes == ((4, 20000),)
    assert {n.op for n in snap.nodes.values()} >= {"addmm", "relu"}
    params = sorted(n.param for n in snap.nodes.values() if n.kind == "param" and n.param)
    assert params == ["0.bias", "0.weight", "2.bias", "2.weight"]


def test_meta_graph_matches_the_real_one(tmp_path: Path) -> None:
    path = SAMPLES / "mlp.py"
    real = run_job(capture_graph(load_model_file(path), "train"))
    meta = run_job(capture_graph(load_model_file(path, device="meta"), "train"))
    assert meta.num_nodes == real.num_nodes and meta.num_edges == real.num_edges
    assert [n.op for n in meta.nodes.values()] == [n.op for n in real.nodes.values()]
    assert {k: m.output_shapes for k, m in meta.modules.items()} == {
        k: m.output_shapes for k, m in real.modules.items()
    }
    assert real.stats and not meta.stats


def test_the_file_hint_builds_on_meta_and_cpu_overrides_it(tmp_path: Path) -> None:
    path = _write(tmp_path, _WIDE.format(hint='GRAPHVIEWER_DEVICE = "meta"'))
    spec = load_model_file(path)
    assert spec.model is not None and is_fake(next(spec.model.parameters()))
    small = _write(
        tmp_path,
        """
        import torch
        from torch import nn
        GRAPHVIEWER_DEVICE = "meta"
        def build_model():
            return nn.Linear(3, 2)
        def example_input():
            return torch.randn(1, 3)
        """,
        "small.py",
    )
    spec = load_model_file(small, device="cpu")
    assert spec.model is not None and not is_fake(next(spec.model.parameters()))


def test_a_tutorial_script_runs_wholly_without_weights(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        """
        import torch
        from torch import nn
        model = nn.Sequential(nn.Linear(64, 20000), nn.Linear(20000, 20000))
        x = torch.randn(2, 64)
        model(x)
        """,
    )
    spec = load_model_file(path, device="meta")
    assert spec.model is not None and all(is_fake(p) for p in spec.model.parameters())


def test_meta_refuses_an_archive_with_a_clear_message(tmp_path: Path) -> None:
    path = tmp_path / "m.pt"
    torch.save(torch.nn.Linear(2, 2), path)
    with pytest.raises(ModelLoadError, match=r"m\.pt: --device meta opens \.py model files only"):
        load_model_file(path, device="meta")


def test_a_build_out_of_memory_suggests_meta(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        """
        import torch
        def build_model():
            return torch.nn.Linear(1 << 40, 1 << 20)  # 4 EB of weights
        def example_input():
            return torch.randn(1, 4)
        """,
    )
    with pytest.raises(ModelLoadError) as info:
        load_model_file(path)
    assert "--device meta" in str(info.value), str(info.value)
    assert "enforce fail" not in str(info.value) and "4,611,686,018,427,387,904 bytes" in str(
        info.value
    )


def test_an_unknown_device_hint_is_a_clear_error(tmp_path: Path) -> None:
    path = _write(tmp_path, _WIDE.format(hint='GRAPHVIEWER_DEVICE = "tpu"'))
    with pytest.raises(ModelLoadError, match=r"model\.py: GRAPHVIEWER_DEVICE = 'tpu': expected"):
        load_model_file(path)


def test_cli_inspect_says_values_are_not_available(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path, _WIDE.format(hint=""))
    assert main(["inspect", str(path), "--device", "meta"]) == 0
    out = capsys.readouterr().out
    assert VALUES_UNAVAILABLE in out and "(root): (4, 64) → (4, 20000)" in out
    assert main(["inspect", str(path), "--device", "meta", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["stats"] == {}
    assert {"kind": "values", "where": "(root)", "message": VALUES_UNAVAILABLE} in doc["warnings"]


@pytest.mark.slow
def test_llama_7b_sample_opens_without_weights() -> None:
    spec = load_model_file(SAMPLES / "llama_7b_meta.py")
    assert spec.model is not None
    params = sum(p.numel() for p in spec.model.parameters())
    assert 6.5e9 < params < 7e9 and all(is_fake(p) for p in spec.model.parameters())
    snap = run_job(capture_graph(spec, "eval"))
    blocks = [m for m in snap.modules.values() if m.class_name == "LlamaDecoderLayer"]
    assert len(blocks) == 32 and all(b.output_shapes for b in blocks)
    assert snap.stats == {}
    assert VALUES_UNAVAILABLE in [w.message for w in snap.warnings]
    assert snap.num_nodes > 2000


def test_the_python_api_captures_a_model_built_under_a_fake_mode() -> None:
    import graphviewer
    from graphviewer.core.fake import fake_mode

    with fake_mode():
        model = torch.nn.Sequential(torch.nn.Linear(64, 20000), torch.nn.ReLU())
        x = torch.randn(4, 64)
    snap = graphviewer.capture(model, x)
    assert snap.modules["0"].output_shapes == ((4, 20000),) and snap.stats == {}
    assert VALUES_UNAVAILABLE in [w.message for w in snap.warnings]
