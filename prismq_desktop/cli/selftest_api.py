"""The self-test's HTTP API step: one request end to end through a real server on loopback,
when the ``[api]`` extra is installed (the exe includes it); a build without it says so."""

from __future__ import annotations

import http.client
import json
from pathlib import Path

#: What the ``[api]`` extra installs: without one of them the step is skipped, not failed.
EXTRA = ("fastapi", "uvicorn", "starlette", "pydantic", "pydantic_core", "anyio")


def http_api(db_path: Path) -> str:
    from prismq_desktop.cli.selftest import StepFailed

    try:
        from prismq_desktop.api import ApiConfig, ApiServer, Tokens
    except ModuleNotFoundError as exc:
        if (exc.name or "").split(".")[0] in EXTRA:
            return f"skipped: {exc.name} is not installed (pip install 'prismq-desktop[api]')"
        raise StepFailed(f"the API needs {exc.name}, missing from this build") from exc
    from prismq_desktop.core import Queue

    with Queue.open(db_path) as queue:
        server = ApiServer(queue, ApiConfig(port=0, tokens=Tokens("self-test", "read")))
        server.start()
        try:
            connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
            connection.request("POST", "/api/queue/enqueue", json.dumps({"type": "self-test"}),
                               {"Authorization": "Bearer self-test",
                                "Content-Type": "application/json"})
            answer = connection.getresponse()
            body = answer.read()
            connection.close()
        finally:
            server.stop()
        if answer.status != 201:
            raise StepFailed(f"POST /api/queue/enqueue answered {answer.status}: {body[:200]!r}")
        task_id = json.loads(body)["task_id"]
        if queue.get(task_id).type != "self-test":
            raise StepFailed(f"task #{task_id} is not the one the API enqueued")
    return f"POST /api/queue/enqueue on {server.url} made task #{task_id}"
