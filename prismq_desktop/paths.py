"""Where the app's files are: resources in a checkout, an installed wheel or the frozen exe,
and the user's data folder for logs.

Qt-free, so the CLI and the crash handler can use it before (or without) a QApplication.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

APP_DIR_NAME = "PrismQDesktop"
ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


def resources_dir() -> Path:
    """The ``resources/`` folder, found the same way in all three layouts."""
    frozen_root = getattr(sys, "_MEIPASS", None)
    if frozen_root:
        return Path(frozen_root) / "resources"
    package = Path(__file__).resolve().parent
    installed = package / "_resources"
    return installed if installed.is_dir() else package.parent / "resources"


def resource_path(*parts: str) -> Path:
    return resources_dir().joinpath(*parts)


def app_icon_files() -> list[Path]:
    """The icon's PNG renderings, small to large: a QIcon built from all of them stays crisp
    at every size without needing Qt's SVG icon engine plugin."""
    return [resource_path("icons", f"prismq-desktop-{size}.png") for size in ICON_SIZES]


def user_data_dir() -> Path:
    """The per-user data folder (what QStandardPaths.AppDataLocation gives), without Qt.

    ``PRISMQ_DESKTOP_DATA_DIR`` overrides it, so tests and portable installs can point it
    elsewhere.
    """
    override = os.environ.get("PRISMQ_DESKTOP_DATA_DIR")
    if override:
        return Path(override).expanduser()
    if sys.platform.startswith("win"):
        base = os.environ.get("LOCALAPPDATA") or os.environ.get("APPDATA")
        return Path(base or Path.home() / "AppData" / "Local") / APP_DIR_NAME
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / APP_DIR_NAME
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / APP_DIR_NAME


def logs_dir() -> Path:
    return user_data_dir() / "logs"
