"""Opening a model file that lives in a package: relative imports, its own package by name.

Layouts as in milesial/Pytorch-UNet (`from .unet_parts import *`) and karpathy/minGPT
(`from mingpt.utils import CfgNode`), nested two levels and opened by path from another folder.
"""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest

from graphviewer.core.capture import capture_graph
from graphviewer.core.errors import ModelLoadError
from graphviewer.core.jobs import run_job
from graphviewer.core.loading.userscript import package_of
from graphviewer.core.model_file import load_model_file


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return path


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """`repo/zoo/nets/model.py` importing `.parts` (relative) and `zoo.config` (absolute)."""
    root = tmp_path / "repo"
    write(root, "zoo/__init__.py", "")
    write(root, "zoo/config.py", "WIDTH = 6\n")
    write(root, "zoo/nets/__init__.py", "from .model import Net\n")
    write(
        root,
        "zoo/nets/parts.py",
        """
        import torch
        from torch import nn

        class Block(nn.Module):
            def __init__(self, width):
                super().__init__()
                self.fc = nn.Linear(width, width)

            def forward(self, x):
                y = self.fc(x)
                return torch.relu(y)
        """,
    )
    write(
        root,
        "zoo/nets/model.py",
        """
        import torch
        from torch import nn
        from .parts import *
        from zoo.config import WIDTH

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.block = Block(WIDTH)

            def forward(self, x):
                return self.block(x)

        def build_model():
            return Net()

        def example_input():
            return torch.randn(2, WIDTH)
        """,
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)  # opened by path, not from the repository root
    return root


def test_package_of_finds_the_root_and_dotted_name(repo: Path) -> None:
    package = package_of(repo / "zoo/nets/model.py")
    assert package is not None
    assert package.root == (repo / "zoo").resolve()
    assert package.module == "zoo.nets.model" and package.parent == "zoo.nets"
    init = package_of(repo / "zoo/nets/__init__.py")
    assert init is not None and init.module == "zoo.nets" and init.parent == "zoo.nets"
    assert package_of(repo / "zoo" / "config.py").module == "zoo.config"  # type: ignore[union-attr]
    write(repo, "loose/model.py", "")
    assert package_of(repo / "loose/model.py") is None


def test_package_module_with_relative_and_absolute_imports_opens(repo: Path) -> None:
    path = repo / "zoo/nets/model.py"
    saved_path = list(sys.path)
    spec = load_model_file(path)
    assert type(spec.model).__name__ == "Net" and tuple(spec.args[0].shape) == (2, 6)
    # The package's modules are the user's code: the op made in parts.py names its line.
    files = {p.name for p in spec.source_files}
    assert {"model.py", "parts.py", "config.py", "__init__.py"} <= files
    snapshot = run_job(capture_graph(spec, "train"))
    lines = {n.source.text for n in snapshot.nodes.values() if n.source is not None}
    assert "return torch.relu(y)" in lines
    # Nothing of the load stays behind: a re-open runs the edited files afresh.
    assert sys.path == saved_path
    assert not [name for name in sys.modules if name == "zoo" or name.startswith("zoo.")]
    write(repo, "zoo/config.py", "WIDTH = 9\n")
    again = load_model_file(path)
    assert tuple(again.args[0].shape) == (2, 9)


def test_package_init_importing_the_module_runs_it_once(repo: Path) -> None:
    # zoo/nets/__init__.py imports .model: the module must run once, not twice.
    write(repo, "zoo/nets/__init__.py", "from .model import Net\n")
    path = repo / "zoo/nets/model.py"
    path.write_text(path.read_text() + "\nprint('ran model.py')\n")
    spec = load_model_file(path)
    assert spec.log.count("ran model.py") == 1


