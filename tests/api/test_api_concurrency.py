"""Eight clients at once, each with its own connection, send one idempotency key: one row,
and every client gets its id (PrismQ's backend answers some of them 500)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import httpx

from prismq_desktop.api import ApiServer
from prismq_desktop.core import Queue
from tests.api.conftest import TOKENS

CLIENTS = 8


def test_eight_clients_one_key_one_row(server: ApiServer, api_queue: Queue) -> None:
    barrier = threading.Barrier(CLIENTS)

    def send(index: int) -> httpx.Response:
        with httpx.Client(base_url=server.url,
                          headers={"Authorization": f"Bearer {TOKENS.full}"}) as http:
            http.get("/api/queue/stats")  # connected before the race starts
            barrier.wait()
            return http.post("/api/queue/enqueue", json={
                "type": "race", "payload": {"client": index}, "idempotency_key": "one"})

    for round_ in range(5):
        with ThreadPoolExecutor(CLIENTS) as pool:
            answers = list(pool.map(send, range(CLIENTS)))
        assert [a.status_code for a in answers] == [201] * CLIENTS
        assert len({a.json()["task_id"] for a in answers}) == 1
        messages = [a.json()["message"] for a in answers]
        assert messages.count("Task enqueued successfully") == (1 if round_ == 0 else 0)
        assert api_queue.count() == 1
