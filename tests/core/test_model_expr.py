"""`--model` as a variable, a class or a call, and a file that only defines its model class.

The pattern of pytorch/examples `super_resolution/model.py`: `class Net(nn.Module)` whose
`__init__` needs `upscale_factor`, and nothing else at module level.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from graphviewer.cli import main
from graphviewer.core.errors import ModelLoadError
from graphviewer.core.model_file import load_model_file

NEEDS_ARGS = """
import torch
from torch import nn

class Net(nn.Module):
    def __init__(self, upscale_factor, channels=1):
        super().__init__()
        self.conv = nn.Conv2d(channels, upscale_factor ** 2, 3, padding=1)
        self.shuffle = nn.PixelShuffle(upscale_factor)

    def forward(self, x):
        return self.shuffle(self.conv(x))
"""

NO_ARGS = """
import torch
from torch import nn

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(5, 2)

    def forward(self, x):
        return self.fc(x)
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(text))
    return path


def test_class_needing_arguments_names_them_and_the_call_form(tmp_path: Path) -> None:
    path = write(tmp_path, "model.py", NEEDS_ARGS)
    for model_name in (None, "Net"):
        with pytest.raises(ModelLoadError) as info:
            load_model_file(path, model_name=model_name)
        message = str(info.value)
        assert "class Net needs arguments to be built: upscale_factor" in message, message
        assert "--model 'Net(upscale_factor=...)'" in message
        assert "channels" not in message  # it has a default


def test_model_call_expression_is_built_in_the_file_namespace(tmp_path: Path) -> None:
    path = write(tmp_path, "model.py", NEEDS_ARGS)
    spec = load_model_file(path, model_name="Net(upscale_factor=3)", input_shape=(1, 1, 8, 8))
    assert type(spec.model).__name__ == "Net"
    assert spec.model.shuffle.upscale_factor == 3  # type: ignore[union-attr]
    assert tuple(spec.args[0].shape) == (1, 1, 8, 8)
    # Without an input, one is shaped from the first layer (conv, 1 channel) and the user told.
    guessed = load_model_file(path, model_name="Net(3)")
    assert tuple(guessed.args[0].shape) == (1, 1, 32, 32) and "no input" in guessed.notice


def test_model_expression_failures_name_the_cause(tmp_path: Path) -> None:
    path = write(tmp_path, "model.py", NEEDS_ARGS)
    with pytest.raises(ModelLoadError, match=r"--model 'Net\(upscale=3\)' raised TypeError"):
        load_model_file(path, model_name="Net(upscale=3)")
    with pytest.raises(ModelLoadError, match="SyntaxError"):
        load_model_file(path, model_name="Net(3")
    with pytest.raises(ModelLoadError, match=r"is a int, not an nn\.Module") as info:
        load_model_file(path, model_name="3 + 4")
    assert "classes: Net" in str(info.value)
    with pytest.raises(ModelLoadError, match="no variable named 'Nett'"):
        load_model_file(path, model_name="Nett")


def test_only_class_without_arguments_is_built(tmp_path: Path) -> None:
    path = write(tmp_path, "model.py", NO_ARGS)
    assert tuple(load_model_file(path).args[0].shape) == (16, 5)  # guessed from fc
    spec = load_model_file(path, input_shape=(3, 5))
    assert type(spec.model).__name__ == "Net" and tuple(spec.args[0].shape) == (3, 5)
    assert type(load_model_file(path, model_name="Net", input_shape=(3, 5)).model).__name__ == "Net"


def test_model_variable_still_named_plainly(tmp_path: Path) -> None:
    path = write(tmp_path, "two.py", NO_ARGS + "\na = Net()\nb = Net()\nx = torch.randn(1, 5)\n")
    spec = load_model_file(path, model_name="b")
    assert spec.model is not None and tuple(spec.args[0].shape) == (1, 5)


def test_cli_model_expression_and_missing_arguments(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = str(write(tmp_path, "model.py", NEEDS_ARGS))
    assert main(["inspect", path]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--model 'Net(upscale_factor=...)'" in err
    code = main(["inspect", path, "--model", "Net(upscale_factor=3)", "--input-shape", "1,1,85,85"])
    out = capsys.readouterr().out
    assert code == 0 and "(1, 1, 85, 85) → (1, 1, 255, 255)" in out
