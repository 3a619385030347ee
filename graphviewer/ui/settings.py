"""The window's remembered preferences, over `QSettings`: recent files, geometry, folder, theme."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from PySide6.QtCore import QByteArray, QSettings

ThemeChoice = Literal["system", "light", "dark"]
THEME_CHOICES: tuple[ThemeChoice, ...] = ("system", "light", "dark")
MAX_RECENT = 10


class AppSettings:
    """Typed access to the application's `QSettings` (organisation and name set by the app)."""

    def __init__(self) -> None:
        self._qs = QSettings()

    # -- recent files ------------------------------------------------------------------------
    def recent_files(self) -> list[Path]:
        value = self._qs.value("recent/files", [])
        if isinstance(value, str):  # QSettings returns a lone string for a one-item list
            value = [value]
        return [Path(p) for p in (value or []) if p]

    def add_recent(self, path: Path) -> list[Path]:
        """Put `path` first in the recent files (once) and return the new list."""
        path = path.resolve()
        files = [path] + [p for p in self.recent_files() if p != path]
        files = files[:MAX_RECENT]
        self._qs.setValue("recent/files", [str(p) for p in files])
        return files

    def clear_recent(self) -> None:
        self._qs.setValue("recent/files", [])

    # -- folders -------------------------------------------------------------------------------
    def last_folder(self) -> str:
        return str(self._qs.value("folders/open", "") or "")

    def set_last_folder(self, folder: Path) -> None:
        self._qs.setValue("folders/open", str(folder))

    # -- theme ---------------------------------------------------------------------------------
    def theme(self) -> ThemeChoice:
        value = str(self._qs.value("view/theme", "system"))
        return value if value in THEME_CHOICES else "system"  # type: ignore[return-value]

    def set_theme(self, theme: ThemeChoice) -> None:
        self._qs.setValue("view/theme", theme)

    # -- window --------------------------------------------------------------------------------
    def geometry(self) -> QByteArray | None:
        value = self._qs.value("window/geometry")
        return value if isinstance(value, QByteArray) else None

    def window_state(self) -> QByteArray | None:
        value = self._qs.value("window/state")
        return value if isinstance(value, QByteArray) else None

    def save_window(self, geometry: QByteArray, state: QByteArray) -> None:
        self._qs.setValue("window/geometry", geometry)
        self._qs.setValue("window/state", state)
        self._qs.sync()
