"""Light, dark or follow-the-system: resolve the choice and colour the widgets to match."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

from graphviewer.ui.settings import ThemeChoice


def resolve_theme(choice: ThemeChoice, scheme: Qt.ColorScheme | None = None) -> str:
    """ "light" or "dark": the system's colour scheme (or `scheme`, the one it just switched
    to) when `choice` is "system"."""
    if choice != "system":
        return choice
    if scheme is None:
        hints = QGuiApplication.styleHints()
        scheme = hints.colorScheme() if hasattr(hints, "colorScheme") else None
    return "dark" if scheme == Qt.ColorScheme.Dark else "light"


def _dark_palette() -> QPalette:
    palette = QPalette()
    roles = QPalette.ColorRole
    for role, color in (
        (roles.Window, "#2b2d31"),
        (roles.WindowText, "#dcdfe4"),
        (roles.Base, "#1f2023"),
        (roles.AlternateBase, "#2a2c30"),
        (roles.ToolTipBase, "#2b2d31"),
        (roles.ToolTipText, "#dcdfe4"),
        (roles.Text, "#dcdfe4"),
        (roles.Button, "#33363b"),
        (roles.ButtonText, "#dcdfe4"),
        (roles.BrightText, "#ff6b6b"),
        (roles.Highlight, "#3d6fb5"),
        (roles.HighlightedText, "#ffffff"),
        (roles.PlaceholderText, "#8a8f98"),
        (roles.Link, "#7aa6e0"),
    ):
        palette.setColor(role, QColor(color))
    for role in (roles.Text, roles.WindowText, roles.ButtonText):
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor("#6d7178"))
    return palette


def apply_palette(name: str) -> None:
    """Give the application's widgets the palette of theme `name` ("light" or "dark")."""
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        return
    app.setStyle("Fusion")
    app.setPalette(_dark_palette() if name == "dark" else app.style().standardPalette())
