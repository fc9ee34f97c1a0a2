"""UTC time in the one text form PrismQ columns hold, and tolerant parsing of the rest.

PrismQ compares its timestamp columns as strings against ``datetime('now')``, so every
value we write must be exactly ``YYYY-MM-DD HH:MM:SS`` (DESIGN §3). Reading accepts what
other tools leave behind: fractions, a ``T`` separator, ``Z`` or an offset.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

Clock = Callable[[], datetime]
_WILD = re.compile(
    r"^\s*(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?"
    r"\s*(Z|[+-]\d{2}:?\d{2})?\s*$",
    re.IGNORECASE,
)


def utc_now() -> datetime:
    """The default clock: an aware UTC datetime."""
    return datetime.now(timezone.utc)


def to_db(moment: datetime) -> str:
    """Format an aware (or UTC-naive) datetime as PrismQ's column text, whole seconds."""
    if moment.tzinfo is timezone.utc:  # the clock's own zone: no conversion to pay for
        return moment.isoformat(" ", "seconds")[:19]
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment.isoformat(" ", "seconds")  # C-fast, unlike strftime


def to_db_ceil(moment: datetime) -> str:
    """Like :func:`to_db` but rounded up, so a backoff never fires early."""
    if moment.microsecond:
        moment = moment.replace(microsecond=0) + timedelta(seconds=1)
    return to_db(moment)


def parse(value: object, naive_local: bool = False) -> datetime | None:
    """Parse any timestamp form found in the wild into an aware UTC datetime, else None.

    Text without a zone is UTC (what the columns hold), or with ``naive_local`` this machine's
    local time (what a person typed after reading local times on screen).
    """
    if value is None:
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    if isinstance(value, (int, float)):
        try:  # epoch seconds; out of range (epoch milliseconds, say) is unreadable, not a crash
            return datetime.fromtimestamp(float(value), timezone.utc)
        except (ValueError, OverflowError, OSError):
            return None
    match = _WILD.match(value) if isinstance(value, str) else None
    if not match:
        return None
    year, month, day, hour, minute, second, frac, zone = match.groups()
    try:  # no such day, an offset of 24 h or more, a year past 9999 once in UTC: unreadable
        moment = datetime(
            int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0),
            int((frac or "0")[:6].ljust(6, "0")),
        )
        if zone is None and naive_local:
            return moment.astimezone().astimezone(timezone.utc)  # a naive astimezone() is local
        return moment.replace(tzinfo=_zone(zone)).astimezone(timezone.utc)
    except (ValueError, OverflowError, OSError):
        return None


def _zone(text: str | None) -> timezone:
    if not text or text.upper() == "Z":
        return timezone.utc
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    return timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))


def parse_user_time(text: str, now: datetime, naive_local: bool = False) -> datetime:
    """Parse a user's date-time: ISO forms (without a zone UTC, or local with ``naive_local``),
    ``now``, or ``+5m``/``-2h``/``-3d``.

    Raises ValueError with a readable message.
    """
    stripped = text.strip()
    if stripped.lower() == "now":
        return now
    relative = re.fullmatch(r"([+-])(\d+(?:\.\d+)?)\s*([smhdw])", stripped, re.IGNORECASE)
    if relative:
        sign, amount, unit = relative.groups()
        seconds = float(amount) * {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}[
            unit.lower()
        ]
        try:
            return now + timedelta(seconds=seconds if sign == "+" else -seconds)
        except OverflowError:
            raise ValueError(f"{text.strip()!r} is out of range") from None
    parsed = parse(stripped, naive_local)
    if parsed is None:
        raise ValueError(f"cannot read {text!r} as a date-time (use e.g. 2026-11-23 14:05 or -2h)")
    return parsed
