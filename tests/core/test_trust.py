"""The trust gate: no file runs code (pickles, `.pt2` payloads, sibling `.py`) unless trusted.

Every hostile file creates a marker when its payload runs; each test first proves that plain
torch runs it, then that graphviewer does not without trust and does with it.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
import torch

from graphviewer.cli import main
from graphviewer.core.errors import NeedsInputError, UntrustedFileError
from graphviewer.core.loading.archives import torch_logs_captured
from graphviewer.core.loading.pt2_check import untrusted_reason
from graphviewer.core.model_file import load_model_file
from tests.core import hostile_files as hostile

ROOT = Path(__file__).resolve().parents[2]

TROJANS: dict[str, tuple[Callable[[Path, Path, Path], Path], str]] = {
    "pickled weight": (hostile.pt2_pickled_weight, "weights layer1.weight holds pickled"),
    "pickled sample inputs": (hostile.pt2_pickled_sample_inputs, "sample inputs holds pickled"),
    "guard code": (hostile.pt2_guard_code, "guard code, which runs as Python"),
    "size expression": (hostile.pt2_size_expression, "size expression that is Python code"),
}


def _runs_under_plain_torch(path: Path) -> None:
    with torch_logs_captured():  # torch logs a record that does not format ("Logging error")
        program = torch.export.load(str(path))
        program.module()(torch.randn(16, 20))


@pytest.mark.parametrize("case", sorted(TROJANS))
def test_pt2_trojan_runs_only_when_trusted(
    case: str, saved_formats: dict[str, Path], tmp_path: Path
) -> None:
    build, reason = TROJANS[case]
    marker = tmp_path / "ran.marker"
    bad = build(saved_formats["export"], tmp_path / "trojan.pt2", marker)
    _runs_under_plain_torch(bad)
    assert marker.exists(), f"{case}: the payload does not run under plain torch"
    marker.unlink()

    with pytest.raises(UntrustedFileError) as info:
        load_model_file(bad)
    message = str(info.value)
    assert not marker.exists(), f"{case}: the payload ran without --trust"
    assert message.startswith(str(bad)) and reason in message and "--trust" in message

    spec = load_model_file(bad, trust=True)
    assert spec.model is not None
    with torch.no_grad():
        assert tuple(spec.model(*spec.args, **spec.kwargs).shape) == (16, 10)
    assert marker.exists(), f"{case}: trusted, the file should load as torch loads it"


@pytest.mark.parametrize(
    ("build", "reason"),
    [
        (hostile.pt2_foreign_target, "calls 'torch.os.system', which is not a torch operator"),
        (hostile.pt2_aoti_member, "compiled native code (AOTInductor)"),
    ],
)
def test_pt2_with_native_code_or_foreign_call_needs_trust(
    build: Callable[[Path, Path], Path], reason: str, saved_formats: dict[str, Path], tmp_path: Path
) -> None:
    bad = build(saved_formats["export"], tmp_path / "odd.pt2")
    with pytest.raises(UntrustedFileError, match=re.escape(reason)):
        load_model_file(bad)


def test_pt2_with_a_member_twice_needs_trust(
    saved_formats: dict[str, Path], tmp_path: Path
) -> None:
    """Two readers of one zip may pick different copies of a name: refuse to guess."""
    marker = tmp_path / "ran.marker"
    bad = hostile.pt2_duplicate_member(saved_formats["export"], tmp_path / "dup.pt2", marker)
    with pytest.raises(UntrustedFileError, match=r"two members named data/sample_inputs/model\.pt"):
        load_model_file(bad)
    assert not marker.exists()


def test_pt2_saved_the_ordinary_way_needs_no_trust(
    saved_formats: dict[str, Path], tmp_path: Path
) -> None:
    """Static and dynamic-shape programs from torch.export.save hold no code to run."""
    assert untrusted_reason(saved_formats["export"]) == ""
    model = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.ReLU())
    batch = torch.export.Dim("batch", min=2, max=64)
    program = torch.export.export(model, (torch.randn(8, 4),), dynamic_shapes=({0: batch},))
    torch.export.save(program, str(tmp_path / "dynamic.pt2"))
    assert untrusted_reason(tmp_path / "dynamic.pt2") == ""
    spec = load_model_file(tmp_path / "dynamic.pt2")
    assert tuple(spec.args[0].shape) == (8, 4)


def test_pt2_trojan_from_the_cli(
    saved_formats: dict[str, Path], tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    """Refused in one line; trusted, it loads with no "--- Logging error ---" from torch's
    fallback unpickling (its loggers write to the process's stderr: `capfd` sees them)."""
    marker = tmp_path / "ran.marker"
    bad = hostile.pt2_pickled_sample_inputs(saved_formats["export"], tmp_path / "t.pt2", marker)
    assert main(["inspect", str(bad), "--json"]) == 2
    out, err = capfd.readouterr()
    assert out == "" and not marker.exists()
    assert err.count("\n") == 1 and str(bad) in err and "--trust" in err
    assert main(["inspect", str(bad), "--trust"]) == 0
    out, err = capfd.readouterr()
    assert marker.exists() and "autograd graph" in out
    assert "Logging error" not in err and "Traceback" not in err, err


SIBLING = """
from pathlib import Path
import torch

def example_input():
    Path(__file__).with_suffix(".marker").touch()
    return torch.randn(16, 20)
"""


@pytest.mark.parametrize("kind", ["script", "full"])
def test_sibling_py_runs_only_when_trusted(
    kind: str, saved_formats: dict[str, Path], tmp_path: Path
) -> None:
    archive = tmp_path / saved_formats[kind].name
    shutil.copyfile(saved_formats[kind], archive)
    shutil.copyfile(saved_formats["module"], tmp_path / "mlp.py")  # the pickle's class
    sibling = archive.with_suffix(".py")
    sibling.write_text(SIBLING)
    marker = sibling.with_suffix(".marker")
    with pytest.raises(UntrustedFileError) as info:
        load_model_file(archive)
    assert not marker.exists(), "the sibling .py ran without --trust"
    assert "--trust" in str(info.value)
    if kind == "script":  # TorchScript itself needs no trust: only its sibling does
        assert f"comes from {sibling.name}" in str(info.value)
        assert "--input-shape 16,20" in str(info.value)
        spec = load_model_file(archive, input_shape=(16, 20))
        assert tuple(spec.args[0].shape) == (16, 20) and not marker.exists()
    spec = load_model_file(archive, trust=True)
    assert marker.exists() and tuple(spec.args[0].shape) == (16, 20)


def test_torchscript_without_sibling_still_asks_only_for_a_shape(
    saved_formats: dict[str, Path],
) -> None:
    with pytest.raises(NeedsInputError) as info:
        load_model_file(saved_formats["script"])
    assert not isinstance(info.value, UntrustedFileError)


def test_every_code_running_line_is_marked_trusted() -> None:
    """The lines the before-stop hook looks for are each reached only after trust."""
    pattern = r"weights_only\s*=\s*False|torch\.export\.load\(|runpy\.|(^|[^.[:alnum:]_])exec\("
    found = subprocess.run(
        ["grep", "-rnE", pattern, str(ROOT / "graphviewer")], capture_output=True, text=True
    ).stdout.splitlines()
    unmarked = [line for line in found if not re.search(r"#.*trusted", line)]
    assert not unmarked, f"code-running lines without a 'trusted' note: {unmarked}"
