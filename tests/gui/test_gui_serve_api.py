"""The "Serve API" toggle: starts the HTTP API off the GUI thread, shows the URL and token
with Copy buttons, answers a real request over loopback, and stops again."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from PySide6.QtGui import QAction, QGuiApplication
from PySide6.QtWidgets import QPushButton

from prismq_desktop.core import Queue


@pytest.fixture(autouse=True)
def private_tokens(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PRISMQ_DESKTOP_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("PRISMQ_API_TOKEN", raising=False)


def test_toggle_serves_the_open_queue_and_stops(qtbot: Any, open_window: Any,
                                                db_path: Path) -> None:
    Queue.open(db_path).close()
    window = open_window(db_path)
    action = window.findChild(QAction, "serveApiAction")
    assert action.isCheckable() and action.isEnabled()
    action.trigger()
    qtbot.waitUntil(lambda: window.api.serving is not None, timeout=20_000)
    dialog = window.api.dialog
    assert dialog is not None and dialog.isVisible()
    url, token = dialog.fields["apiUrl"].text(), dialog.fields["apiToken"].text()
    assert url.startswith("http://127.0.0.1:") and token
    assert window.api.status_button.isVisible()

    answer = httpx.post(f"{url}/api/queue/enqueue", json={"type": "from-gui-test"},
                        headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 201
    with Queue.open(db_path, read_only=True) as queue:
        assert queue.get(answer.json()["task_id"]).type == "from-gui-test"
    assert httpx.get(f"{url}/api/queue/stats").status_code == 401

    dialog.findChild(QPushButton, "apiTokenCopy").click()
    assert QGuiApplication.clipboard().text() == token

    action.trigger()
    assert not action.isChecked()
    qtbot.waitUntil(lambda: not window.api.busy, timeout=20_000)
    assert window.api.serving is None and not window.api.status_button.isVisible()
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{url}/api/queue/stats")


def test_toggle_needs_an_open_file(open_window: Any) -> None:
    window = open_window(None)
    action = window.findChild(QAction, "serveApiAction")
    assert not action.isEnabled() and "no queue file" in action.toolTip()


def test_closing_the_window_stops_the_server(qtbot: Any, open_window: Any,
                                             db_path: Path) -> None:
    Queue.open(db_path).close()
    window = open_window(db_path)
    window.findChild(QAction, "serveApiAction").trigger()
    qtbot.waitUntil(lambda: window.api.serving is not None, timeout=20_000)
    url = window.api.serving.server.url
    window.close()  # the fixture's thread guard then fails the test if a server thread is left
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{url}/api/queue/stats")


def test_a_taken_port_falls_back_to_a_free_one(qtbot: Any, open_window: Any,
                                               db_path: Path) -> None:
    import socket

    from prismq_desktop.gui import settings

    Queue.open(db_path).close()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy_port = taken.getsockname()[1]
        settings.set_value("api/port", busy_port)
        window = open_window(db_path)
        messages: list[str] = []
        window.api.message.connect(messages.append)
        window.findChild(QAction, "serveApiAction").trigger()
        qtbot.waitUntil(lambda: window.api.serving is not None, timeout=20_000)
        port = window.api.serving.server.port
    assert port != busy_port
    assert any(f"port {busy_port} was taken" in text for text in messages)
    assert window.api.status_button.text() == f"API :{port}"
