"""What the frozen app includes beyond what PyInstaller finds, and what it leaves out.

Measured on the one-folder Linux build (MiB), each step checked with ``self-test``:
nothing left out 269 (scipy, IPython, tkinter... ride in on optional imports);
EXCLUDED_MODULES 191; DROPPED_FILES 180; prune_orphans 169; OpenSSL 164; symbols stripped
except from auditwheel libraries (``stripped``) 166, against 193 unstripped.
"""

from __future__ import annotations

import fnmatch
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path, PurePath

#: Imported by name at run time, invisible to PyInstaller's analysis.
HIDDEN_IMPORTS: list[str] = [
    "PySide6.QtOpenGL",  # pyqtgraph.Qt.OpenGLHelpers: importlib.import_module(...)
    "PySide6.QtOpenGLWidgets",
]

#: Python packages that optional imports would drag in, and Qt bindings we never use.
EXCLUDED_MODULES: list[str] = [
    # optional extras of pyqtgraph and numpy that happen to be installed on a build machine
    "scipy", "matplotlib", "pandas", "PIL", "h5py", "numba", "cupy", "colorcet", "OpenGL",
    "IPython", "jedi", "parso", "ipykernel", "jupyter_client", "jupyter_rfb",
    "pyqtgraph.examples", "pyqtgraph.opengl", "pyqtgraph.jupyter", "pyqtgraph.flowchart",
    "pyqtgraph.canvas",
    # standard-library parts a desktop app does not use
    "tkinter", "_tkinter", "pydoc_data", "lib2to3", "setuptools", "pkg_resources",
    # (OpenSSL stays: the HTTP API's uvicorn and anyio import ssl, though it serves plain
    # HTTP; without it the exe's self-test fails its "http api" step)
    # test tools
    "pytest", "_pytest", "hypothesis", "pytestqt",
    # Qt bindings we never import (their Qt libraries go with them)
    "PySide6.QtNetwork", "PySide6.QtTest", "PySide6.QtDBus", "PySide6.QtQml",
    "PySide6.QtQuick", "PySide6.QtQuickWidgets", "PySide6.QtQuickControls2", "PySide6.QtSql",
    "PySide6.QtXml", "PySide6.QtConcurrent", "PySide6.QtHelp", "PySide6.QtDesigner",
    "PySide6.QtUiTools", "PySide6.QtPrintSupport", "PySide6.QtSvgWidgets",
]

#: Files (destination paths, fnmatch patterns) the hooks collect that the app does not need.
DROPPED_FILES: list[str] = [
    # Qt's own translations: the app's text is English
    "PySide6/Qt/translations/*",
    # platforms for embedded devices and remote displays; kept: xcb, wayland, offscreen
    "PySide6/Qt/plugins/platforms/libqeglfs.so", "PySide6/Qt/plugins/platforms/libqlinuxfb.so",
    "PySide6/Qt/plugins/platforms/libqminimal*.so", "PySide6/Qt/plugins/platforms/libqvnc.so",
    "PySide6/Qt/plugins/platforms/libqvkkhrdisplay.so",
    "PySide6/Qt/plugins/egldeviceintegrations/*", "PySide6/Qt/plugins/generic/*",
    "PySide6/Qt/lib/libQt6EglFS*", "PySide6/Qt/lib/libQt6EglFs*",
    # GTK theme plugin (its GTK libraries are the desktop's, never bundled)
    "PySide6/Qt/plugins/platformthemes/libqgtk3.so",
    # networking (no QtNetwork)
    "PySide6/Qt/plugins/tls/*", "PySide6/Qt/plugins/networkinformation/*",
    # image formats the app never reads; kept: png (built in), svg, ico
    "PySide6/Qt/plugins/imageformats/libqgif.so", "PySide6/Qt/plugins/imageformats/libqjpeg.so",
    "PySide6/Qt/plugins/imageformats/libqtiff.so", "PySide6/Qt/plugins/imageformats/libqwebp.so",
    "PySide6/Qt/plugins/imageformats/libqtga.so", "PySide6/Qt/plugins/imageformats/libqwbmp.so",
    "PySide6/Qt/plugins/imageformats/libqicns.so",
]


def keep(toc: list[tuple]) -> list[tuple]:
    """The TOC entries whose destination matches none of DROPPED_FILES."""
    return [entry for entry in toc
            if not any(fnmatch.fnmatch(entry[0].replace("\\", "/"), pattern)
                       for pattern in DROPPED_FILES)]


def _is_root(dest: str, typecode: str) -> bool:
    """Python extension modules, Qt plugins and Python itself: loaded by name, so kept."""
    name = PurePath(dest).name.lower()
    return (typecode == "EXTENSION" or "/plugins/" in dest.replace("\\", "/")
            or name.startswith(("libpython", "python")))


def prune_orphans(binaries: list[tuple], imports: Callable[[str], set[tuple]]) -> list[tuple]:
    """Drop shared libraries that nothing kept links to any more.

    PyInstaller collects a plugin's dependencies before the spec can drop the plugin (the
    GTK theme's pango, cairo and gdk-pixbuf stay behind otherwise); this walks the
    link-time imports from the roots and keeps what they reach.
    """
    by_name = {PurePath(dest).name.lower(): (dest, src) for dest, src, _t in binaries}
    todo = [src for dest, src, typecode in binaries if _is_root(dest, typecode)]
    reached: set[str] = set()
    while todo:
        for name, _path in imports(todo.pop()):
            key = PurePath(name).name.lower()
            if key in by_name and key not in reached:
                reached.add(key)
                todo.append(by_name[key][1])
    return [entry for entry in binaries if entry[2] != "BINARY" or _is_root(entry[0], entry[2])
            or PurePath(entry[0]).name.lower() in reached]


def stripped(binaries: list[tuple], folder: Path) -> list[tuple]:
    """Linux: point each library at a copy without symbols (27 MiB of the build), except the
    auditwheel-patched ones in ``*.libs/`` folders, which ``strip`` corrupts ("ELF load
    command address/offset not page-aligned" for numpy's OpenBLAS); PyInstaller's own
    ``strip`` option cannot leave them out."""
    program = shutil.which("strip")
    if not sys.platform.startswith("linux") or program is None:
        return binaries
    result = []
    for dest, src, typecode in binaries:
        if typecode in ("BINARY", "EXTENSION") and ".libs/" not in dest:
            copy = folder / dest
            copy.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, copy)
            subprocess.run([program, str(copy)], check=True)
            src = str(copy)
        result.append((dest, src, typecode))
    return result
