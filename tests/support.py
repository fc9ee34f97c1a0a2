"""Helpers every test folder shares (no tests here)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from prismq_desktop.core.sqlite.store import database_of as sqlite_db

__all__ = ["FakeClock", "sqlite_db"]


class FakeClock:
    """A clock tests move by hand, so leases and backoff are tested without sleeping."""

    def __init__(self, start: datetime | None = None) -> None:
        self.moment = start or datetime(2026, 11, 23, 12, 0, 0, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        return self.moment

    def advance(self, seconds: float) -> None:
        self.moment += timedelta(seconds=seconds)

