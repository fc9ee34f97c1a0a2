"""``GET /api/events``: a change committed by another process reaches an open stream within
half a second, with the task's old and new status and the counts."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time

import httpx

from prismq_desktop.api import ApiServer
from prismq_desktop.core import Queue
from tests.api.conftest import TOKENS
from tests.support import wait_until

WRITER = """
import sys, time
from prismq_desktop.core import Queue
with Queue.open(sys.argv[1]) as queue:
    task = queue.enqueue("from-outside")
    print(time.time(), flush=True)
    sys.stdin.readline()
    queue.cancel(task.id)
    print(time.time(), flush=True)
"""


class Stream:
    """An open event stream read by a thread: (time received, event name, data)."""

    def __init__(self, server: ApiServer, headers: dict[str, str] | None = None) -> None:
        self.events: list[tuple[float, str, dict]] = []
        self._client = httpx.Client(timeout=httpx.Timeout(10, read=None))
        self._response = self._client.send(self._client.build_request(
            "GET", f"{server.url}/api/events",
            headers={"Authorization": f"Bearer {TOKENS.full}", **(headers or {})}),
            stream=True)
        assert self._response.status_code == 200
        assert self._response.headers["content-type"].startswith("text/event-stream")
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        name, data = "message", ""
        try:
            for line in self._response.iter_lines():
                if line.startswith("event: "):
                    name = line[7:]
                elif line.startswith("data: "):
                    data = line[6:]
                elif not line and data:
                    self.events.append((time.time(), name, json.loads(data)))
                    name, data = "message", ""
        except httpx.HTTPError:
            pass  # the stream was closed under us at the end of the test

    def named(self, name: str) -> list[tuple[float, dict]]:
        return [(at, data) for at, event, data in self.events if event == name]

    def close(self) -> None:
        # closing the response does not wake a thread blocked reading it: shut the socket
        sock = self._response.extensions["network_stream"].get_extra_info("socket")
        sock.shutdown(socket.SHUT_RDWR)
        self._response.close()
        self._client.close()
        self._thread.join(5)


def open_stream(server: ApiServer) -> Stream:
    stream = Stream(server)
    wait_until(lambda: stream.named("hello"), what="the hello event")
    return stream


def test_another_process_commit_arrives_within_half_a_second(server: ApiServer,
                                                             api_location: str) -> None:
    stream = open_stream(server)
    writer = subprocess.Popen([sys.executable, "-c", WRITER, api_location],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        enqueued_at = float(writer.stdout.readline())
        added = wait_until(lambda: [d for _, d in stream.named("task")
                                    if d["type"] == "from-outside"], what="the new task")
        writer.stdin.write("\n")
        writer.stdin.flush()
        cancelled_at = float(writer.stdout.readline())
        cancelled = wait_until(lambda: [(at, d) for at, d in stream.named("task")
                                        if d["new_status"] == "cancelled"], what="the cancel")
    finally:
        writer.communicate(timeout=10)
        stream.close()
    assert added[0]["new_status"] == "queued"
    first_seen = min(at for at, d in stream.named("task") if d["type"] == "from-outside")
    assert first_seen - enqueued_at < 0.5
    at, change = cancelled[0]
    assert (change["old_status"], change["new_status"]) == ("queued", "cancelled")
    assert at - cancelled_at < 0.5
    assert stream.named("counts")[-1][1]["counts"] == {"cancelled": 1}


def test_worker_transitions_and_resume_by_last_event_id(server: ApiServer,
                                                        api_queue: Queue) -> None:
    stream = open_stream(server)
    try:
        task = api_queue.enqueue("job")
        wait_until(lambda: stream.named("task"), what="the enqueue")
        api_queue.claim("w1")
        wait_until(lambda: any(d["new_status"] == "processing" for _, d in stream.named("task")),
                   what="the claim")
        last_id = len(stream.events)  # events so far, hello included
        api_queue.complete(task.id, "w1")
        wait_until(lambda: any(d["new_status"] == "completed" for _, d in stream.named("task")),
                   what="the completion")
    finally:
        stream.close()
    changes = [(d["old_status"], d["new_status"]) for _, d in stream.named("task")]
    assert changes == [(None, "queued"), ("queued", "processing"), ("processing", "completed")]
    resumed = Stream(server, {"Last-Event-ID": str(last_id - 1)})
    try:
        wait_until(lambda: resumed.named("task"), what="the missed events")
    finally:
        resumed.close()
    assert resumed.named("hello") == []
    assert resumed.named("task")[0][1]["new_status"] == "completed"
