"""Opening model files: every sample and format, the tutorial-script search, every bad input."""

from __future__ import annotations

import io
import pickle
import sys
import threading
from pathlib import Path
from textwrap import dedent

import pytest
import torch
from torch import nn

from graphviewer.core.errors import (
    Cancelled,
    ModelLoadError,
    NeedsInputError,
    UntrustedFileError,
)
from graphviewer.core.jobs import CancelToken
from graphviewer.core.model_file import load_model_file, sniff_kind
from graphviewer.core.types import ModelSpec

SAMPLES = Path(__file__).resolve().parents[2] / "samples"


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(dedent(text).lstrip())
    return path


def run(spec: ModelSpec) -> torch.Tensor:
    assert spec.model is not None
    with torch.no_grad():
        return spec.model(*spec.args, **spec.kwargs)


@pytest.fixture(scope="session")
def variants(saved_formats: dict[str, Path]) -> dict[str, Path]:
    """The MLP sample in every format (conftest's `saved_formats`, written once a session)."""
    return saved_formats


# --- samples -------------------------------------------------------------------------------

SAMPLE_CASES = {
    "mlp": ("MLP", (16, 10)),
    "cnn": ("SmallCNN", (4, 10)),
    "transformer_block": ("TransformerBlock", (2, 16, 64)),
    "lstm": ("SequenceModel", (4, 3)),
    "lstm_unrolled": ("LongSequenceModel", (2, 1)),
    "control_flow": ("Shrinker", (1, 2)),
    "dead_relu": ("DeadReluNet", (32, 4)),
    "nan_inf": ("NanInfNet", (8, 2)),
}


@pytest.mark.parametrize("name", sorted(SAMPLE_CASES))
def test_load_model_file_sample_builds_and_runs(name: str) -> None:
    class_name, out_shape = SAMPLE_CASES[name]
    spec = load_model_file(SAMPLES / f"{name}.py")
    assert spec.kind == "python"
    assert spec.name == name
    assert type(spec.model).__name__ == class_name
    assert spec.source_files[0] == (SAMPLES / f"{name}.py").resolve()
    assert tuple(run(spec).shape) == out_shape


def test_load_model_file_sample_mlp_module_names_and_loss() -> None:
    spec = load_model_file(SAMPLES / "mlp.py")
    assert spec.model is not None
    names = [n for n, _ in spec.model.named_children()]
    assert names == ["layer1", "bn1", "act1", "drop1", "layer2"]
    assert spec.loss_fn is not None
    loss = spec.loss_fn(spec.model(*spec.args))
    assert loss.dim() == 0 and loss.grad_fn is not None


def test_load_model_file_samples_are_deterministic() -> None:
    a = load_model_file(SAMPLES / "cnn.py")
    b = load_model_file(SAMPLES / "cnn.py")
    assert torch.equal(a.args[0], b.args[0])
    assert torch.equal(run(a), run(b))


def test_load_model_file_lstm_unrolled_carries_mkldnn_hint() -> None:
    assert load_model_file(SAMPLES / "lstm_unrolled.py").hints == {
        "GRAPHVIEWER_DISABLE_MKLDNN": True
    }
    assert load_model_file(SAMPLES / "lstm.py").hints == {}


def test_load_model_file_dead_relu_and_nan_inf_samples_show_their_problem() -> None:
    spec = load_model_file(SAMPLES / "dead_relu.py")
    with torch.no_grad():
        hidden = spec.model.relu(spec.model.hidden(spec.args[0]))  # type: ignore[union-attr]
    assert int((hidden == 0).all(dim=0).sum()) == 48
    out = load_model_file(SAMPLES / "nan_inf.py")
    with torch.no_grad():
        mid_a = out.model.log_layer(out.model.fc(out.args[0]))  # type: ignore[union-attr]
        mid_b = out.model.ratio(out.args[0])  # type: ignore[union-attr]
    assert torch.isnan(mid_a).any() and torch.isinf(mid_b).any()


def test_load_model_file_forward_raises_sample_loads_but_forward_fails() -> None:
    spec = load_model_file(SAMPLES / "forward_raises.py")
    with pytest.raises(RuntimeError) as info:
        run(spec)
    frames = [f for f in info.traceback if Path(str(f.path)).name == "forward_raises.py"]
    line = frames[-1].lineno + 1
    source = (SAMPLES / "forward_raises.py").read_text().splitlines()[line - 1]
    assert "RAISES" in source


