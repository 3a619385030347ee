"""Test-wide setup: offscreen Qt, no hub downloads, private settings, the MLP in every format."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
# The log file and crash dumps of CLI and window runs go to a throw-away state folder.
os.environ["XDG_STATE_HOME"] = tempfile.mkdtemp(prefix="graphviewer-test-state-")

SAMPLES = Path(__file__).resolve().parents[1] / "samples"


def pytest_configure(config: pytest.Config) -> None:
    """The QApplication comes first, before any test: a CLI export alone makes a
    QGuiApplication, which a window test's QApplication could not replace afterwards."""
    from graphviewer.ui.app import create_app

    create_app()


@pytest.fixture(autouse=True)
def _gc_unfrozen() -> Iterator[None]:
    """What a test's CLI run or window open froze (`gc_pause.settle_loaded`) goes back to the
    collector: the next test starts with an ordinary heap."""
    yield
    gc.unfreeze()


@pytest.fixture(autouse=True)
def _no_torch_mode_left() -> Iterator[None]:
    """A capture's function mode never outlives it on the test's thread: one left pushed would
    see (and cancel) every torch call of the tests after it."""
    import torch

    yield
    left = torch._C._len_torch_function_stack()
    if left:
        modes = [type(m).__name__ for m in torch.overrides._get_current_function_mode_stack()]
        while torch._C._len_torch_function_stack():
            torch._C._pop_torch_function_stack()
        pytest.fail(f"conftest.py: the test left {left} torch function mode(s) pushed: {modes}")


@pytest.fixture(autouse=True)
def _isolated_settings(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Each test gets fresh, private QSettings (when Qt is in use at all)."""
    try:
        from PySide6.QtCore import QSettings
    except ImportError:  # a headless install without Qt: core tests still run
        yield
        return
    folder = tmp_path_factory.mktemp("settings")
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    for scope in (QSettings.Scope.UserScope, QSettings.Scope.SystemScope):
        QSettings.setPath(QSettings.Format.IniFormat, scope, str(folder))
    yield


@pytest.fixture(scope="session")
def saved_formats(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """samples/make_variants.py's files, by short name, written once in a subprocess.

    Keys: "module" (mlp.py), "full" (torch.save(model)), "sibling" (mlp_full.py), "state_dict",
    "script" (TorchScript), "export" (.pt2).
    """
    out = tmp_path_factory.mktemp("formats")
    subprocess.run(
        [sys.executable, str(SAMPLES / "make_variants.py"), str(out)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    return {
        "module": out / "mlp.py",
        "full": out / "mlp_full.pt",
        "sibling": out / "mlp_full.py",
        "state_dict": out / "mlp_state_dict.pt",
        "script": out / "mlp_script.pt",
        "export": out / "mlp_export.pt2",
    }
