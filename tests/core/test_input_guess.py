"""A script that defines a model but no input: the input is guessed from the first layer, tried,
and the user is told; a forward that takes several arguments gets a hint that says so."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
import torch

from graphviewer.core.errors import ModelLoadError, NeedsInputError
from graphviewer.core.model_file import load_model_file


def _script(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "net.py"
    path.write_text("import torch\nfrom torch import nn\n\n" + textwrap.dedent(body))
    return path


def test_a_conv_net_without_input_gets_one_shaped_from_its_first_layer(tmp_path: Path) -> None:
    path = _script(
        tmp_path,
        """
        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.conv1 = nn.Conv2d(1, 4, 3)
                self.fc = nn.Linear(4, 2)

            def forward(self, x):
                return self.fc(self.conv1(x).mean((2, 3)))
        """,
    )
    spec = load_model_file(path)
    (x,) = spec.args
    assert tuple(x.shape) == (1, 1, 32, 32) and x.dtype == torch.float32
    assert "no input" in spec.notice and "(1, 1, 32, 32)" in spec.notice
    assert "conv1 (Conv2d, 1 input channel)" in spec.notice and "--input-shape" in spec.notice


def test_a_language_model_gets_token_ids(tmp_path: Path) -> None:
    path = _script(
        tmp_path,
        """
        class LM(nn.Module):
            def __init__(self):
                super().__init__()
                self.wte = nn.Embedding(50, 8)
                self.head = nn.Linear(8, 50)

            def forward(self, idx, targets=None):
                return self.head(self.wte(idx))
        """,
    )
    spec = load_model_file(path)
    assert spec.args[0].dtype == torch.int64
    assert "all-zero int64" in spec.notice


def test_a_guess_the_model_refuses_is_named_in_the_error(tmp_path: Path) -> None:
    path = _script(
        tmp_path,
        """
        class RNNModel(nn.Module):
            def __init__(self):
                super().__init__()
                self.encoder = nn.Embedding(50, 8)
                self.rnn = nn.LSTM(8, 8)

            def forward(self, input, hidden):
                return self.rnn(self.encoder(input), hidden)

            def init_hidden(self, bsz):
                return (torch.zeros(1, bsz, 8), torch.zeros(1, bsz, 8))
        """,
    )
    with pytest.raises(NeedsInputError) as info:
        load_model_file(path)
    text = str(info.value)
    assert "missing 1 required positional argument: 'hidden'" in text
    assert "takes 2 arguments (input, hidden)" in text and "example_input()" in text


def test_input_may_be_an_expression_with_the_model_bound(tmp_path: Path) -> None:
    path = _script(
        tmp_path,
        """
        class RNNModel(nn.Module):
            def __init__(self):
                super().__init__()
                self.rnn = nn.LSTM(8, 8)

            def forward(self, input, hidden):
                return self.rnn(input, hidden)[0]

            def init_hidden(self, bsz):
                return (torch.zeros(1, bsz, 8), torch.zeros(1, bsz, 8))
        """,
    )
    spec = load_model_file(path, input_name="(torch.randn(5, 2, 8), model.init_hidden(2))")
    assert [tuple(a.shape) if isinstance(a, torch.Tensor) else len(a) for a in spec.args] == [
        (5, 2, 8),
        2,
    ]
    with pytest.raises(ModelLoadError, match="init_hiden"):
        load_model_file(path, input_name="(torch.randn(5, 2, 8), model.init_hiden(2))")
    with pytest.raises(ModelLoadError, match="no variable named 'nope'"):
        load_model_file(path, input_name="nope")


def test_a_given_input_shape_is_used_as_it_is(tmp_path: Path) -> None:
    path = _script(
        tmp_path,
        """
        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(3, 2)

            def forward(self, x):
                return self.fc(x)
        """,
    )
    spec = load_model_file(path, input_shape=(7, 3))
    assert tuple(spec.args[0].shape) == (7, 3) and spec.notice == ""


def test_input_shape_comes_before_the_files_example_input(tmp_path: Path) -> None:
    path = _script(
        tmp_path,
        """
        def build_model():
            return nn.Linear(3, 2)

        def example_input():
            return torch.ones(4, 3)
        """,
    )
    assert tuple(load_model_file(path).args[0].shape) == (4, 3)
    assert tuple(load_model_file(path, input_shape=(9, 3)).args[0].shape) == (9, 3)


def test_an_mnist_net_is_tried_at_the_common_image_sizes(tmp_path: Path) -> None:
    # pytorch/examples' mnist/main.py: fc1 after the convolutions takes 9216 = 64 × 12 × 12,
    # which only a 28×28 image gives
    path = _script(
        tmp_path,
        """
        import torch.nn.functional as F

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.conv1 = nn.Conv2d(1, 32, 3, 1)
                self.conv2 = nn.Conv2d(32, 64, 3, 1)
                self.fc1 = nn.Linear(9216, 128)

            def forward(self, x):
                x = F.max_pool2d(F.relu(self.conv2(F.relu(self.conv1(x)))), 2)
                return self.fc1(torch.flatten(x, 1))
        """,
    )
    spec = load_model_file(path)
    assert tuple(spec.args[0].shape) == (1, 1, 28, 28)
    assert "(1, 1, 28, 28)" in spec.notice


def test_a_conv_net_no_image_size_fits_names_every_size_tried(tmp_path: Path) -> None:
    path = _script(
        tmp_path,
        """
        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.conv1 = nn.Conv2d(3, 4, 3)
                self.fc = nn.Linear(7, 2)

            def forward(self, x):
                return self.fc(torch.flatten(self.conv1(x), 1))
        """,
    )
    with pytest.raises(NeedsInputError) as info:
        load_model_file(path)
    text = str(info.value)
    assert "(1, 3, 32, 32), (1, 3, 28, 28), (1, 3, 224, 224), (1, 3, 64, 64)" in text
    assert "mat1 and mat2" in text  # the first size's error