def test_load_model_file_tutorial_script_finds_model_and_input(
    capsys: pytest.CaptureFixture,
) -> None:
    spec = load_model_file(SAMPLES / "tutorial_script.py")
    assert spec.kind == "script"
    assert type(spec.model).__name__ == "Net"
    assert tuple(spec.args[0].shape) == (8, 10)
    assert tuple(run(spec).shape) == (8, 3)
    # Stopped at `out = model(x)`: the print after it does not run, and the notice says so.
    assert "first forward of Net (line 25)" in spec.notice
    assert "torch.Size" not in spec.log
    spec = load_model_file(SAMPLES / "tutorial_script.py", run_script=True)
    assert "torch.Size([8, 3])" in spec.log and not spec.notice
    assert "torch.Size" not in capsys.readouterr().out


def test_load_model_file_autograd_script_returns_output() -> None:
    spec = load_model_file(SAMPLES / "autograd_scalar.py")
    assert spec.kind == "autograd"
    assert spec.model is None
    assert type(spec.output.grad_fn).__name__ == "PowBackward0"
    assert spec.output.item() == pytest.approx(0.49)
    z = load_model_file(SAMPLES / "autograd_scalar.py", output_name="z")
    assert type(z.output.grad_fn).__name__ == "AddBackward0"


# --- tutorial scripts: choosing model, input, output ---------------------------------------

TWO_MODELS = """
    import torch
    from torch import nn
    a = nn.Linear(4, 2)
    b = nn.Linear(4, 5)
    x = torch.randn(3, 4)
"""


def test_load_model_file_several_models_need_model_name(tmp_path: Path) -> None:
    path = write(tmp_path, "two.py", TWO_MODELS)
    with pytest.raises(ModelLoadError) as info:
        load_model_file(path)
    assert "a, b" in str(info.value) and "--model NAME" in str(info.value)
    assert str(info.value).startswith(str(path))
    spec = load_model_file(path, model_name="b")
    assert spec.model.out_features == 5  # type: ignore[union-attr]
    with pytest.raises(ModelLoadError, match="no variable named 'c'"):
        load_model_file(path, model_name="c")


def test_load_model_file_ignores_submodules_losses_and_parameterless(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "nested.py",
        """
        import torch
        from torch import nn
        enc = nn.Linear(4, 4)
        act = nn.ReLU()
        model = nn.Sequential(enc, nn.Tanh(), nn.Linear(4, 2))
        criterion = nn.MSELoss()
        x = torch.randn(6, 4)
        """,
    )
    spec = load_model_file(path)
    assert isinstance(spec.model, nn.Sequential)


def test_load_model_file_input_search_skips_rejected_and_honours_input_name(
    tmp_path: Path,
) -> None:
    path = write(
        tmp_path,
        "inputs.py",
        """
        import torch
        from torch import nn
        net = nn.Linear(4, 2)
        target = torch.randint(0, 2, (7,))
        a = torch.randn(3, 4)
        b = torch.randn(5, 4)
        out = net(a)
        """,
    )
    assert tuple(load_model_file(path).args[0].shape) == (3, 4)
    assert tuple(load_model_file(path, input_name="b").args[0].shape) == (5, 4)
    with pytest.raises(ModelLoadError, match="does not accept 'target'"):
        load_model_file(path, input_name="target")


def test_load_model_file_output_name_shows_a_tensor_of_a_model_script(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "loss.py",
        """
        import torch
        from torch import nn
        net = nn.Linear(4, 2)
        x = torch.randn(3, 4)
        loss = net(x).pow(2).mean()
        """,
    )
    spec = load_model_file(path, output_name="loss")
    assert spec.kind == "autograd" and spec.model is None
    assert type(spec.output.grad_fn).__name__ == "MeanBackward0"
    with pytest.raises(ModelLoadError, match="'x' has no grad_fn"):
        load_model_file(path, output_name="x")


def test_load_model_file_trial_call_leaves_model_unchanged(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "stateful.py",
        """
        import torch
        from torch import nn

        class Counting(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(4, 4)
                self.bn = nn.BatchNorm1d(4)
                self.register_buffer("calls", torch.zeros(()))

            def forward(self, x):
                self.calls += 1
                return self.bn(self.fc(x))

        model = Counting()
        x = torch.randn(8, 4)
        """,
    )
    spec = load_model_file(path)
    model = spec.model
    assert model is not None
    assert model.training and model.bn.training
    assert float(model.calls) == 0.0
    assert int(model.bn.num_batches_tracked) == 0
    assert torch.equal(model.bn.running_mean, torch.zeros(4))


