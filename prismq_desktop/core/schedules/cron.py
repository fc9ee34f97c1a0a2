"""Cron expressions and time zones: checked with errors that point at the bad character.

Parsing and tick arithmetic are cronsim's (small, typed, no dependencies, kept by the
Healthchecks.io author and run against millions of schedules there); this module adds what
an operator needs around it: five fields only, the ``@daily`` shorthands, an error that says
which field and character is wrong, the expression in words, and IANA zones by name.
"""

from __future__ import annotations

import difflib
import functools
import os
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from cronsim import CronSim, CronSimError

from prismq_desktop.core.errors import ValidationError

FIELDS = ("minute", "hour", "day of month", "month", "day of week")
ALLOWED = ("0-59", "0-23", "1-31 or L", "1-12 or JAN-DEC", "0-7 or SUN-SAT")
SHORTHANDS = {
    "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0", "@daily": "0 0 * * *", "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}
_PROBE_TIME = datetime(2026, 1, 1)
_TOKEN = re.compile(r"\S+")


class CronError(ValidationError):
    """A cron expression that does not parse; ``position`` is 0-based in the text given."""

    def __init__(self, expression: str, reason: str, position: int) -> None:
        super().__init__(f"cron expression {expression!r}: {reason} (at character {position + 1})")
        self.reason = reason
        self.position = position


@dataclass(frozen=True)
class Cron:
    """A checked expression: ``text`` as the user wrote it, ``fields`` the five it means."""

    text: str
    fields: str

    def describe(self) -> str:
        """The expression in words ("Every fifth minute of every hour")."""
        return describe(self.fields)


def parse(text: str) -> Cron:
    """Check ``text``; raises CronError naming the field and character that are wrong."""
    stripped = text.strip()
    if not stripped:
        raise CronError(text, "empty; give five fields: minute hour day-of-month month "
                        "day-of-week, e.g. */5 * * * *", 0)
    if stripped.startswith("@"):
        fields = SHORTHANDS.get(stripped.lower())
        if fields is None:
            raise CronError(text, f"unknown shorthand; use one of {', '.join(SHORTHANDS)}",
                            text.index("@"))
        return Cron(stripped, fields)
    tokens = list(_TOKEN.finditer(text))
    if len(tokens) != 5:
        at = tokens[5].start() if len(tokens) > 5 else len(text.rstrip())
        raise CronError(text, f"has {len(tokens)} field(s), needs 5: minute hour "
                        "day-of-month month day-of-week", at)
    for index, token in enumerate(tokens):
        _check_field(text, index, token)
    fields = " ".join(token.group() for token in tokens)
    try:
        CronSim(fields, _PROBE_TIME)
    except CronSimError:  # each field is fine alone: a day that no month given has
        raise CronError(text, "the day of month never happens in the months given",
                        tokens[2].start()) from None
    return Cron(stripped, fields)


def _check_field(text: str, index: int, token: re.Match[str]) -> None:
    if _field_ok(index, token.group()):
        return
    offset = 0
    for item in token.group().split(","):
        if not item or not _field_ok(index, item):
            shown = f" {item!r}" if item else " (empty item)"
            raise CronError(text, f"bad {FIELDS[index]}{shown}; allowed {ALLOWED[index]}, "
                            "with *, ranges a-b, steps /n and lists a,b",
                            token.start() + offset)
        offset += len(item) + 1
    raise CronError(text, f"bad {FIELDS[index]} {token.group()!r}", token.start())


@functools.lru_cache(maxsize=512)
def _field_ok(index: int, value: str) -> bool:
    parts = ["*"] * 5
    parts[index] = value
    try:
        CronSim(" ".join(parts), _PROBE_TIME)
    except CronSimError:
        return False
    return True


@functools.lru_cache(maxsize=256)
def describe(fields: str) -> str:
    """Words for five checked fields (cronsim's explanation, as the Schedules tab shows)."""
    try:
        return CronSim(fields, _PROBE_TIME).explain()
    except Exception:  # noqa: BLE001 (words are a courtesy: an odd corner never breaks a view)
        return fields


def zone(name: str) -> ZoneInfo:
    """The IANA zone called ``name``; ValidationError with the closest names otherwise."""
    text = name.strip() if isinstance(name, str) else ""
    try:
        if not text or text.startswith("/") or ".." in text:
            raise ValueError(name)
        return ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        close = difflib.get_close_matches(text, sorted(_zone_names()), n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else \
            "; use an IANA name such as Europe/Prague, America/New_York or UTC"
        raise ValidationError(f"unknown time zone {name!r}{hint}") from None


@functools.lru_cache(maxsize=1)
def _zone_names() -> frozenset[str]:
    return frozenset(available_timezones())


def local_zone_name() -> str:
    """This machine's IANA zone name when it can be known ($TZ, /etc/localtime), else UTC."""
    candidates = [os.environ.get("TZ", "").lstrip(":")]
    try:
        candidates.append(str(Path("/etc/localtime").resolve()).partition("zoneinfo/")[2])
    except OSError:
        pass
    for candidate in candidates:
        if candidate and candidate in _zone_names():
            return candidate
    return "UTC"
