"""Settings kept between runs (QSettings), and the recent files list.

``PRISMQ_DESKTOP_SETTINGS`` names an INI file to use instead of the user's settings, so tests
and portable setups never touch (or read) the real ones.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings

from prismq_desktop.core.locations import is_postgres, redacted

ORGANIZATION = "PrismQ"
APPLICATION = "PrismQ Desktop"
ENV_FILE = "PRISMQ_DESKTOP_SETTINGS"
MAX_RECENT = 8


def settings() -> QSettings:
    path = os.environ.get(ENV_FILE)
    if path:
        return QSettings(path, QSettings.Format.IniFormat)
    return QSettings(ORGANIZATION, APPLICATION)


def value(key: str, default: Any = None, kind: type | None = None) -> Any:
    store = settings()
    if kind is not None:
        return store.value(key, default, type=kind)
    return store.value(key, default)


def set_value(key: str, data: Any) -> None:
    settings().setValue(key, data)


def recent_files() -> list[str]:
    found = settings().value("recentFiles", [], type=list)
    return [str(item) for item in found if item][:MAX_RECENT] if isinstance(found, list) else []


def add_recent(path: str | Path) -> list[str]:
    """Remember a file (resolved) or a URL (without its password: never stored)."""
    text = redacted(path) if is_postgres(path) else str(Path(path).resolve())
    files = [text, *(f for f in recent_files() if f != text)][:MAX_RECENT]
    settings().setValue("recentFiles", files)
    return files


def remove_recent(path: str) -> list[str]:
    files = [f for f in recent_files() if f != path]
    settings().setValue("recentFiles", files)
    return files