def test_load_model_file_model_without_input_needs_shape(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "noinput.py",
        """
        import torch
        from torch import nn

        class Net(nn.Module):  # wants (batch, 1, 20): the guess from fc, (16, 20), fails
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(20, 8)

            def forward(self, x):
                return self.fc(x.squeeze(1)) if x.ndim == 3 else torch.flatten(x, 1, 2)

        net = Net()
        """,
    )
    with pytest.raises(NeedsInputError) as info:
        load_model_file(path)
    assert "found model 'net'" in str(info.value)
    assert "tried a random input of shape (16, 20) from fc" in str(info.value)
    assert "--input-shape 16,20" in str(info.value)
    spec = load_model_file(path, input_shape=(16, 1, 20))
    assert tuple(run(spec).shape) == (16, 8)
    ints = load_model_file(path, input_shape=(2, 3), input_dtype="int64")
    assert ints.args[0].dtype == torch.int64
    with pytest.raises(ModelLoadError, match="unknown --input-dtype"):
        load_model_file(path, input_shape=(2, 3), input_dtype="floaty")


def test_load_model_file_script_without_model_or_graph_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "plain.py", "import torch\nx = torch.ones(3)\nprint(x)\n")
    with pytest.raises(ModelLoadError, match=r"defines no nn\.Module and no tensor with a grad_fn"):
        load_model_file(path, stdout=io.StringIO())


# --- other formats -------------------------------------------------------------------------


def test_sniff_kind_variants(variants: dict[str, Path]) -> None:
    assert sniff_kind(variants["full"]) == "zip-pickle"
    assert sniff_kind(variants["state_dict"]) == "zip-pickle"
    assert sniff_kind(variants["script"]) == "torchscript"
    assert sniff_kind(variants["export"]) == "export"
    assert sniff_kind(SAMPLES / "mlp.py") == "python"


def test_load_model_file_full_pickle_needs_trust(variants: dict[str, Path]) -> None:
    with pytest.raises(UntrustedFileError) as info:
        load_model_file(variants["full"])
    assert "full pickle" in str(info.value) and "--trust" in str(info.value)
    spec = load_model_file(variants["full"], trust=True)
    assert spec.kind == "pickle"
    assert type(spec.model).__name__ == "MLP"
    assert tuple(spec.args[0].shape) == (16, 20)  # from the sibling mlp_full.py
    assert tuple(run(spec).shape) == (16, 10)
    assert {p.name for p in spec.source_files} >= {"mlp.py", "mlp_full.py"}
    assert "mlp" not in sys.modules


def test_load_model_file_full_pickle_with_missing_class_module(
    variants: dict[str, Path], tmp_path: Path
) -> None:
    lonely = tmp_path / "lonely.pt"
    lonely.write_bytes(variants["full"].read_bytes())
    with pytest.raises(ModelLoadError, match="needs module 'mlp'"):
        load_model_file(lonely, trust=True, input_shape=(16, 20))


def test_load_model_file_state_dict_is_refused_with_tensor_count(
    variants: dict[str, Path],
) -> None:
    count = len(load_model_file(SAMPLES / "mlp.py").model.state_dict())  # type: ignore[union-attr]
    for trust in (False, True):
        with pytest.raises(ModelLoadError) as info:
            load_model_file(variants["state_dict"], trust=trust)
        assert not isinstance(info.value, UntrustedFileError)
        assert f"only weights ({count} tensors)" in str(info.value)


def test_load_model_file_legacy_pickles(tmp_path: Path) -> None:
    model = nn.Sequential(nn.Linear(3, 2))
    weights, full = tmp_path / "w.pt", tmp_path / "m.pt"
    torch.save(model.state_dict(), weights, _use_new_zipfile_serialization=False)
    torch.save(model, full, _use_new_zipfile_serialization=False)
    assert sniff_kind(full) == "legacy-pickle"
    with pytest.raises(ModelLoadError, match=r"only weights \(2 tensors\)"):
        load_model_file(weights)
    with pytest.raises(UntrustedFileError):
        load_model_file(full)
    spec = load_model_file(full, trust=True, input_shape=(4, 3))
    assert tuple(run(spec).shape) == (4, 2)


