"""The wheel a user installs: complete metadata, the licence, and every file the app reads.

Built from this checkout with the venv's own setuptools (no network, no build isolation), the
way `pip install .` builds it.
"""

from __future__ import annotations

import subprocess
import sys
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA = "graphviewer-0.1.0.data/data/share/"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> zipfile.ZipFile:
    out = tmp_path_factory.mktemp("wheel")
    pip = [sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "--no-build-isolation"]
    subprocess.run(
        [*pip, "-q", "-w", str(out)],
        check=True,
        capture_output=True,
        cwd=out,
    )
    (built,) = out.glob("graphviewer-*.whl")
    return zipfile.ZipFile(built)


def _metadata(wheel: zipfile.ZipFile) -> dict[str, list[str]]:
    name = next(n for n in wheel.namelist() if n.endswith(".dist-info/METADATA"))
    message = Parser().parsestr(wheel.read(name).decode())
    return {key: message.get_all(key) or [] for key in set(message.keys())}


def test_packaging_metadata_is_complete(wheel: zipfile.ZipFile) -> None:
    meta = _metadata(wheel)
    assert meta["License-Expression"] == ["MIT"]
    assert meta["Author"] and meta["Summary"] and meta["Keywords"]
    assert any("Visualization" in c for c in meta["Classifier"])
    assert "transformers" in meta["Provides-Extra"], "gpt2.py's optional package has an extra"
    assert any(n.endswith("dist-info/licenses/LICENSE") for n in wheel.namelist())


def test_packaging_wheel_holds_what_the_app_reads(wheel: zipfile.ZipFile) -> None:
    names = set(wheel.namelist())
    assert f"{DATA}graphviewer/docs/json-schema.md" in names  # --json's help points to it
    assert f"{DATA}applications/graphviewer.desktop" in names
    assert f"{DATA}icons/hicolor/scalable/apps/graphviewer.svg" in names
    for icon in (ROOT / "resources" / "icons").glob("*.svg"):
        assert f"{DATA}graphviewer/icons/{icon.name}" in names, icon.name
    for lesson in (ROOT / "resources" / "lessons").glob("*.md"):  # Help ▸ Lessons
        assert f"{DATA}graphviewer/lessons/{lesson.name}" in names, lesson.name
    for sample in (ROOT / "samples").glob("*.py"):
        assert f"{DATA}graphviewer/samples/{sample.name}" in names, sample.name
    assert "graphviewer/py.typed" in names


def test_packaging_entry_points_and_desktop_file_agree(wheel: zipfile.ZipFile) -> None:
    name = next(n for n in wheel.namelist() if n.endswith(".dist-info/entry_points.txt"))
    points = wheel.read(name).decode()
    assert "[console_scripts]\ngraphviewer = graphviewer.cli:main" in points
    assert "[gui_scripts]\ngraphviewer-app = graphviewer.cli:main" in points
    desktop = wheel.read(f"{DATA}applications/graphviewer.desktop").decode()
    assert "Exec=graphviewer-app %f" in desktop and "Icon=graphviewer" in desktop
