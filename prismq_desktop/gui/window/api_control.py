"""The "Serve API" toggle: the HTTP API (prismq_desktop.api) for the open queue, from inside
the app.

Starting and stopping happen on a short-lived thread, never the GUI's: the first start
imports FastAPI and uvicorn (half a second), binds the port and waits for uvicorn. The
server gets a ``Queue`` of its own on the open file and follows it: opening another file or
closing the window stops it. The port is the one last used (8000 at first); when it is
taken, any free port is used and the window says so. The API's package is imported only
here, and only when serving, so an install without the ``[api]`` extra still runs the app.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QToolButton, QWidget

from prismq_desktop.core import Queue
from prismq_desktop.gui import settings
from prismq_desktop.gui.window.api_info import ApiInfoDialog

DEFAULT_PORT = 8000
MISSING = ("Serving the API needs FastAPI and uvicorn, which are not installed "
           "(pip install 'prismq-desktop[api]')")


class Serving:
    """A running server with the queue it owns."""

    def __init__(self, server: Any, queue: Queue, wanted_port: int) -> None:
        self.server, self.queue, self.wanted_port = server, queue, wanted_port

    def stop(self) -> None:
        self.server.stop()
        self.queue.close()


def start_serving(db_path: str | Path, port: int) -> Serving:
    """Runs off the GUI thread: import the API, open the queue, bind, wait for uvicorn."""
    try:
        from prismq_desktop.api import ApiConfig, ApiServer, load_tokens
    except ModuleNotFoundError as exc:
        raise RuntimeError(MISSING) from exc
    queue = Queue.open(db_path, create=False)
    try:
        tokens = load_tokens()
        try:
            server = ApiServer(queue, ApiConfig(port=port, tokens=tokens))
            server.start()
        except OSError:  # taken (another app, another window): any free port
            server = ApiServer(queue, ApiConfig(port=0, tokens=tokens))
            server.start()
    except BaseException:
        queue.close()
        raise
    return Serving(server, queue, port)


class ApiControl(QObject):
    #: A short note for the status bar.
    message = Signal(str)
    #: Starting failed: the reason, for the banner.
    failed = Signal(str)
    #: (callback, value): a finished start or stop, delivered on the GUI thread.
    _finished = Signal(object, object)

    def __init__(self, action: QAction, parent: QWidget) -> None:
        super().__init__(parent)
        self.action = action
        self._parent = parent
        self.serving: Serving | None = None
        self.db_path: str | Path | None = None
        self._thread: threading.Thread | None = None
        self.dialog: ApiInfoDialog | None = None
        self.status_button = QToolButton(objectName="apiStatusButton", autoRaise=True,
                                         toolTip="Show the API's address and token")
        self.status_button.setVisible(False)
        self.status_button.clicked.connect(self.show_info)
        self._finished.connect(self._deliver)
        action.toggled.connect(self._toggled)

    def _deliver(self, callback: Callable[[Any], None], value: Any) -> None:
        callback(value)

    @property
    def busy(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def set_database(self, db_path: str | Path | None) -> None:
        """Serve only the open file: a new (or no) file stops the server."""
        if db_path != self.db_path and self.serving is not None:
            self.action.setChecked(False)
        self.db_path = db_path
        self.update_action()

    def update_action(self) -> None:
        if self.db_path is None and self.serving is None:
            self.action.setEnabled(False)
            self.action.setToolTip("Serve this queue over HTTP — unavailable: no queue file "
                                   "is open")
            return
        self.action.setEnabled(not self.busy)
        self.action.setToolTip("Stop serving the HTTP API" if self.serving is not None
                               else "Serve this queue over HTTP (PrismQ's queue API)")

    def _toggled(self, on: bool) -> None:
        if on and self.serving is None and self.db_path is not None:
            port = int(settings.value("api/port", DEFAULT_PORT, int))
            path = self.db_path
            self.message.emit("Starting the HTTP API…")
            self._off_gui(lambda: start_serving(path, port), self._started)
        elif not on and self.serving is not None:
            serving, self.serving = self.serving, None
            self._close_info()
            self.message.emit("Stopping the HTTP API…")
            self._off_gui(serving.stop, lambda _none: self.message.emit("HTTP API stopped"))
        self.update_action()

    def _off_gui(self, job: Callable[[], Any], done: Callable[[Any], None]) -> None:
        def run() -> None:
            try:
                value: Any = job()
                callback = done
            except Exception as exc:  # noqa: BLE001 (every failure is shown, none kills us)
                value, callback = exc, self._start_failed
            self._finished.emit(callback, value)
        self._thread = threading.Thread(target=run, name="prismq-api-control", daemon=True)
        self._thread.start()
        self.update_action()

    def _started(self, serving: Serving) -> None:
        self._thread = None
        if not self.action.isChecked() or self.db_path is None:  # switched off meanwhile
            self._off_gui(serving.stop, lambda _none: None)
            return
        self.serving = serving
        server = serving.server
        settings.set_value("api/port", serving.wanted_port)
        moved = server.port != serving.wanted_port
        self.status_button.setText(f"API :{server.port}")
        self.status_button.setVisible(True)
        note = f" (port {serving.wanted_port} was taken)" if moved else ""
        self.message.emit(f"Serving the HTTP API at {server.url}{note}")
        self.show_info()
        self.update_action()

    def _start_failed(self, error: Exception) -> None:
        self._thread = None
        self.action.blockSignals(True)
        self.action.setChecked(False)
        self.action.blockSignals(False)
        self.failed.emit(f"Could not serve the HTTP API: {error}")
        self.update_action()

    def show_info(self) -> None:
        if self.serving is None:
            return
        if self.dialog is None:
            server = self.serving.server
            self.dialog = ApiInfoDialog(server.url, server.config.tokens, self._parent)
        self.dialog.show()
        self.dialog.raise_()

    def _close_info(self) -> None:
        self.status_button.setVisible(False)
        if self.dialog is not None:
            self.dialog.close()
            self.dialog.deleteLater()
            self.dialog = None

    def close(self) -> None:
        """The window closes: stop now (a fraction of a second) and wait for any start."""
        if self._thread is not None:
            self._thread.join(15)
        serving, self.serving = self.serving, None
        if serving is not None:
            serving.stop()
        self._close_info()
