"""api/fastpath.py answers enqueue and a task's status without FastAPI: over real HTTP its
answers are byte for byte FastAPI's, and whatever it does not handle reaches FastAPI."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest

from prismq_desktop.api.deps import Writer
from prismq_desktop.api.fastpath import FastPath
from prismq_desktop.core import Queue, TaskQuery

FAST = {"Content-Type": "application/json"}
#: Another spelling of JSON's content type, which the fast path leaves to FastAPI.
TO_FASTAPI = {"Content-Type": "application/json;charset=UTF-8"}
BODY = {"type": "ünï", "priority": 7, "payload": {"x": 1.5, "big": 1e20, "s": "é\u2028"},
        "compatibility": {"region": "eu"}, "max_attempts": 3,
        "run_after_utc": "2030-01-02 03:04:05"}


def post(client: httpx.Client, body: dict[str, Any], fast: bool) -> httpx.Response:
    return client.post("/api/queue/enqueue", content=json.dumps(body),
                       headers=FAST if fast else TO_FASTAPI)


def same(one: httpx.Response, other: httpx.Response) -> None:
    assert (one.status_code, one.content) == (other.status_code, other.content)
    assert {k: v for k, v in one.headers.items() if k != "date"} == \
        {k: v for k, v in other.headers.items() if k != "date"}


def test_status_answers_as_fastapi_does(client: httpx.Client) -> None:
    task_id = post(client, BODY, fast=True).json()["task_id"]
    # "0N" is a spelling FastAPI parses and the fast path leaves to it
    same(client.get(f"/api/queue/tasks/{task_id}"), client.get(f"/api/queue/tasks/0{task_id}"))
    unknown = client.get("/api/queue/tasks/999")  # FastAPI's answer: the fast path steps aside
    assert (unknown.status_code, unknown.json()) == (404, {"detail": "Task 999 not found"})


def test_enqueue_answers_as_fastapi_does(client: httpx.Client, api_queue: Queue) -> None:
    fast = post(client, {**BODY, "idempotency_key": "a"}, fast=True)
    slow = post(client, {**BODY, "idempotency_key": "b"}, fast=False)
    assert fast.status_code == slow.status_code == 201
    assert fast.json()["task_id"] != slow.json()["task_id"]
    first, second = (api_queue.get(answer.json()["task_id"]) for answer in (fast, slow))
    stored = ("type", "priority", "payload", "compatibility", "max_attempts", "run_after_utc")
    assert [getattr(first, name) for name in stored] == [getattr(second, name) for name in stored]
    for key in ("a", "b"):  # a replay answers alike both ways
        same(post(client, {**BODY, "idempotency_key": key}, fast=True),
             post(client, {**BODY, "idempotency_key": key}, fast=False))


@pytest.mark.parametrize("body", [
    {**BODY, "priority": 0},  # the model's check: FastAPI's 422
    {**BODY, "type": " "},
    {"payload": {}},
    {**BODY, "payload": {"text": "x" * 1_100_000}},  # the core's check: the app's 422
])
def test_refusals_answer_as_fastapi_does(client: httpx.Client, api_queue: Queue,
                                         body: dict[str, Any]) -> None:
    same(post(client, body, fast=True), post(client, body, fast=False))
    assert api_queue.list(TaskQuery(), limit=1) == []


def test_only_what_it_cannot_answer_reaches_fastapi(api_queue: Queue) -> None:
    reached: list[str] = []

    async def fastapi(scope: Any, receive: Any, send: Any) -> None:
        reached.append(f"{scope['method']} {scope['path']}")
        await send({"type": "http.response.start", "status": 418, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    async def request(method: str, path: str, body: bytes = b"") -> int:
        headers = [(b"content-type", b"application/json")] if body else []
        scope = {"type": "http", "method": method, "path": path, "headers": headers}
        answers: list[Any] = []

        async def receive() -> Any:
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message: Any) -> None:
            answers.append(message)
        await app(scope, receive, send)
        return int(answers[0]["status"])

    writer = Writer()
    app = FastPath(fastapi, queue=api_queue, writer=writer, handlers={})
    try:
        assert asyncio.run(request("POST", "/api/queue/enqueue", b'{"type": "t"}')) == 201
        assert asyncio.run(request("GET", "/api/queue/tasks/1")) == 200
        assert reached == []
        for method, path, body in [("POST", "/api/queue/enqueue", b'{"type": ""}'),
                                   ("POST", "/api/queue/enqueue", b"{"),
                                   ("GET", "/api/queue/tasks/2", b""),
                                   ("GET", "/api/queue/tasks/+1", b""),
                                   ("GET", "/api/queue/stats", b"")]:
            assert asyncio.run(request(method, path, body)) == 418
        assert len(reached) == 5
    finally:
        writer.close()
