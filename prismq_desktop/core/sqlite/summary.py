"""One-shot overviews of a queue file: what `stats` and `check` report.

The GUI refreshes its counts piece by piece; a script or an operator at a terminal wants the
whole picture from one call, with the same numbers the sidebar shows.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import apsw

from prismq_desktop.core.models import Worker
from prismq_desktop.core.sqlite import health, maintenance, reads, schema, workers
from prismq_desktop.core.sqlite.database import QueueDatabase


@dataclass(frozen=True)
class WorkerState:
    worker: Worker
    heartbeat_age: float | None

    @property
    def stale(self) -> bool:
        return workers.is_stale(self.heartbeat_age)

    def to_dict(self) -> dict[str, Any]:
        return {**self.worker.to_dict(), "heartbeat_age_seconds": self.heartbeat_age,
                "stale": self.stale}


@dataclass(frozen=True)
class QueueSummary:
    """Counts per status (with 'scheduled' split out of 'queued') and per type and status."""

    counts: dict[str, int]
    by_type: dict[str, dict[str, int]]
    oldest_ready_utc: str | None
    oldest_ready_age: float | None
    workers: list[WorkerState] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def to_dict(self) -> dict[str, Any]:
        return {
            "total": self.total, "counts": self.counts, "types": self.by_type,
            "oldest_queued_utc": self.oldest_ready_utc,
            "oldest_queued_age_seconds": self.oldest_ready_age,
            "workers": [state.to_dict() for state in self.workers],
        }


def summarize(db: QueueDatabase, now: datetime) -> QueueSummary:
    """Everything `stats` shows, read from the trigger-kept counts and two small queries."""
    by_type: dict[str, dict[str, int]] = {}
    for (kind, status), n in sorted(reads.type_status_counts(db).items()):
        by_type.setdefault(kind, {})[status] = n
    oldest, age = health.oldest_ready(db, now)
    return QueueSummary(
        counts=reads.status_counts(db, now),
        by_type=by_type,
        oldest_ready_utc=oldest,
        oldest_ready_age=age,
        workers=[WorkerState(w, w.heartbeat_age(now)) for w in workers.list_workers(db)],
    )


@dataclass(frozen=True)
class FileHealth:
    """What `check` reports: SQLite's integrity check plus the facts support asks for first."""

    integrity: list[str]
    schema_version: int
    app_schema_version: int
    journal_mode: str
    sqlite_version: str
    file_bytes: int
    wal_bytes: int
    read_only_reason: str

    @property
    def ok(self) -> bool:
        return self.integrity == ["ok"]

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, **self.__dict__}


def file_health(db: QueueDatabase) -> FileHealth:
    path = Path(db.path)
    return FileHealth(
        integrity=maintenance.integrity_check(db),
        schema_version=db.user_version(),
        app_schema_version=schema.SCHEMA_VERSION,
        journal_mode=str(db.query("PRAGMA journal_mode")[0][0]),
        sqlite_version=apsw.sqlite_lib_version(),
        file_bytes=os.path.getsize(path),
        wal_bytes=maintenance.wal_size(db),
        read_only_reason=db.read_only_reason,
    )
