"""Schedules over HTTP: list, pause, resume, run now; an unknown name is 404."""

from __future__ import annotations

import httpx

from prismq_desktop.core import Queue


def test_list_pause_resume_and_run_now(client: httpx.Client, api_queue: Queue) -> None:
    assert client.get("/api/schedules").json() == []
    api_queue.add_schedule("nightly", "30 2 * * *", "report", {"days": 1})
    [listed] = client.get("/api/schedules").json()
    assert (listed["name"], listed["type"], listed["payload"], listed["paused"]) == \
        ("nightly", "report", {"days": 1}, False)
    assert listed["next_run_utc"].endswith("Z") and "02:30" in listed["description"]
    assert client.post("/api/schedules/nightly/pause").json()["paused"] is True
    assert api_queue.schedule("nightly").paused
    assert client.post("/api/schedules/nightly/resume").json()["paused"] is False
    made = client.post("/api/schedules/nightly/run-now")
    assert made.status_code == 201
    assert api_queue.get(made.json()["task_id"]).type == "report"
    search = client.get("/api/tasks", params={"q": listed["tasks_search"]}).json()
    assert [task["task_id"] for task in search["tasks"]] == [made.json()["task_id"]]


def test_unknown_schedule_is_404(client: httpx.Client) -> None:
    for action in ("pause", "resume", "run-now"):
        answer = client.post(f"/api/schedules/nope/{action}")
        assert answer.status_code == 404 and "nope" in answer.json()["detail"]
