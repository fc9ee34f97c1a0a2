"""Can Qt show a window here? Checked before the QApplication exists, because Qt cannot
say it: without a display, or without one of the system libraries its xcb platform loads,
it aborts the process (SIGABRT, exit 134, no crash log) with a hint that often names the
wrong package. Qt-free, so the command line runs it before importing any of Qt.
"""

from __future__ import annotations

import ctypes
import os
import socket
import sys
from dataclasses import dataclass

#: The libraries Qt's xcb platform plugin loads that a system may lack (read off
#: ``ldd libqxcb.so libQt6XcbQpa.so.6``), with the package holding each on
#: Debian/Ubuntu and on Fedora.
XCB_LIBRARIES: dict[str, tuple[str, str]] = {
    "libxcb.so.1": ("libxcb1", "libxcb"),
    "libxcb-cursor.so.0": ("libxcb-cursor0", "xcb-util-cursor"),
    "libxcb-icccm.so.4": ("libxcb-icccm4", "xcb-util-wm"),
    "libxcb-image.so.0": ("libxcb-image0", "xcb-util-image"),
    "libxcb-keysyms.so.1": ("libxcb-keysyms1", "xcb-util-keysyms"),
    "libxcb-render-util.so.0": ("libxcb-render-util0", "xcb-util-renderutil"),
    "libxcb-util.so.1": ("libxcb-util1", "xcb-util"),
    "libxcb-randr.so.0": ("libxcb-randr0", "libxcb"),
    "libxcb-shape.so.0": ("libxcb-shape0", "libxcb"),
    "libxcb-shm.so.0": ("libxcb-shm0", "libxcb"),
    "libxcb-sync.so.1": ("libxcb-sync1", "libxcb"),
    "libxcb-xfixes.so.0": ("libxcb-xfixes0", "libxcb"),
    "libxcb-xkb.so.1": ("libxcb-xkb1", "libxcb"),
    "libxkbcommon.so.0": ("libxkbcommon0", "libxkbcommon"),
    "libxkbcommon-x11.so.0": ("libxkbcommon-x11-0", "libxkbcommon-x11"),
    "libX11-xcb.so.1": ("libx11-xcb1", "libX11-xcb"),
    "libEGL.so.1": ("libegl1", "mesa-libEGL"),
    "libGL.so.1": ("libgl1", "mesa-libGL"),
    "libfontconfig.so.1": ("libfontconfig1", "fontconfig"),
    "libdbus-1.so.3": ("libdbus-1-3", "dbus-libs"),
}
#: Platforms that draw into memory or a framebuffer: no display, no X libraries.
NO_DISPLAY_PLATFORMS = ("offscreen", "minimal", "minimalegl", "vnc", "linuxfb", "eglfs",
                        "vkkhrdisplay")


@dataclass(frozen=True)
class Platform:
    """What Qt will use: its name, whether a display is reachable, and what is missing."""

    name: str
    problem: str | None = None

    @property
    def headless(self) -> bool:
        return self.name in NO_DISPLAY_PLATFORMS


def requested() -> str:
    """The platform named by ``QT_QPA_PLATFORM`` (its first choice), '' when not set."""
    return os.environ.get("QT_QPA_PLATFORM", "").split(";")[0].split(":")[0].strip()


def check() -> Platform:
    """The platform Qt will pick on this machine and, if it cannot start, why (one line)."""
    name = requested()
    if not sys.platform.startswith("linux") or name in NO_DISPLAY_PLATFORMS:
        return Platform(name or sys.platform)
    if name == "wayland" or (not name and os.environ.get("WAYLAND_DISPLAY")):
        return Platform("wayland", None if os.environ.get("WAYLAND_DISPLAY") else
                        "no Wayland display (WAYLAND_DISPLAY is not set): the desktop app "
                        "needs a display; the command line works without one")
    missing = missing_libraries()
    if missing:
        return Platform("xcb", install_hint(missing))
    return Platform("xcb", display_problem())


def missing_libraries() -> list[str]:
    """The xcb platform's libraries that cannot be loaded here."""
    missing = []
    for soname in XCB_LIBRARIES:
        try:
            ctypes.CDLL(soname)
        except OSError:
            missing.append(soname)
    return missing


def install_hint(missing: list[str]) -> str:
    debian = " ".join(dict.fromkeys(XCB_LIBRARIES[name][0] for name in missing))
    fedora = " ".join(dict.fromkeys(XCB_LIBRARIES[name][1] for name in missing))
    return (f"the desktop app needs system libraries this machine lacks ({', '.join(missing)});"
            f" install them: sudo apt-get install {debian} (Debian, Ubuntu) or"
            f" sudo dnf install {fedora} (Fedora)")


def display_problem() -> str | None:
    """Why the X display cannot be reached, or None (a remote display is trusted)."""
    display = os.environ.get("DISPLAY", "")
    if not display:
        return ("no display (DISPLAY is not set): the desktop app needs a display; the "
                "command line works without one")
    host, _, number = display.rpartition(":")
    number = number.split(".")[0]
    if host not in ("", "unix") or not number.isdigit():
        return None
    for address in (f"/tmp/.X11-unix/X{number}", f"\0/tmp/.X11-unix/X{number}"):  # file, abstract
        with socket.socket(socket.AF_UNIX) as probe:
            try:
                probe.connect(address)
            except OSError:
                continue
            return None
    return (f"cannot connect to the display {display}: is the X server running? "
            "The desktop app needs a display; the command line works without one")
