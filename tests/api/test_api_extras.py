"""This app's endpoints beyond PrismQ's: retry, logs with ``since``, search with sort and
paging, bulk actions with the expected count, counts, workers and the stats series."""

from __future__ import annotations

import httpx
import pytest

from prismq_desktop.core import Queue


def fill(queue: Queue, n: int, kind: str = "echo") -> list[int]:
    return [queue.enqueue(kind, {"n": i}, priority=i % 3).id for i in range(n)]


def test_retry_requeues_a_cancelled_task_and_refuses_a_waiting_one(client: httpx.Client,
                                                                   api_queue: Queue) -> None:
    task_id = fill(api_queue, 1)[0]
    refused = client.post(f"/api/queue/tasks/{task_id}/retry")
    assert refused.status_code == 409 and "queued" in refused.json()["detail"]
    api_queue.cancel(task_id)
    answer = client.post(f"/api/queue/tasks/{task_id}/retry")
    assert answer.status_code == 200 and answer.json()["status"] == "queued"
    assert api_queue.get(task_id).status == "queued"
    assert client.post("/api/queue/tasks/77/retry").status_code == 404


def test_logs_tail_with_since(client: httpx.Client, api_queue: Queue) -> None:
    task_id = fill(api_queue, 1)[0]
    api_queue.log(task_id, "INFO", "first", step=1)
    entries = client.get(f"/api/queue/tasks/{task_id}/logs").json()
    assert entries[-1]["message"] == "first" and entries[-1]["details"] == {"step": 1}
    last = entries[-1]["log_id"]
    assert client.get(f"/api/queue/tasks/{task_id}/logs", params={"since": last}).json() == []
    api_queue.log(task_id, "WARNING", "second")
    newer = client.get(f"/api/queue/tasks/{task_id}/logs", params={"since": last}).json()
    assert [entry["message"] for entry in newer] == ["second"]
    assert client.get("/api/queue/tasks/55/logs").status_code == 404


def test_search_sort_and_paging(client: httpx.Client, api_queue: Queue) -> None:
    ids = fill(api_queue, 7)
    fill(api_queue, 2, kind="other")
    seen: list[int] = []
    offset: int | None = 0
    while offset is not None:
        page = client.get("/api/tasks", params={"q": "type:echo", "sort": "id", "order": "asc",
                                                "offset": offset, "limit": 3}).json()
        seen += [task["task_id"] for task in page["tasks"]]
        offset = page["next_offset"]
    assert seen == ids
    high = client.get("/api/tasks", params={"q": "payload.n>=5"}).json()["tasks"]
    assert [task["task_id"] for task in high] == ids[:4:-1]
    assert client.get("/api/tasks/count", params={"type": "other"}).json() == {"count": 2}


def test_bad_search_and_sort_are_422(client: httpx.Client) -> None:
    answer = client.get("/api/tasks", params={"q": 'type:"open'})
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["loc"] == ["query", "q"]
    assert "character" in answer.json()["detail"][0]["msg"]
    assert client.get("/api/tasks", params={"sort": "payload"}).status_code == 422


@pytest.mark.parametrize(("action", "before", "after"), [("cancel", None, "cancelled"),
                                                           ("retry", "cancel", "queued")])
def test_bulk_needs_the_expected_count(client: httpx.Client, api_queue: Queue, action: str,
                                       before: str | None, after: str) -> None:
    ids = fill(api_queue, 5)
    fill(api_queue, 2, kind="other")
    if before:
        for task_id in ids:
            api_queue.cancel(task_id)
    wrong = client.post(f"/api/tasks/{action}", json={"type": ["echo"], "expected": 4})
    assert wrong.status_code == 409 and wrong.json()["matched"] == 5
    assert {api_queue.get(i).status for i in ids} == {"cancelled" if before else "queued"}
    done = client.post(f"/api/tasks/{action}", json={"type": ["echo"], "expected": 5})
    assert done.status_code == 200
    assert done.json()["done"] == 5 and done.json()["refused"] == {}
    assert {api_queue.get(i).status for i in ids} == {after}
    assert api_queue.count() == 7


def test_counts_workers_and_series(client: httpx.Client, api_queue: Queue) -> None:
    fill(api_queue, 3)
    api_queue.register_worker("w-1", {"region": "eu"})
    api_queue.claim("w-1")
    counts = client.get("/api/counts").json()
    assert counts["total"] == 3 and counts["counts"]["queued"] == 2
    assert counts["by_type"] == {"echo": {"queued": 2, "processing": 1}}
    workers = client.get("/api/workers").json()
    assert workers[0]["worker_id"] == "w-1" and workers[0]["active_tasks"] == 1
    assert workers[0]["capabilities"] == {"region": "eu"}
    series = client.get("/api/stats/series", params={"window": "15m"}).json()
    assert series["bucket_seconds"] == 15
    assert len(series["series"]["enqueued"]) == len(series["bucket_start"])
    assert sum(series["series"]["enqueued"]) == 3
    assert client.get("/api/stats/series", params={"window": "2y"}).status_code == 422
