"""When a schedule fires: ticks in the schedule's own zone, DST rules, catch-up after downtime.

Ticks are wall-clock times in the zone (cron's meaning), walked with cronsim over naive local
times and then placed on the UTC line:

- a wall time that does not exist (the hour skipped when clocks go forward) is skipped;
- a wall time that happens twice (the hour repeated when clocks go back) runs once, at its
  first occurrence.

A schedule stores its next unfired tick. When a scheduler finds that tick due, the ticks from
it up to now are due, and the schedule's catch-up policy picks which of them to enqueue:
``latest`` (the default) the newest one only, ``all`` every one (at most ``MAX_CATCH_UP``),
``none`` only a tick that is on time (less than ``ON_TIME_SECONDS`` late).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from itertools import islice, takewhile
from zoneinfo import ZoneInfo

from cronsim import CronSim

CATCH_UP = ("latest", "all", "none")
#: A tick later than this when it is found is a missed tick (``none`` skips it).
ON_TIME_SECONDS = 60.0
#: ``all`` enqueues at most this many missed ticks (the newest), whatever the downtime was.
MAX_CATCH_UP = 1000
_HOUR = timedelta(hours=1)


def ticks_after(fields: str, zone: ZoneInfo, after: datetime) -> Iterator[datetime]:
    """Aware UTC ticks strictly after ``after`` (aware), oldest first, with the DST rules."""
    wall = after.astimezone(zone).replace(tzinfo=None)
    # An hour early in wall time: just after a repeated hour the wall clock reads behind.
    for utc in _placed(zone, CronSim(fields, wall - _HOUR)):
        if utc > after:
            yield utc


def ticks_until(fields: str, zone: ZoneInfo, until: datetime) -> Iterator[datetime]:
    """Aware UTC ticks at or before ``until``, newest first, with the same rules."""
    wall = until.astimezone(zone).replace(tzinfo=None)
    for utc in _placed(zone, CronSim(fields, wall + _HOUR, reverse=True)):
        if utc <= until:
            yield utc


def _placed(zone: ZoneInfo, walls: Iterator[datetime]) -> Iterator[datetime]:
    """Wall times put on the UTC line: a repeated one at its first occurrence, a skipped one
    left out."""
    for local in walls:
        utc = local.replace(tzinfo=zone, fold=0).astimezone(timezone.utc)
        if utc.astimezone(zone).replace(tzinfo=None) == local:
            yield utc


def next_tick(fields: str, zone: ZoneInfo, after: datetime) -> datetime | None:
    """The first tick after ``after`` (None: the expression never fires again)."""
    return next(ticks_after(fields, zone, after), None)


def preview(fields: str, zone: ZoneInfo, after: datetime, count: int = 5) -> list[datetime]:
    """The next ``count`` ticks (the add/edit dialog's live preview)."""
    return list(islice(ticks_after(fields, zone, after), count))


@dataclass(frozen=True)
class Plan:
    """What a scheduler does for one schedule now: enqueue ``ticks`` (oldest first) and wait
    for ``next_run``; ``missed`` due ticks were left out by the policy (at least that many
    when the downtime held more than ``MAX_CATCH_UP``)."""

    ticks: tuple[datetime, ...]
    next_run: datetime | None
    missed: int


def plan(fields: str, zone: ZoneInfo, catch_up: str, due_from: datetime,
         now: datetime) -> Plan:
    """The due ticks from ``due_from`` (the stored next run) up to ``now``, picked by policy.

    Walks back from now, so a long downtime costs at most ``MAX_CATCH_UP`` ticks."""
    due = list(islice(takewhile(lambda tick: tick >= due_from, ticks_until(fields, zone, now)),
                      MAX_CATCH_UP + 1))
    due.reverse()
    chosen = pick(catch_up, due, now)
    return Plan(tuple(chosen), next_tick(fields, zone, now), len(due) - len(chosen))


def pick(catch_up: str, due: list[datetime], now: datetime) -> list[datetime]:
    """The policy's choice among ``due`` (oldest first)."""
    if not due:
        return []
    if catch_up == "all":
        return due[-MAX_CATCH_UP:]
    if catch_up == "none":
        return [tick for tick in due if (now - tick).total_seconds() < ON_TIME_SECONDS]
    return [due[-1]]
