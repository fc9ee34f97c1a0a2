"""Who may call and what a client can make the server do: tokens, the read-only token, the
Host check, CORS, the body cap, a stalled client, and the token file's permissions."""

from __future__ import annotations

import socket
import stat
import time
from pathlib import Path

import httpx
import pytest

from prismq_desktop.api import ApiConfig, ApiServer, load_tokens
from prismq_desktop.core import Queue
from tests.api.conftest import TOKENS, start_server


def raw_request(server: ApiServer, head: str, body: bytes = b"",
                timeout: float = 5.0) -> tuple[int, bytes]:
    """Send exactly these bytes; return the status and the raw answer."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=timeout) as sock:
        sock.sendall(head.replace("\n", "\r\n").encode() + b"\r\n" + body)
        answer = b""
        while b"\r\n\r\n" not in answer:
            chunk = sock.recv(65536)
            if not chunk:
                break
            answer += chunk
    return int(answer.split(b" ", 2)[1]), answer


def test_requests_need_the_token(server: ApiServer) -> None:
    url = f"{server.url}/api/queue/stats"
    missing = httpx.get(url)
    assert missing.status_code == 401 and missing.headers["www-authenticate"] == "Bearer"
    assert httpx.get(url, headers={"Authorization": "Bearer nope"}).status_code == 401
    assert httpx.get(url, headers={"Authorization": f"Basic {TOKENS.full}"}).status_code == 401
    assert httpx.get(url, headers={"Authorization": f"Bearer {TOKENS.full}"}).status_code == 200
    assert httpx.get(f"{server.url}/openapi.json").status_code == 200


def test_read_only_token_reads_but_never_writes(server: ApiServer, api_queue: Queue) -> None:
    headers = {"Authorization": f"Bearer {TOKENS.read_only}"}
    assert httpx.get(f"{server.url}/api/queue/tasks", headers=headers).status_code == 200
    refused = httpx.post(f"{server.url}/api/queue/enqueue", json={"type": "x"}, headers=headers)
    assert refused.status_code == 403 and "only read" in refused.json()["detail"]
    assert api_queue.count() == 0


def test_foreign_host_header_is_refused(client: httpx.Client) -> None:
    assert client.get("/api/queue/stats", headers={"Host": "evil.example"}).status_code == 400
    assert client.get("/api/queue/stats", headers={"Host": "localhost:1234"}).status_code == 200


def test_no_cors_unless_configured(client: httpx.Client, api_queue: Queue) -> None:
    origin = {"Origin": "https://dash.example"}
    assert "access-control-allow-origin" not in client.get("/api/queue/stats",
                                                           headers=origin).headers
    server = start_server(api_queue, cors_origins=("https://dash.example",))
    try:
        preflight = httpx.options(f"{server.url}/api/queue/stats", headers={
            **origin, "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "authorization"})
        assert preflight.headers["access-control-allow-origin"] == "https://dash.example"
    finally:
        server.stop()


def test_a_10_mb_body_is_refused_before_it_is_sent(server: ApiServer, api_queue: Queue) -> None:
    head = (f"POST /api/queue/enqueue HTTP/1.1\nHost: 127.0.0.1\n"
            f"Authorization: Bearer {TOKENS.full}\nContent-Type: application/json\n"
            f"Content-Length: {10 * 1024 * 1024}\n")
    status, answer = raw_request(server, head)  # not one byte of the body sent
    assert status == 413, answer
    assert api_queue.count() == 0


def test_a_chunked_body_is_cut_off_at_the_cap(server: ApiServer) -> None:
    def chunks():
        yield b'{"type": "x", "payload": {"a": "'
        for _ in range(40):
            yield b"y" * 65536
    answer = httpx.post(f"{server.url}/api/queue/enqueue", content=chunks(),
                        headers={"Authorization": f"Bearer {TOKENS.full}"})
    assert answer.status_code == 413


def test_a_stalled_client_gets_408_and_blocks_nobody(api_queue: Queue) -> None:
    server = start_server(api_queue, body_timeout_s=0.5)
    try:
        with socket.create_connection(("127.0.0.1", server.port)) as stalled:
            stalled.sendall((f"POST /api/queue/enqueue HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                             f"Authorization: Bearer {TOKENS.full}\r\n"
                             "Content-Length: 100\r\n\r\n{\"type\"").encode())
            started = time.monotonic()
            other = httpx.post(f"{server.url}/api/queue/enqueue", json={"type": "ok"},
                               headers={"Authorization": f"Bearer {TOKENS.full}"})
            assert other.status_code == 201 and time.monotonic() - started < 0.5
            stalled.settimeout(5)
            assert stalled.recv(100).startswith(b"HTTP/1.1 408")
    finally:
        server.stop()


def test_token_file_is_owner_only_and_kept(tmp_path: Path) -> None:
    path = tmp_path / "folder" / "tokens.json"
    first = load_tokens(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert load_tokens(path) == first and first.full != first.read_only
    assert load_tokens(path, full="mine").full == "mine"
    path.write_text("not json")
    with pytest.raises(ValueError, match="not a token file"):
        load_tokens(path)


def test_no_auth_only_on_loopback() -> None:
    assert ApiConfig(host="::1", tokens=None).tokens is None
    with pytest.raises(ValueError, match="loopback"):
        ApiConfig(host="0.0.0.0", tokens=None)


def test_embedded_server_leaves_signals_and_logging_alone(api_queue: Queue) -> None:
    """In the GUI and the windowed exe the program owns Ctrl+C and has no console: the
    server installs no signal handler and configures no logging."""
    import logging
    import signal

    before = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    handlers = {name: list(logging.getLogger(name).handlers)
                for name in ("", "uvicorn", "uvicorn.error", "uvicorn.access")}
    server = start_server(api_queue)
    try:
        assert httpx.get(f"{server.url}/openapi.json").status_code == 200
        assert {sig: signal.getsignal(sig) for sig in before} == before
        assert {name: list(logging.getLogger(name).handlers) for name in handlers} == handlers
    finally:
        server.stop()
    assert not server.running
