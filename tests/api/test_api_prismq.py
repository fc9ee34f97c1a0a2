"""PrismQ's five endpoints, field for field (DESIGN §13): what a client written for the
PrismQ backend sends and reads, including its validation failures."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import httpx
import pytest

from prismq_desktop.core import Queue

ISO_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")
TASK_FIELDS = ["task_id", "type", "status", "priority", "attempts", "max_attempts", "payload",
               "compatibility", "error_message", "created_at_utc", "processing_started_utc",
               "finished_at_utc", "locked_by"]


def enqueue(client: httpx.Client, **body: object) -> httpx.Response:
    return client.post("/api/queue/enqueue", json={"type": "youtube_search", **body})


def test_enqueue_answers_201_with_prismq_fields_and_defaults(client: httpx.Client,
                                                             api_queue: Queue) -> None:
    answer = enqueue(client)
    assert answer.status_code == 201
    body = answer.json()
    assert list(body) == ["task_id", "status", "created_at_utc", "message"]
    assert body["status"] == "queued" and body["message"] == "Task enqueued successfully"
    assert ISO_Z.match(body["created_at_utc"])
    task = api_queue.get(body["task_id"])
    assert (task.priority, task.max_attempts, task.payload_data, task.compatibility_data) == \
        (100, 5, {}, {})


def test_enqueue_stores_every_field(client: httpx.Client, api_queue: Queue) -> None:
    later = datetime.now(timezone.utc) + timedelta(hours=1)
    body = enqueue(client, priority=7, payload={"query": "AI"}, compatibility={"region": "eu"},
                   max_attempts=10, run_after_utc=later.isoformat(),
                   idempotency_key="s-1").json()
    task = api_queue.get(body["task_id"])
    assert (task.type, task.priority, task.max_attempts, task.idempotency_key) == \
        ("youtube_search", 7, 10, "s-1")
    assert task.payload_data == {"query": "AI"} and task.compatibility_data == {"region": "eu"}
    assert task.time("run_after_utc") >= later.replace(microsecond=0)


def test_naive_run_after_means_utc(client: httpx.Client, api_queue: Queue) -> None:
    body = enqueue(client, run_after_utc="2030-01-02 03:04:05").json()
    assert api_queue.get(body["task_id"]).time("run_after_utc") == \
        datetime(2030, 1, 2, 3, 4, 5, tzinfo=timezone.utc)


def test_known_idempotency_key_replays_the_first_answer(client: httpx.Client,
                                                        api_queue: Queue) -> None:
    first = enqueue(client, idempotency_key="k-1").json()
    again = enqueue(client, idempotency_key="k-1", priority=3)
    assert again.status_code == 201
    assert again.json()["task_id"] == first["task_id"]
    assert again.json()["status"] == "queued"
    assert "already exists" in again.json()["message"]
    assert api_queue.count() == 1


@pytest.mark.parametrize(("body", "field"), [
    ({"type": ""}, "type"), ({"type": "   "}, "type"), ({"type": "x", "priority": 0}, "priority"),
    ({"type": "x", "priority": 1001}, "priority"), ({"type": "x", "max_attempts": 11},
                                                     "max_attempts"),
    ({"type": "x", "max_attempts": 0}, "max_attempts"), ({}, "type"),
    ({"type": "x", "payload": [1, 2]}, "payload"), ({"type": "x", "run_after_utc": "soon"},
                                                     "run_after_utc"),
])
def test_enqueue_validation_is_422_naming_the_field(client: httpx.Client, api_queue: Queue,
                                                    body: dict, field: str) -> None:
    answer = client.post("/api/queue/enqueue", json=body)
    assert answer.status_code == 422
    problems = answer.json()["detail"]
    assert any(problem["loc"] == ["body", field] and problem["msg"] for problem in problems)
    assert api_queue.count() == 0


def test_task_status_fields_in_prismq_order_then_ours(client: httpx.Client) -> None:
    task_id = enqueue(client, payload={"a": 1}).json()["task_id"]
    body = client.get(f"/api/queue/tasks/{task_id}").json()
    assert list(body)[: len(TASK_FIELDS)] == TASK_FIELDS
    assert {"run_after_utc", "idempotency_key"} <= set(body)
    assert body["payload"] == {"a": 1} and body["compatibility"] == {}
    assert isinstance(body["priority"], int) and body["attempts"] == 0
    assert ISO_Z.match(body["created_at_utc"]) and body["finished_at_utc"] is None


def test_unknown_task_is_404_with_prismq_detail(client: httpx.Client) -> None:
    for path in ("/api/queue/tasks/999", "/api/queue/tasks/999/cancel"):
        call = client.post if path.endswith("cancel") else client.get
        answer = call(path)
        assert answer.status_code == 404
        assert answer.json() == {"detail": "Task 999 not found"}


@pytest.mark.parametrize("path", ["/api/queue/tasks/abc", "/api/queue/tasks/1.5"])
def test_non_integer_id_is_422(client: httpx.Client, path: str) -> None:
    answer = client.get(path)
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["loc"] == ["path", "task_id"]


def test_cancel_goes_to_cancelled_and_a_finished_task_says_why(client: httpx.Client,
                                                               api_queue: Queue) -> None:
    task_id = enqueue(client).json()["task_id"]
    answer = client.post(f"/api/queue/tasks/{task_id}/cancel")
    assert answer.status_code == 200
    assert answer.json() == {"task_id": task_id, "status": "cancelled",
                             "message": "Task cancelled successfully"}
    assert api_queue.get(task_id).status == "cancelled"
    again = client.post(f"/api/queue/tasks/{task_id}/cancel")
    assert again.status_code == 200
    assert again.json()["status"] == "cancelled" and "cannot cancel" in again.json()["message"]


def test_list_newest_first_with_filters_and_limit(client: httpx.Client,
                                                  api_queue: Queue) -> None:
    ids = [enqueue(client, type=kind).json()["task_id"] for kind in ("a", "b", "a", "a")]
    api_queue.cancel(ids[0])
    listed = client.get("/api/queue/tasks").json()
    assert [task["task_id"] for task in listed] == ids[::-1]
    assert list(listed[0])[: len(TASK_FIELDS)] == TASK_FIELDS
    only_a = client.get("/api/queue/tasks", params={"type": "a", "limit": 1}).json()
    assert [task["task_id"] for task in only_a] == [ids[3]]
    queued = client.get("/api/queue/tasks", params={"status": "queued"}).json()
    assert [task["task_id"] for task in queued] == ids[:0:-1]
    assert client.get("/api/queue/tasks", params={"status": "nonsense"}).json() == []


def test_list_counts_scheduled_tasks_as_queued(client: httpx.Client) -> None:
    task_id = enqueue(client, run_after_utc="2099-01-01T00:00:00Z").json()["task_id"]
    queued = client.get("/api/queue/tasks", params={"status": "queued"}).json()
    assert [task["task_id"] for task in queued] == [task_id]


@pytest.mark.parametrize("limit", [0, 1001, "x"])
def test_list_limit_out_of_range_is_422(client: httpx.Client, limit: object) -> None:
    answer = client.get("/api/queue/tasks", params={"limit": limit})
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["loc"] == ["query", "limit"]


def test_stats_fields_and_counts(client: httpx.Client, api_queue: Queue) -> None:
    empty = client.get("/api/queue/stats").json()
    assert list(empty)[:6] == ["total_tasks", "queued_tasks", "processing_tasks",
                               "completed_tasks", "failed_tasks", "oldest_queued_age_seconds"]
    assert empty["total_tasks"] == 0 and empty["oldest_queued_age_seconds"] is None
    for kind in ("a", "b", "c"):
        enqueue(client, type=kind)
    enqueue(client, type="later", run_after_utc="2099-01-01T00:00:00Z")
    claimed = api_queue.claim("w1")
    assert claimed is not None
    api_queue.complete(claimed.id, "w1")
    api_queue.claim("w1")
    stats = client.get("/api/queue/stats").json()
    assert (stats["total_tasks"], stats["queued_tasks"], stats["processing_tasks"],
            stats["completed_tasks"], stats["failed_tasks"]) == (4, 2, 1, 1, 0)
    assert stats["scheduled_tasks"] == 1
    assert 0 <= stats["oldest_queued_age_seconds"] < 60


@pytest.mark.parametrize(("body", "field"), [
    ({"type": "x", "idempotency_key": "a\u0000b"}, "idempotency_key"),
    ({"type": "x", "payload": {"k": ["a\u0000"]}}, "payload"),
])
def test_nul_characters_are_422_on_every_backend(client: httpx.Client, api_queue: Queue,
                                                 body: dict, field: str) -> None:
    answer = client.post("/api/queue/enqueue", json=body)
    assert answer.status_code == 422 and answer.json()["detail"][0]["loc"] == ["body", field]
    listed = client.get("/api/queue/tasks", params={"type": "a\u0000"})
    assert listed.status_code == 422 and listed.json()["detail"][0]["loc"] == ["query", "type"]
    assert api_queue.count() == 0
