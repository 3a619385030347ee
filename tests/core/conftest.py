"""Fixtures shared by the core tests: the MLP sample written in every format torch saves."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

SAMPLES = Path(__file__).resolve().parents[2] / "samples"


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
