"""Light and dark themes: a Fusion palette plus a small style sheet from resources/styles.

"system" follows the desktop's colour scheme where Qt can read it.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

from prismq_desktop.paths import resource_path

THEMES = ("system", "light", "dark")
Role = QPalette.ColorRole
Group = QPalette.ColorGroup

_COLORS: dict[str, dict[QPalette.ColorRole, str]] = {
    "light": {
        Role.Window: "#f3f4f6", Role.WindowText: "#1d2127", Role.Base: "#ffffff",
        Role.AlternateBase: "#f6f7f9", Role.Text: "#1d2127", Role.Button: "#f3f4f6",
        Role.ButtonText: "#1d2127", Role.Highlight: "#2f6fdb", Role.HighlightedText: "#ffffff",
        Role.ToolTipBase: "#ffffff", Role.ToolTipText: "#1d2127", Role.PlaceholderText: "#8a9099",
        Role.Link: "#2f6fdb", Role.Mid: "#c9cdd3", Role.Midlight: "#e3e5e9", Role.Dark: "#a0a6ae",
    },
    "dark": {
        Role.Window: "#1f2227", Role.WindowText: "#e3e6ea", Role.Base: "#17191d",
        Role.AlternateBase: "#1c1f23", Role.Text: "#e3e6ea", Role.Button: "#2a2e34",
        Role.ButtonText: "#e3e6ea", Role.Highlight: "#3d7be0", Role.HighlightedText: "#ffffff",
        Role.ToolTipBase: "#2a2e34", Role.ToolTipText: "#e3e6ea", Role.PlaceholderText: "#7c838c",
        Role.Link: "#6ea2ff", Role.Mid: "#3a3f46", Role.Midlight: "#30343a", Role.Dark: "#101215",
    },
}


def resolve(mode: str) -> str:
    """'light' or 'dark' for a setting ('system' asks the desktop)."""
    if mode in ("light", "dark"):
        return mode
    hints = QGuiApplication.styleHints()
    scheme = getattr(hints, "colorScheme", lambda: Qt.ColorScheme.Unknown)()
    return "dark" if scheme == Qt.ColorScheme.Dark else "light"


def palette(name: str) -> QPalette:
    result = QPalette()
    for role, color in _COLORS[name].items():
        result.setColor(role, QColor(color))
    disabled = QColor(_COLORS[name][Role.PlaceholderText])
    for role in (Role.Text, Role.WindowText, Role.ButtonText):
        result.setColor(Group.Disabled, role, disabled)
    return result


def style_sheet(name: str) -> str:
    path = resource_path("styles", f"{name}.qss")
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        return ""


def apply(app: QApplication, mode: str) -> str:
    """Apply a theme to the whole app; returns the resolved name."""
    name = resolve(mode if mode in THEMES else "system")
    app.setStyle("Fusion")
    app.setPalette(palette(name))
    app.setStyleSheet(style_sheet(name))
    return name
