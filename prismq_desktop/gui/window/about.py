"""Help → About: the version of the app, of its storage libraries (SQLite's bundled copy) and
of Qt."""

from __future__ import annotations

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import qVersion
from PySide6.QtWidgets import QMessageBox, QWidget

from prismq_desktop import __version__
from prismq_desktop.core import versions_text


def about_text() -> str:
    return (f"<h3>PrismQ Desktop {__version__}</h3>"
            "<p>Watch and run PrismQ SQLite task queues.</p>"
            f"<p>{versions_text()}<br>"
            f"Qt {qVersion()}, PySide6 {pyside_version}</p>")


def show_about(parent: QWidget) -> QMessageBox:
    box = QMessageBox(QMessageBox.Icon.Information, "About PrismQ Desktop", about_text(),
                      QMessageBox.StandardButton.Ok, parent)
    box.setObjectName("aboutBox")
    box.finished.connect(box.deleteLater)
    box.open()
    return box
