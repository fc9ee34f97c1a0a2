"""Realistic queue history written straight into a file: the demo, benchmarks and tests.

A week of tasks with a daily rhythm, several types with their own run times and failure
modes, retries, cancellations, a live tail of queued, scheduled and running tasks, with log
rows and per-attempt runs, so every view has something true to show.
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from prismq_desktop.core import timeutil
from prismq_desktop.core.sqlite.database import QueueDatabase
from prismq_desktop.core.sqlite.enqueue import INSERT_TASK


@dataclass(frozen=True)
class TypeProfile:
    """How one kind of task behaves: share of traffic, run time, failures, payloads."""

    name: str
    share: float
    mean_run_s: float
    failure_rate: float
    errors: tuple[str, ...]
    payloads: tuple[dict, ...]


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
INSERT_FULL = INSERT_TASK.replace("'queued'", "?").replace(
    "idempotency_key, created_at_utc, updated_at_utc)",
    "idempotency_key, created_at_utc, updated_at_utc, attempts, reserved_at_utc,"
    " processing_started_utc, finished_at_utc, locked_by, error_message, lease_until_utc)",
).replace("VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", "VALUES (" + ", ".join("?" * 17) + ")")
INSERT_LOG = "INSERT INTO task_logs (task_id, at_utc, level, message) VALUES (?, ?, ?, ?)"
INSERT_RUN = (
    "INSERT INTO pqd_runs (task_id, type, attempt, worker_id, outcome, wait_s, run_s, finished)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)


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


def _task_rows(rng: random.Random, count: int, days: float, now: datetime) -> Iterator[tuple]:
    weights = [profile.share for profile in DEMO_TYPES]
    for created in _created_times(rng, count, now - timedelta(days=days), now):
        profile = rng.choices(DEMO_TYPES, weights)[0]
        yield profile, created, _outcome(rng, profile, created, now)


def _outcome(rng: random.Random, profile: TypeProfile, created: datetime, now: datetime) -> dict:
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


def generate(
    db: QueueDatabase, tasks: int, days: float, now: datetime, *, seed: int = 7,
    with_logs: bool = True, scheduled: int = 0, backlog: int = 0, batch: int = 20_000,
) -> int:
    """Write ``tasks`` tasks spread over ``days`` up to ``now``, then ``backlog`` ready ones
    from the last minutes and ``scheduled`` future ones. Returns how many were written.

    Rows go in with executemany in batches of short transactions (ids are contiguous while
    we hold the write lock), so a million tasks take seconds, not minutes.
    """
    rng = random.Random(seed)
    rows = list(_task_rows(rng, tasks, days, now))
    waiting = {"status": "queued", "started": None, "finished": None, "attempts": 0}
    rows += [(rng.choice(DEMO_TYPES), now - timedelta(seconds=rng.randint(1, 900)),
              dict(waiting)) for _ in range(backlog)]
    rows += [(rng.choice(DEMO_TYPES), now, {
        **waiting, "run_after": now + timedelta(minutes=rng.randint(5, 600))})
        for _ in range(scheduled)]
    for start in range(0, len(rows), batch):
        _write_batch(db, rng, rows[start:start + batch], now, with_logs)
    return len(rows)


def _write_batch(db: QueueDatabase, rng: random.Random, rows: Sequence[tuple], now: datetime,
                 with_logs: bool) -> None:
    columns = [_columns(rng, profile, created, out, now) for profile, created, out in rows]
    with db.transaction() as conn:
        conn.executemany(INSERT_FULL, columns)
        first = conn.last_insert_rowid() - len(rows) + 1
        ids = range(first, first + len(rows))
        if with_logs:
            conn.executemany(INSERT_LOG, [
                entry for task_id, (_p, created, out) in zip(ids, rows, strict=True)
                for entry in _logs(task_id, created, out)])
        conn.executemany(INSERT_RUN, [
            (task_id, profile.name, out["attempts"], out["worker"], out["status"],
             out.get("wait"), out["run"], out["finished"].timestamp())
            for task_id, (profile, _c, out) in zip(ids, rows, strict=True)
            if out.get("run") is not None and out["finished"] is not None])


def _columns(rng: random.Random, profile: TypeProfile, created: datetime, out: dict,
             now: datetime) -> tuple:
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


def _logs(task_id: int, created: datetime, out: dict) -> list[tuple]:
    text = timeutil.to_db
    entries = [(task_id, text(created), "INFO", "enqueued")]
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
