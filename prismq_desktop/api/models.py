"""Request and response bodies, declared once: PrismQ's five endpoints field for field
(DESIGN §13, seed 004), then this app's own.

Responses are built as plain dicts by api/convert.py; these models give the OpenAPI document
(and schemathesis) their shape.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field, field_validator

from prismq_desktop.core.validation import MAX_KEY_LENGTH, MAX_TYPE_LENGTH, has_nul

Time = str | None
TIME = "ISO 8601 UTC with Z (null when unset)"


class EnqueueRequest(BaseModel):
    type: str = Field(..., max_length=MAX_TYPE_LENGTH, description="Task type (not blank)",
                      examples=["youtube_search"])
    priority: int = Field(100, ge=1, le=1000, description="Lower runs first")
    payload: dict[str, Any] = Field(default_factory=dict)
    compatibility: dict[str, Any] = Field(
        default_factory=dict, description="Worker capabilities this task needs")
    max_attempts: int = Field(5, ge=1, le=10)
    run_after_utc: datetime | None = Field(
        None, description="Not before this time (ISO 8601; without an offset: UTC)")
    idempotency_key: str | None = Field(
        None, max_length=MAX_KEY_LENGTH,
        description="A known key returns the existing task and creates nothing")

    @field_validator("type")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("type must not be blank")
        return value

    @field_validator("idempotency_key", "payload", "compatibility")
    @classmethod
    def _storable(cls, value: Any) -> Any:
        return no_nul(value)


def no_nul(value: Any) -> Any:
    """Refuse U+0000 anywhere in text or JSON (core refuses it too; here the answer names
    the field, as pydantic's other checks do)."""
    if has_nul(value):
        raise ValueError("must not contain NUL characters (U+0000)")
    return value


class EnqueueResponse(BaseModel):
    task_id: int
    status: str
    created_at_utc: Time = Field(description=TIME)
    message: str


class TaskResponse(BaseModel):
    task_id: int
    type: str
    status: str
    priority: Any
    attempts: Any
    max_attempts: Any
    payload: Any = Field(description="The payload; stored text when it is not valid JSON")
    compatibility: Any
    error_message: str | None
    created_at_utc: Time = Field(description=TIME)
    processing_started_utc: Time
    finished_at_utc: Time
    locked_by: str | None
    run_after_utc: Time
    idempotency_key: str | None
    lease_until_utc: Time
    reserved_at_utc: Time
    updated_at_utc: Time


class ActionResponse(BaseModel):
    """Cancel and retry: the task's status afterwards and what happened."""

    task_id: int
    status: str
    message: str


class StatsResponse(BaseModel):
    total_tasks: int
    queued_tasks: int = Field(description="Waiting, including scheduled ones")
    processing_tasks: int
    completed_tasks: int
    failed_tasks: int
    oldest_queued_age_seconds: float | None = Field(
        description="Seconds since the oldest waiting task was created")
    leased_tasks: int
    scheduled_tasks: int = Field(description="Waiting for a run-after time (part of queued)")
    cancelled_tasks: int
    dead_letter_tasks: int


class Detail(BaseModel):
    detail: str


class LogEntry(BaseModel):
    log_id: int
    task_id: int
    at_utc: Time
    level: Any
    message: Any
    details: Any


class TaskPage(BaseModel):
    tasks: list[TaskResponse]
    offset: int
    limit: int
    next_offset: int | None = Field(description="Ask again from here; null at the end")


class CountResponse(BaseModel):
    count: int


class BulkRequest(BaseModel):
    q: str = Field("", description="Search text in the app's query language")
    status: list[str] = Field(default_factory=list, description="Statuses (any of)")
    type: list[str] = Field(default_factory=list, description="Task types (any of)")

    @field_validator("q", "status", "type")
    @classmethod
    def _storable(cls, value: Any) -> Any:
        return no_nul(value)

    expected: int = Field(..., ge=0, description=(
        "How many tasks you expect the action to touch (count them first with GET "
        "/api/tasks/count); when the filter now matches a different number, nothing changes "
        "and the answer is 409 with the new count"))


class BulkResponse(BaseModel):
    action: str
    total: int
    done: int
    refused: dict[str, int]
    summary: str


class CountsResponse(BaseModel):
    total: int
    counts: dict[str, int] = Field(description="Per status; scheduled split out of queued")
    by_type: dict[str, dict[str, int]]


class WorkerResponse(BaseModel):
    worker_id: str
    capabilities: Any
    heartbeat_utc: Time
    heartbeat_age_seconds: float | None
    active_tasks: int
    completed_recently: int
    failed_recently: int
    registered: bool


class SeriesResponse(BaseModel):
    window: str
    bucket_seconds: int
    bucket_start: list[float]
    series: dict[str, list[float | None]]


class ScheduleResponse(BaseModel):
    name: str
    cron: str
    description: str
    type: str
    payload: Any
    priority: int
    max_attempts: int
    timezone: str
    catch_up: str
    paused: bool
    next_run_utc: Time
    last_run_utc: Time
    last_task_id: int | None
    last_task_status: str | None
    tasks_search: str = Field(description="Search text (q) that finds this schedule's tasks")
