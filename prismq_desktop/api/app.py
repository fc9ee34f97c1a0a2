"""``create_app``: the FastAPI application over one ``Queue``, with the guard in front.

Routes are thin: they call ``Queue`` (the same operations as the GUI, so transactions,
validation and idempotency are identical) and the core's errors become HTTP answers here, in
one place, in PrismQ's shapes.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse

from prismq_desktop import __version__
from prismq_desktop.api import events, extra_routes, prismq_routes, schedule_routes
from prismq_desktop.api.config import ApiConfig
from prismq_desktop.api.deps import Writer
from prismq_desktop.api.fastpath import FastPath
from prismq_desktop.api.feed import ChangeFeed
from prismq_desktop.api.guard import Guard
from prismq_desktop.api.models import Detail
from prismq_desktop.core import (
    InvalidTransitionError,
    Queue,
    QueueBusyError,
    QueueDatabaseError,
    ReadOnlyError,
    ScheduleNotFoundError,
    SearchSyntaxError,
    TaskNotFoundError,
    ValidationError,
)

BUSY = "Queue is currently busy, please retry"
#: What any request may get besides its route's own answers (the guard's and the store's).
COMMON_ANSWERS: dict[int | str, dict[str, Any]] = {
    code: {"model": Detail, "description": text} for code, text in (
        (400, "Host header not this server's"), (401, "Missing or wrong token"),
        (403, "Read-only token, or the queue is open read-only"), (408, "Body too slow"),
        (413, "Body too large"), (503, BUSY))}
DESCRIPTION = """PrismQ's queue endpoints (`/api/queue/...`, as the PrismQ backend serves them)
and PrismQ Desktop's own (`/api/...`). Every request needs `Authorization: Bearer TOKEN`
(`prismq-desktop serve` prints it; the read-only token may only GET).

Differences from the PrismQ backend: cancel sets `cancelled` (not `failed`); a cancel of a
finished task answers 200 with its status and a message (as PrismQ does; 409 would be more
correct); two requests racing on one idempotency key both get the one task (never a 500)."""


def create_app(queue: Queue, config: ApiConfig | None = None) -> FastAPI:
    config = config or ApiConfig()
    # telemetry off: its per-request check of OpenTelemetry's providers is pure cost here
    app = FastAPI(title="PrismQ Desktop API", version=__version__, description=DESCRIPTION,
                  telemetry={"tracing": False, "metrics": False, "logs": False})
    app.state.queue = queue
    app.state.feed = ChangeFeed(queue, config.feed_interval_s)
    app.state.writer = Writer()
    for module in (prismq_routes, extra_routes, schedule_routes, events):
        app.include_router(module.router, responses=COMMON_ANSWERS)
    answers = _error_answers()
    for kind, handler in answers.items():
        app.add_exception_handler(kind, handler)
    # the last added runs first: CORS, then the guard, then the fast path, then FastAPI
    app.add_middleware(FastPath, queue=queue, writer=app.state.writer, handlers=answers)
    app.add_middleware(Guard, config=config)
    if config.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=list(config.cors_origins),
                           allow_methods=["GET", "POST"],
                           allow_headers=["Authorization", "Content-Type", "Last-Event-ID"])
    app.openapi = lambda: _openapi(app, config)  # type: ignore[method-assign]
    return app


def _detail(status: int, detail: str, **headers: str) -> JSONResponse:
    return JSONResponse({"detail": detail}, status_code=status, headers=headers or None)


def _error_answers() -> dict[type[Exception], Any]:
    """The core's errors as HTTP answers, in PrismQ's shapes."""
    async def not_found(request: Request, exc: Exception) -> JSONResponse:
        task_id = request.path_params.get("task_id")
        return _detail(404, f"Task {task_id} not found"
                       if task_id is not None and isinstance(exc, TaskNotFoundError)
                       else str(exc))

    async def invalid(request: Request, exc: Exception) -> JSONResponse:
        where = ["query", "q"] if isinstance(exc, SearchSyntaxError) else ["body"]
        return JSONResponse(status_code=422, content={"detail": [
            {"type": "value_error", "loc": where, "msg": str(exc), "input": None}]})

    async def busy(_request: Request, _exc: Exception) -> JSONResponse:
        return _detail(503, BUSY, **{"Retry-After": "1"})

    async def refused(_request: Request, exc: Exception) -> JSONResponse:
        return _detail(409, str(exc))

    async def read_only(_request: Request, exc: Exception) -> JSONResponse:
        return _detail(403, f"The queue is open read-only: {exc}")

    async def failed(_request: Request, exc: Exception) -> JSONResponse:
        return _detail(500, f"Database error: {exc}")

    return {TaskNotFoundError: not_found, ScheduleNotFoundError: not_found,
            ValidationError: invalid, QueueBusyError: busy, InvalidTransitionError: refused,
            ReadOnlyError: read_only, QueueDatabaseError: failed}


def _openapi(app: FastAPI, config: ApiConfig) -> dict[str, Any]:
    """FastAPI's document plus the bearer scheme (the docs page's Authorize button)."""
    if app.openapi_schema is None:
        from fastapi.openapi.utils import get_openapi

        schema = get_openapi(title=app.title, version=app.version,
                             description=app.description, routes=app.routes)
        if config.tokens is not None:
            schema.setdefault("components", {})["securitySchemes"] = {
                "bearer": {"type": "http", "scheme": "bearer"}}
            schema["security"] = [{"bearer": []}]
        app.openapi_schema = schema
    return app.openapi_schema