def test_load_model_file_other_torch_save_contents(tmp_path: Path) -> None:
    model = nn.Sequential(nn.Linear(3, 2))
    torch.save(torch.randn(4, 5), tmp_path / "tensor.pt")
    torch.save({"model_state_dict": model.state_dict(), "epoch": 3}, tmp_path / "ckpt.pt")
    torch.save({"model": model, "epoch": 3}, tmp_path / "with_model.pt")
    with (tmp_path / "plain.pkl").open("wb") as f:
        pickle.dump({"a": 1}, f)
    with pytest.raises(ModelLoadError, match=r"single tensor \(shape 4,5\)"):
        load_model_file(tmp_path / "tensor.pt")
    with pytest.raises(ModelLoadError, match=r"only weights \(2 tensors\)"):
        load_model_file(tmp_path / "ckpt.pt")
    with pytest.raises(ModelLoadError, match=r"plain Python pickle \(pickle.dump\)"):
        load_model_file(tmp_path / "plain.pkl", trust=True)
    spec = load_model_file(tmp_path / "with_model.pt", trust=True, input_shape=(1, 3))
    assert isinstance(spec.model, nn.Sequential)


def test_load_model_file_pickle_of_a_main_script_class(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As if `python train.py` had defined MainNet and saved it: the pickle names `__main__`.
    main_net = type("MainNet", (nn.Sequential,), {"__module__": "__main__"})
    monkeypatch.setattr(sys.modules["__main__"], "MainNet", main_net, raising=False)
    torch.save(main_net(nn.Linear(3, 2)), tmp_path / "main_net.pt")
    monkeypatch.delattr(sys.modules["__main__"], "MainNet")
    with pytest.raises(ModelLoadError, match=r"needs class 'MainNet' from a script that was run"):
        load_model_file(tmp_path / "main_net.pt", trust=True, input_shape=(1, 3))


def test_load_model_file_hints_at_a_class_never_instantiated(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "main_only.py",
        """
        from torch import nn

        class Net(nn.Module):
            pass

        class Other(nn.Module):
            pass

        if __name__ == "__main__":
            net = Net()
        """,
    )
    with pytest.raises(ModelLoadError, match="class Net, Other is defined but never instantiated"):
        load_model_file(path)


def test_load_model_file_torchscript(variants: dict[str, Path]) -> None:
    with pytest.raises(NeedsInputError, match="--input-shape 16,20"):
        load_model_file(variants["script"])
    spec = load_model_file(variants["script"], input_shape=(16, 20))
    assert spec.kind == "torchscript"
    assert isinstance(spec.model, torch.jit.ScriptModule)
    assert tuple(run(spec).shape) == (16, 10)


def test_load_model_file_export_program(variants: dict[str, Path]) -> None:
    spec = load_model_file(variants["export"])
    assert spec.kind == "export"
    assert tuple(spec.args[0].shape) == (16, 20)
    assert tuple(run(spec).shape) == (16, 10)


# --- bad input -----------------------------------------------------------------------------


def _png(tmp_path: Path) -> Path:
    path = tmp_path / "picture.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    return path


BAD_FILES = {
    "missing": (lambda d: d / "nope.py", "no such file"),
    "directory": (lambda d: d, "is a directory"),
    "empty": (lambda d: write(d, "empty.pt", ""), "empty"),
    "text": (lambda d: write(d, "notes.txt", "just some notes\n"), "text file"),
    "png": (_png, "PNG image"),
    "syntax": (
        lambda d: write(d, "bad.py", "import torch\n\ndef build_model(:\n    pass\n"),
        "syntax error at bad.py:3",
    ),
    "import raises": (
        lambda d: write(d, "bad.py", "import torch\n\nx = 1\nraise ValueError('boom')\n"),
        "the script raised ValueError: boom (at bad.py:4",
    ),
    "build_model raises": (
        lambda d: write(
            d,
            "bad.py",
            """
            def helper():
                raise RuntimeError("no such layer")

            def build_model():
                return helper()

            def example_input():
                return 1
            """,
        ),
        "build_model() raised RuntimeError: no such layer (at bad.py:2",
    ),
    "example_input raises": (
        lambda d: write(
            d,
            "bad.py",
            """
            from torch import nn

            def build_model():
                return nn.Linear(2, 2)

            def example_input():
                return [1, 2][5]
            """,
        ),
        "example_input() raised IndexError: list index out of range (at bad.py:7",
    ),
    "build_model wrong type": (
        lambda d: write(d, "bad.py", "def build_model():\n    return 3\n"),
        "build_model() returned a int, not an nn.Module",
    ),
    "exit": (
        lambda d: write(d, "bad.py", "import sys\nprint('bye')\nsys.exit(3)\n"),
        "the script called exit(3) at bad.py:3",
    ),
    "input()": (lambda d: write(d, "bad.py", "name = input('name? ')\n"), "EOFError"),
    "nul bytes": (lambda d: write(d, "bad.py", "x = 1\x00\n"), "not a Python file"),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_load_model_file_bad_input_is_one_line_error(case: str, tmp_path: Path) -> None:
    make, expected = BAD_FILES[case]
    path = make(tmp_path)
    with pytest.raises(ModelLoadError) as info:
        load_model_file(path, stdout=io.StringIO())
    text = str(info.value)
    assert text.startswith(f"{path}: ")
    assert expected in text
    assert "\n" not in text


def test_load_model_file_truncated_zip(variants: dict[str, Path], tmp_path: Path) -> None:
    data = variants["full"].read_bytes()
    path = tmp_path / "cut.pt"
    path.write_bytes(data[: len(data) // 2])
    assert sniff_kind(path) == "corrupt-zip"
    with pytest.raises(ModelLoadError, match="truncated or damaged zip"):
        load_model_file(path, trust=True)


def test_load_model_file_foreign_zip_and_notebook(tmp_path: Path) -> None:
    import zipfile

    archive = tmp_path / "stuff.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("readme.txt", "hello")
    with pytest.raises(ModelLoadError, match="zip archive torch did not write"):
        load_model_file(archive)
    notebook = write(tmp_path, "nb.ipynb", '{"cells": []}')
    with pytest.raises(ModelLoadError, match="Jupyter notebook"):
        load_model_file(notebook)


def test_sniff_kind_finds_a_script_without_py_suffix(tmp_path: Path) -> None:
    path = write(tmp_path, "model.txt", "import torch\nx = torch.ones(2, requires_grad=True)\n")
    assert sniff_kind(path) == "python"
    assert sniff_kind(write(tmp_path, "other.txt", "import torch\n(((\n")) == "text"


# --- purity, output, threads, cancel -------------------------------------------------------

NOISY = """
    import sys
    import torch
    import helper_mod_for_test
    from torch import nn
    print("hello from the script")
    sys.path.append("/nowhere")
    sys.argv.append("--extra")
    torch.set_grad_enabled(False)

    def build_model():
        print("building")
        return nn.Linear(2, 2)

    def example_input():
        return {"input": torch.ones(1, 2)}

    if __name__ == "__main__":
        raise SystemExit("must not run")
"""


def test_load_model_file_is_pure_and_keeps_stdout_clean(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    write(tmp_path, "helper_mod_for_test.py", "VALUE = 1\n")
    path = write(tmp_path, "noisy.py", NOISY)
    load_model_file(path)  # warm up: torch may import submodules lazily once
    capsys.readouterr()
    path_before, argv_before = list(sys.path), list(sys.argv)
    modules_before = set(sys.modules)

    spec = load_model_file(path)

    captured = capsys.readouterr()
    assert captured.out == ""
    assert "hello from the script" in captured.err and "building" in captured.err
    assert "hello from the script" in spec.log and "building" in spec.log
    assert sys.path == path_before and sys.argv == argv_before
    assert set(sys.modules) == modules_before
    assert "helper_mod_for_test" not in sys.modules
    assert torch.is_grad_enabled()
    assert spec.kwargs.keys() == {"input"} and spec.args == ()
    assert (tmp_path / "helper_mod_for_test.py").resolve() in spec.source_files


def test_load_model_file_stdout_argument_receives_script_output(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    write(tmp_path, "helper_mod_for_test.py", "VALUE = 1\n")
    path = write(tmp_path, "noisy.py", NOISY)
    sink = io.StringIO()
    load_model_file(path, stdout=sink)
    assert "hello from the script" in sink.getvalue()
    captured = capsys.readouterr()
    assert "hello from the script" not in captured.out + captured.err


def test_load_model_file_exit_is_reported_not_fatal(tmp_path: Path) -> None:
    path = write(tmp_path, "quits.py", "import sys\nsys.exit(3)\n")
    with pytest.raises(ModelLoadError, match=r"called exit\(3\)"):
        load_model_file(path)
    assert tuple(run(load_model_file(SAMPLES / "mlp.py")).shape) == (16, 10)  # still alive


def test_load_model_file_in_worker_thread() -> None:
    results: list[object] = []

    def work() -> None:
        try:
            results.append(load_model_file(SAMPLES / "tutorial_script.py", stdout=io.StringIO()))
        except Exception as exc:  # reported to the main thread below
            results.append(exc)

    thread = threading.Thread(target=work)
    thread.start()
    thread.join(timeout=60)
    assert not thread.is_alive()
    assert isinstance(results[0], ModelSpec) and results[0].kind == "script"


def test_load_model_file_cancelled_before_running_user_code(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    path = write(tmp_path, "side.py", f"open({str(marker)!r}, 'w').close()\n")
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        load_model_file(path, cancel=token)
    assert not marker.exists()
