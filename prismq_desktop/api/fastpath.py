"""The two requests a busy client sends most (enqueue, a task's status), answered as plain
ASGI in front of FastAPI.

FastAPI's own work per request (routing through every route, solving dependencies, parsing
the content type with ``email``, validating and serialising the response model, telemetry)
costs several times the queue call itself (measured in benchmarks/api_bench.py and the
README). Here only a valid request with nothing unusual about it is answered: the body is
checked by the same model (``EnqueueRequest``, after ``json.loads`` as FastAPI does), the
same ``Queue`` call runs on the same writer thread, the answer is built by the same function
as the route's, and a core error gets the app's own exception handler. Anything else (bad
JSON, a failed check, another content type, a path FastAPI would parse differently) goes on
to FastAPI untouched, so its 422 bodies, its 404s and the OpenAPI document stay the one
definition. tests/api/test_api_fastpath.py checks both ways answer alike.
"""

from __future__ import annotations

import json
import re
from typing import Any

from pydantic import ValidationError as ModelError
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from prismq_desktop.api.deps import Writer
from prismq_desktop.api.models import EnqueueRequest
from prismq_desktop.api.prismq_routes import ENQUEUE_PATH, TASK_PREFIX, enqueued, status_of
from prismq_desktop.core import Queue

#: A task id as a client writes it (anything else, such as "+7" or "007", FastAPI parses).
PLAIN_ID = re.compile(r"[1-9][0-9]{0,17}")
JSON_HEADERS = [(b"content-type", b"application/json")]


class FastPath:
    def __init__(self, app: ASGIApp, queue: Queue, writer: Writer,
                 handlers: dict[Any, Any]) -> None:
        self.app = app
        self.queue = queue
        self.writer = writer
        self.handlers = handlers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path, method = scope["path"], scope["method"]
            if method == "GET" and path.startswith(TASK_PREFIX) \
                    and PLAIN_ID.fullmatch(path, len(TASK_PREFIX)):
                if await self._status(int(path[len(TASK_PREFIX):]), send):
                    return
            elif method == "POST" and path == ENQUEUE_PATH and _json_body(scope):
                message = await receive()
                body = self._valid(message.get("body", b"")) \
                    if message["type"] == "http.request" and not message.get("more_body") \
                    else None
                if body is not None:
                    await self._enqueue(scope, body, send)
                    return
                receive = _replay(message, receive)
        await self.app(scope, receive, send)

    async def _status(self, task_id: int, send: Send) -> bool:
        try:
            answer = status_of(self.queue, task_id)
        except Exception:  # noqa: BLE001 (FastAPI answers it: 404, 503, ...)
            return False
        await _send_json(send, 200, answer)
        return True

    @staticmethod
    def _valid(raw: bytes) -> EnqueueRequest | None:
        try:
            return EnqueueRequest.model_validate(json.loads(raw))
        except (ValueError, ModelError):  # FastAPI says what is wrong, in its own shape
            return None

    async def _enqueue(self, scope: Scope, body: EnqueueRequest, send: Send) -> None:
        try:
            answer = await enqueued(self.queue, self.writer, body)
        except Exception as exc:
            handler = next((self.handlers[kind] for kind in type(exc).__mro__
                            if kind in self.handlers), None)
            if handler is None:
                raise
            response = await handler(Request(scope), exc)
            await response(scope, _no_receive, send)
            return
        await _send_json(send, 201, answer)


def _json_body(scope: Scope) -> bool:
    """The request says its body is JSON (FastAPI's other cases are left to it)."""
    for key, value in scope["headers"]:
        if key == b"content-type":
            return value.lower() in (b"application/json", b"application/json; charset=utf-8")
    return False


async def _send_json(send: Send, status: int, content: Any) -> None:
    """As Starlette's JSONResponse renders it, without building the response object."""
    body = json.dumps(content, ensure_ascii=False, allow_nan=False, indent=None,
                      separators=(",", ":")).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-length", str(len(body)).encode()), *JSON_HEADERS]})
    await send({"type": "http.response.body", "body": body})


def _replay(message: Any, then: Receive) -> Receive:
    """The body message read here, handed on first; then the server's receive again."""
    sent = False

    async def receive() -> Any:
        nonlocal sent
        if sent:
            return await then()
        sent = True
        return message
    return receive


async def _no_receive() -> Any:
    raise RuntimeError("an error answer reads nothing")
