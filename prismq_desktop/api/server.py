"""``ApiServer``: uvicorn serving the API from a thread, so the GUI (and the windowed exe,
which has no console) can run it beside everything else.

The socket is bound by ``start`` on the caller's thread, so a port in use is an OSError the
caller can show, not a log line from a thread that quietly died. Uvicorn's signal handlers
stay off (only the main program owns Ctrl+C) and its logging is left unconfigured
(``log_config=None``: the windowed exe has no stdout to write to).
"""

from __future__ import annotations

import socket
import threading
import time

import uvicorn

from prismq_desktop.api.app import create_app
from prismq_desktop.api.config import KEEP_ALIVE_S, ApiConfig
from prismq_desktop.core import Queue

START_TIMEOUT_S = 10.0
#: Connections beyond this get 503 at once instead of queueing up behind the others.
MAX_CONNECTIONS = 256


class _ThreadServer(uvicorn.Server):
    def install_signal_handlers(self) -> None:
        """Never: signals belong to the program's main thread (older uvicorn asks)."""


class ApiServer:
    """Serve ``queue`` over HTTP until ``stop``; the caller keeps owning the queue."""

    def __init__(self, queue: Queue, config: ApiConfig | None = None) -> None:
        self.config = config or ApiConfig()
        self.app = create_app(queue, self.config)
        self._server: _ThreadServer | None = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None
        self._port = 0

    @property
    def port(self) -> int:
        """The port listened on (the one the system chose for port 0); 0 before start."""
        return self._port

    @property
    def url(self) -> str:
        host = self.config.host
        host = f"[{host}]" if ":" in host else host
        return f"http://{host}:{self.port}"

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> str:
        """Bind, serve from a thread, and return the URL once requests are answered."""
        self._socket = _bind(self.config.host, self.config.port)
        self._port = int(self._socket.getsockname()[1])
        settings = uvicorn.Config(
            self.app, log_config=None, access_log=False, lifespan="off",
            timeout_keep_alive=KEEP_ALIVE_S, timeout_graceful_shutdown=2,
            limit_concurrency=MAX_CONNECTIONS, server_header=False)
        self._server = _ThreadServer(settings)
        self._thread = threading.Thread(target=self._server.run, args=([self._socket],),
                                        name="api-server", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + START_TIMEOUT_S
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise OSError(f"the API server did not start on {self.config.host}")
            time.sleep(0.01)
        return self.url

    def stop(self) -> None:
        """End open event streams, stop accepting, wait for the thread."""
        self.app.state.feed.close()
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        if self._socket is not None:
            self._socket.close()
        self.app.state.writer.close()
        self._thread = None


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise OSError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc
    sock.listen(2048)
    sock.setblocking(False)
    return sock
