"""Icons load from a checkout, from an installed wheel's data files, or not at all, gracefully."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QToolButton
from pytestqt.qtbot import QtBot

from graphviewer.core import resources
from graphviewer.ui import icons
from graphviewer.ui.app import create_app
from graphviewer.ui.search import SearchBar


@pytest.fixture(autouse=True)
def _fresh_icon_cache() -> Iterator[None]:
    icons.icon.cache_clear()
    icons.icon_path.cache_clear()
    yield
    icons.icon.cache_clear()
    icons.icon_path.cache_clear()


def test_icons_load_from_the_checkout() -> None:
    create_app()
    assert icons.icon_path("open") == resources.CHECKOUT_DIRS["icons"] / "open.svg"
    assert not icons.icon("open").isNull()


def test_icons_load_from_an_installed_wheel(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A wheel puts them in <prefix>/share/graphviewer/icons: found there without a checkout."""
    create_app()
    prefix = tmp_path / "venv"
    shutil.copytree(resources.CHECKOUT_DIRS["icons"], prefix / "share" / "graphviewer" / "icons")
    monkeypatch.setitem(resources.CHECKOUT_DIRS, "icons", tmp_path / "no-checkout")
    monkeypatch.setattr(resources.sysconfig, "get_path", lambda *a: str(prefix))
    monkeypatch.setattr(sys, "prefix", str(prefix))
    assert icons.icon_path("open") == prefix / "share" / "graphviewer" / "icons" / "open.svg"
    assert not icons.icon("open").isNull()


def test_icons_missing_leave_text_on_the_buttons(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, qtbot: QtBot
) -> None:
    create_app()
    monkeypatch.setattr(icons, "data_dirs", lambda kind: [tmp_path / kind])
    assert icons.icon("open").isNull()
    bar = SearchBar()
    qtbot.addWidget(bar)
    bar.show()
    buttons = bar.findChildren(QToolButton, "", Qt.FindChildOption.FindDirectChildrenOnly)
    assert len(buttons) == 3 and all(b.icon().isNull() and b.text() for b in buttons)


def test_samples_found_in_an_installed_copy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without a checkout, the start page and File ▸ Open Sample read <prefix>/share/…/samples."""
    installed = tmp_path / "share" / "graphviewer" / "samples"
    installed.mkdir(parents=True)
    (installed / "tiny.py").write_text('"""A tiny model."""\n')
    monkeypatch.setitem(resources.CHECKOUT_DIRS, "samples", tmp_path / "no-checkout")
    monkeypatch.setattr(resources.sysconfig, "get_path", lambda *a: str(tmp_path))
    monkeypatch.setattr(resources.sys, "prefix", str(tmp_path))
    monkeypatch.setattr(resources.sys, "base_prefix", str(tmp_path))
    assert resources.samples_dir() == installed
    assert resources.sample_files() == [resources.Sample(installed / "tiny.py", "A tiny model.")]
