"""Realistic made-up queue history for the demo, benchmarks and tests, on any backend.

A week of tasks with a daily rhythm, several types with their own run times and failure
modes, retries, cancellations, a live tail of queued, scheduled and running tasks, with log
rows and per-attempt runs, so every view has something true to show. This module draws the
rows; a backend writes them in bulk (core/sqlite/sample_data.py).
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from prismq_desktop.core import timeutil


@dataclass(frozen=True)
class TypeProfile:
    """How one kind of task behaves: share of traffic, run time, failures, payloads."""

    name: str
    share: float
    mean_run_s: float
    failure_rate: float
    errors: tuple[str, ...]
    payloads: tuple[dict[str, Any], ...]


DEMO_TYPES: tuple[TypeProfile, ...] = (
    TypeProfile("youtube_search", 0.4, 2.5, 0.04, (
        "HTTP 429 Too Many Requests from youtube.googleapis.com (quota exceeded)",
        "TimeoutError: read timed out after 30 s",
    ), ({"query": "AI trends", "max_results": 50}, {"query": "rust vs go", "max_results": 25},
        {"query": "home espresso", "max_results": 10})),
    TypeProfile("reddit_scrape", 0.3, 4.0, 0.06, (
        "RedditAPIException: RATELIMIT: you are doing that too much, try again in 9 minutes",
        "ConnectionResetError: [Errno 104] Connection reset by peer",
    ), ({"subreddit": "MachineLearning", "limit": 100}, {"subreddit": "programming",
        "limit": 50})),
    TypeProfile("transcode", 0.15, 40.0, 0.08, (
        "ffmpeg exited with code 1: Invalid data found when processing input",
        "OSError: [Errno 28] No space left on device: '/scratch/out.mp4'",
    ), ({"path": "/media/in/interview.mov", "format": "mp4", "size_mb": 812},
        {"path": "/media/in/talk.mkv", "format": "webm", "size_mb": 2048})),
    TypeProfile("thumbnail", 0.15, 0.6, 0.01, (
        "PIL.UnidentifiedImageError: cannot identify image file",
    ), ({"path": "/media/in/cover.png", "format": "jpeg", "width": 320},)),
)
DEMO_WORKERS = ("demo-worker-1", "demo-worker-2", "gpu-box-eu")
#: The task_queue columns of :func:`columns`' tuples, in order.
COLUMNS = (
    "type", "priority", "payload", "compatibility", "status", "max_attempts", "run_after_utc",
    "idempotency_key", "created_at_utc", "updated_at_utc", "attempts", "reserved_at_utc",
    "processing_started_utc", "finished_at_utc", "locked_by", "error_message",
    "lease_until_utc",
)
Planned = tuple[TypeProfile, datetime, dict[str, Any]]
def _daily_weight(moment: datetime) -> float:
    """Traffic by hour of day: quiet at night, busy in working hours."""
    hour = moment.hour + moment.minute / 60
    return 0.25 + math.exp(-((hour - 14.0) ** 2) / 18.0)


def _created_times(
    rng: random.Random, count: int, start: datetime, end: datetime
) -> list[datetime]:
    span = (end - start).total_seconds()
    times: list[datetime] = []
    while len(times) < count:
        moment = start + timedelta(seconds=rng.random() * span)
        if rng.random() * 1.25 < _daily_weight(moment):
            times.append(moment)
    return sorted(times)


def _task_rows(rng: random.Random, count: int, days: float,
               now: datetime) -> Iterator[Planned]:
    weights = [profile.share for profile in DEMO_TYPES]
    for created in _created_times(rng, count, now - timedelta(days=days), now):
        profile = rng.choices(DEMO_TYPES, weights)[0]
        yield profile, created, _outcome(rng, profile, created, now)


def _outcome(rng: random.Random, profile: TypeProfile, created: datetime,
             now: datetime) -> dict[str, Any]:
    wait = rng.expovariate(1 / 3.0)
    run = rng.lognormvariate(math.log(profile.mean_run_s), 0.6)
    started = created + timedelta(seconds=wait)
    finished = started + timedelta(seconds=run)
    roll = rng.random()
    if roll < 0.01 and finished < now:
        return {"status": "cancelled", "started": None, "finished": started, "attempts": 0}
    if started > now:
        return {"status": "queued", "started": None, "finished": None, "attempts": 0}
    if finished > now:
        return {"status": "processing", "started": started, "finished": None, "attempts": 1,
                "run": run}
    failed = roll < profile.failure_rate
    attempts = 5 if failed else (2 if roll < profile.failure_rate * 3 else 1)
    return {"status": "failed" if failed else "completed", "started": started,
            "finished": finished, "attempts": attempts, "run": run, "wait": wait}


def columns(rng: random.Random, profile: TypeProfile, created: datetime, out: dict[str, Any],
             now: datetime) -> tuple[Any, ...]:
    text = timeutil.to_db
    worker = rng.choice(DEMO_WORKERS) if out["started"] else None
    out["worker"] = worker
    error = rng.choice(profile.errors) if out["status"] == "failed" else None
    out["error"] = error
    payload = dict(rng.choice(profile.payloads))
    compat = {"region": "eu"} if worker == "gpu-box-eu" else {}
    lease = text(now + timedelta(seconds=30)) if out["status"] == "processing" else None
    run_after = out.get("run_after", created)
    return (
        profile.name, rng.choice((10, 50, 100, 100, 100, 200)), json.dumps(payload),
        json.dumps(compat), out["status"], 5, text(run_after), None, text(created),
        text(out["finished"] or out["started"] or created), out["attempts"],
        text(out["started"]) if out["started"] else None,
        text(out["started"]) if out["started"] else None,
        text(out["finished"]) if out["finished"] else None, worker, error, lease,
    )


def log_entries(task_id: int, created: datetime, out: dict[str, Any]) -> list[tuple[Any, ...]]:
    text = timeutil.to_db
    entries: list[tuple[Any, ...]] = []
    if out["started"]:
        entries.append((task_id, text(out["started"]), "INFO",
                        f"claimed by {out['worker']} and started (attempt {out['attempts']}/5)"))
    if out["status"] == "completed":
        entries.append((task_id, text(out["finished"]), "INFO",
                        f"completed in {out['run'] * 1000:.0f} ms"))
    elif out["status"] == "failed":
        entries.append((task_id, text(out["finished"]), "ERROR",
                        f"failed (attempt 5/5): {out['error']}"))
    elif out["status"] == "cancelled":
        entries.append((task_id, text(out["finished"]), "WARNING", "cancelled"))
    return entries


def plan(tasks: int, days: float, now: datetime, *, seed: int = 7, scheduled: int = 0,
         backlog: int = 0) -> tuple[random.Random, list[Planned]]:
    """``tasks`` tasks spread over ``days`` up to ``now``, then ``backlog`` ready ones from
    the last minutes and ``scheduled`` future ones; with the generator that drew them (the
    columns draw from it too, so one seed gives one history)."""
    rng = random.Random(seed)
    rows = list(_task_rows(rng, tasks, days, now))
    waiting = {"status": "queued", "started": None, "finished": None, "attempts": 0}
    rows += [(rng.choice(DEMO_TYPES), now - timedelta(seconds=rng.randint(1, 900)),
              dict(waiting)) for _ in range(backlog)]
    rows += [(rng.choice(DEMO_TYPES), now, {
        **waiting, "run_after": now + timedelta(minutes=rng.randint(5, 600))})
        for _ in range(scheduled)]
    return rng, rows


def run_row(task_id: int, profile: TypeProfile, out: dict[str, Any]) -> tuple[Any, ...] | None:
    """The attempt record (task, type, attempt, worker, outcome, wait, run, finished epoch)
    of a task that ran to an end, else None."""
    if out.get("run") is None or out["finished"] is None:
        return None
    return (task_id, profile.name, out["attempts"], out["worker"], out["status"],
            out.get("wait"), out["run"], out["finished"].timestamp())
