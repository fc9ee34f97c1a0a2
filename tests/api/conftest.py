"""A real server on a free loopback port for every test, over a fresh queue on every backend
(a file in tmp_path; a PostgreSQL schema when ``PRISMQ_TEST_PG_URL`` names a server), and
clients that speak real HTTP to it (no in-process TestClient)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from prismq_desktop.api import ApiConfig, ApiServer, Tokens
from prismq_desktop.core import Queue
from tests.contract.backends import BACKENDS, Backend
from tests.support import no_new_threads

TOKENS = Tokens("test-full-token", "test-read-token")


@pytest.fixture(autouse=True)
def no_thread_left(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No test may leave a server or feed thread behind, nor touch the user's token file."""
    monkeypatch.setenv("PRISMQ_DESKTOP_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("PRISMQ_API_TOKEN", raising=False)
    with no_new_threads():
        yield


@pytest.fixture(params=BACKENDS)
def api_location(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    backend: Backend = request.param
    return backend.new_location(tmp_path)


@pytest.fixture
def api_queue(api_location: str) -> Iterator[Queue]:
    queue = Queue.open(api_location)
    yield queue
    queue.close()


def start_server(queue: Queue, **options: object) -> ApiServer:
    config = ApiConfig(**{"port": 0, "tokens": TOKENS, **options})  # type: ignore[arg-type]
    server = ApiServer(queue, config)
    server.start()
    return server


@pytest.fixture
def server(api_queue: Queue) -> Iterator[ApiServer]:
    running = start_server(api_queue)
    yield running
    running.stop()


@pytest.fixture
def client(server: ApiServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=10,
                      headers={"Authorization": f"Bearer {TOKENS.full}"}) as http:
        yield http