def test_folder_without_init_keeps_absolute_sibling_imports(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "flat"
    write(
        folder,
        "net.py",
        """
        from torch import nn

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(3, 2)

            def forward(self, x):
                return self.fc(x)
        """,
    )
    path = write(
        folder,
        "main.py",
        """
        import torch
        from net import Net

        model = Net()
        x = torch.randn(4, 3)
        """,
    )
    monkeypatch.chdir(tmp_path)
    spec = load_model_file(path)
    assert type(spec.model).__name__ == "Net"
    assert {p.name for p in spec.source_files} == {"main.py", "net.py"}
    assert "net" not in sys.modules


def test_error_in_a_package_helper_names_the_helper_line(repo: Path) -> None:
    write(
        repo,
        "zoo/nets/parts.py",
        """
        from torch import nn

        def width_of(config):
            return config["width"]

        class Block(nn.Module):
            def __init__(self, width):
                super().__init__()
                self.fc = nn.Linear(width_of({}), width)
        """,
    )
    with pytest.raises(ModelLoadError) as info:
        load_model_file(repo / "zoo/nets/model.py")
    message = str(info.value)
    assert "KeyError" in message and "parts.py:5 in width_of" in message, message


def test_package_shadowed_by_a_loaded_module_falls_back_to_the_folder(tmp_path: Path) -> None:
    # A folder named like a package already imported (here: `json`) cannot be imported as
    # that package; the file still opens as a plain script with its folder on sys.path.
    write(tmp_path, "json/__init__.py", "")
    path = write(
        tmp_path,
        "json/model.py",
        """
        import torch
        from torch import nn

        model = nn.Linear(2, 2)
        x = torch.randn(1, 2)
        """,
    )
    spec = load_model_file(path)
    assert spec.model is not None
    import json

    assert json.dumps([1]) == "[1]"  # the real json is untouched


def test_missing_package_in_a_helper_is_said_in_words_at_the_helper_line(tmp_path: Path) -> None:
    write(
        tmp_path,
        "helper.py",
        "def make():\n    return load()\n\ndef load():\n    import notapkg_xyz\n",
    )
    path = write(tmp_path, "main.py", "import helper\n\nmodel = helper.make()\n")
    with pytest.raises(ModelLoadError) as info:
        load_model_file(path)
    assert str(info.value) == (
        f"{path}: the script imports 'notapkg_xyz', which is not installed "
        "(pip install notapkg_xyz?) (at helper.py:5 in load: import notapkg_xyz)"
    )
    write(tmp_path, "main.py", "import cv2\n")
    with pytest.raises(ModelLoadError, match=r"pip install opencv-python\?"):
        load_model_file(path)


def test_missing_file_is_said_with_what_paths_are_relative_to(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "data_io.py", "def read(name):\n    return open(name).read()\n")
    path = write(tmp_path, "main.py", "from data_io import read\n\ntext = read('data/x.csv')\n")
    with pytest.raises(ModelLoadError) as info:
        load_model_file(path)
    message = str(info.value)
    assert "the script opens 'data/x.csv', which does not exist" in message
    assert f"(paths are relative to the current folder, {tmp_path})" in message
    assert "(at data_io.py:2 in read: return open(name).read())" in message


def test_debug_keeps_exit_status_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from graphviewer.cli import main

    path = write(tmp_path, "main.py", "import notapkg_xyz\n")
    assert main(["inspect", str(path), "--debug"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" in err and err.rstrip().endswith(
        "(at main.py:1 in <module>: import notapkg_xyz)"
    )


def test_modules_beside_the_package_are_forgotten_but_installed_ones_kept(tmp_path: Path) -> None:
    # In a repository the modules beside the package are the user's (forgotten after the load,
    # so a re-open sees edits); in an installed tree a first import must stay imported.
    for base, kept in ((tmp_path / "repo", False), (tmp_path / "site-packages", True)):
        helper = f"beside_{kept}"
        write(base, f"{helper}.py", "SIZE = 3\n")
        write(base, "kit/__init__.py", "")
        path = write(
            base,
            "kit/model.py",
            f"import torch\nfrom torch import nn\nfrom {helper} import SIZE\n\n"
            "model = nn.Linear(SIZE, 1)\nx = torch.randn(2, SIZE)\n",
        )
        spec = load_model_file(path)
        assert tuple(spec.args[0].shape) == (2, 3)
        assert (helper in sys.modules) is kept, base
        assert "kit" not in sys.modules and "kit.model" not in sys.modules
        sys.modules.pop(helper, None)


def test_missing_sibling_in_the_users_package_is_a_missing_file_not_a_pip_install(
    tmp_path: Path,
) -> None:
    """pytorch-cifar's `models/__init__.py` imports every model file; one missing is a file
    to look for beside theirs, not a package to install."""
    write(tmp_path, "zoo_pkg/__init__.py", "from .gone import *\nfrom .net import *\n")
    path = write(
        tmp_path,
        "zoo_pkg/net.py",
        "import torch\n\nmodel = torch.nn.Linear(2, 2)\nx = torch.randn(1, 2)\nmodel(x)\n",
    )
    with pytest.raises(ModelLoadError) as info:
        load_model_file(path)
    message = str(info.value)
    assert f"imports 'zoo_pkg.gone', but {tmp_path / 'zoo_pkg'} has no gone.py" in message
    assert "pip install" not in message
