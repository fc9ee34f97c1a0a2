"""One term of the search language (``field:value``, free text, ``#123``): how it is read
and checked. core/search.py joins terms into the parse tree; see its docstring for the
language. Everything here is pure: values are checked, never run.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from prismq_desktop.core import timeutil
from prismq_desktop.core.errors import ValidationError
from prismq_desktop.core.models import TaskStatus


class SearchSyntaxError(ValidationError):
    """A query the language cannot read; ``position`` is the 0-based offset of the problem."""

    def __init__(self, reason: str, position: int) -> None:
        super().__init__(f"{reason} (at character {position + 1})")
        self.reason = reason
        self.position = position


#: Field name -> kind. Kinds decide the operators and how values are read and compiled.
FIELDS: dict[str, str] = {
    "type": "exact", "worker": "exact", "key": "exact", "status": "status",
    "error": "contains", "payload": "json", "compatibility": "json",
    "id": "int", "priority": "int", "attempts": "int", "max_attempts": "int",
    "created": "time", "updated": "time", "run_after": "time", "claimed": "time",
    "started": "time", "finished": "time", "lease": "time",
}
ALIASES = {"compat": "compatibility", "max": "max_attempts", "idempotency_key": "key"}
#: Pseudo statuses: queued means ready now (scheduled ones are split out, as in the sidebar).
PSEUDO_STATUSES = ("queued", "scheduled", "active", "stuck")
#: What ``status:`` takes unquoted; a quoted value is any stored text (another tool's status).
STATUS_NAMES = tuple(dict.fromkeys([*(s.value for s in TaskStatus), *PSEUDO_STATUSES]))
COMPARISONS = (">=", "<=", ">", "<")
PATH_SEGMENT = re.compile(r"[\w-]{1,100}")
_TERM = re.compile(r"([A-Za-z_]\w*)((?:\.[^\s.:=<>\[\]\"]*|\[[^\]\s]*\])*)(>=|<=|:|=|>|<)")
_PATH_PART = re.compile(r"\.([^.\[]*)|\[([^\]]*)\]")
_EPOCH = datetime(2000, 1, 1, tzinfo=timezone.utc)


@dataclass(frozen=True)
class Value:
    """One value as typed: its text, whether it was quoted (quoted means literal), where."""

    text: str
    quoted: bool
    position: int


@dataclass(frozen=True)
class Term:
    """One condition. ``field`` is "" for free text; ``path`` holds a JSON path's parts."""

    field: str
    op: str
    values: tuple[Value, ...]
    path: tuple[str | int, ...] = ()
    position: int = 0


def read_term(text: str, pos: int, stop: str) -> tuple[Term, int]:
    """One term at ``pos``; ``stop`` holds ")" inside a group, where an unmatched ) ends it."""
    if text[pos] == "#":
        return _id_term(text, pos, stop)
    match = _TERM.match(text, pos)
    if match is None:
        value, end = _free_text(text, pos, stop)
        return Term("", ":", (value,), position=pos), end
    name, path_text, op = match.groups()
    field = _field(name.lower(), pos)
    path = _path(path_text, match.start(2)) if path_text else ()
    if path and FIELDS[field] != "json":
        raise SearchSyntaxError(f"{field} has no fields inside it", match.start(2))
    values, end = _values(text, match.end(), f"{name}{path_text}{op}", stop)
    op = ":" if op == "=" else op
    _check(field, op, path, values, match.start(3))
    return Term(field, op, values, path, pos), end


def _id_term(text: str, pos: int, stop: str) -> tuple[Term, int]:
    end = _word_end(text, pos + 1, stop)
    digits = text[pos + 1:end]
    if not digits.isascii() or not digits.isdigit():
        raise SearchSyntaxError("# must be followed by a task id, e.g. #123", pos)
    return Term("id", ":", (Value(digits, False, pos + 1),), position=pos), end


def _word_end(text: str, pos: int, stop: str, also: str = "") -> int:
    """Where an unquoted word ends: a space, a character in ``also``, or (``stop`` is ")",
    inside a group) a ) the word did not open itself, as in ``(error:f(x) OR b)``."""
    opened = 0
    end = pos
    while end < len(text) and not text[end].isspace() and text[end] not in also:
        if text[end] == "(":
            opened += 1
        elif text[end] == ")" and stop:
            if not opened:
                break
            opened -= 1
        end += 1
    return end


def _field(name: str, pos: int) -> str:
    field = ALIASES.get(name, name)
    if field not in FIELDS:
        close = difflib.get_close_matches(name, [*FIELDS, *ALIASES], n=1)
        hint = f'did you mean "{close[0]}"?' if close else f"fields: {', '.join(sorted(FIELDS))};"
        raise SearchSyntaxError(f'unknown field "{name}" ({hint} quote text containing ":")', pos)
    return field


def _path(path_text: str, pos: int) -> tuple[str | int, ...]:
    parts: list[str | int] = []
    for match in _PATH_PART.finditer(path_text):
        key, index = match.groups()
        where = pos + match.start()
        if index is not None:
            if not (index.isascii() and index.isdigit()) or len(index) > 9:
                raise SearchSyntaxError("an array index is a whole number, e.g. items[0]", where)
            parts.append(int(index))
        elif not PATH_SEGMENT.fullmatch(key):
            raise SearchSyntaxError(
                "a JSON path segment holds letters, digits, _ or - (e.g. payload.query)", where)
        else:
            parts.append(key)
    return tuple(parts)


def _free_text(text: str, pos: int, stop: str) -> tuple[Value, int]:
    if text[pos] == '"':
        return _quoted(text, pos)
    end = _word_end(text, pos, stop)
    return Value(text[pos:end], False, pos), end


def _quoted(text: str, pos: int) -> tuple[Value, int]:
    """A double-quoted string; backslash escapes the next character."""
    chars: list[str] = []
    end = pos + 1
    while end < len(text):
        char = text[end]
        if char == "\\" and end + 1 < len(text):
            chars.append(text[end + 1])
            end += 2
        elif char == '"':
            return Value("".join(chars), True, pos), end + 1
        else:
            chars.append(char)
            end += 1
    raise SearchSyntaxError("this quote is never closed", pos)


def _values(text: str, pos: int, head: str, stop: str) -> tuple[tuple[Value, ...], int]:
    """Comma-separated values up to the next space; quoted ones may hold spaces and commas."""
    values: list[Value] = []
    while True:
        if pos >= len(text) or text[pos].isspace() or text[pos] in "," + stop:
            raise SearchSyntaxError(f"{head} needs a value", pos)
        if text[pos] == '"':
            value, pos = _quoted(text, pos)
        else:
            end = _word_end(text, pos, stop, ',"')
            value, pos = Value(text[pos:end], False, pos), end
        values.append(value)
        if pos < len(text) and text[pos] == ",":
            pos += 1
            continue
        if pos < len(text) and not text[pos].isspace() and text[pos] not in stop:
            raise SearchSyntaxError("put a space between terms", pos)
        return tuple(values), pos


def _check(field: str, op: str, path: tuple[str | int, ...], values: tuple[Value, ...],
           op_pos: int) -> None:
    """Refuse what cannot mean anything, at parse time, so errors point at the text."""
    kind = FIELDS[field]
    if op in COMPARISONS:
        if kind in ("exact", "status", "contains") or (kind == "json" and not path):
            raise SearchSyntaxError(f"{field} cannot be compared with {op}; use {field}:", op_pos)
        if len(values) > 1:
            raise SearchSyntaxError(f"{op} takes one value", values[1].position)
    for value in values:
        if kind == "status":
            status_value(value)
        elif kind == "int":
            int_value(value)
        elif kind == "time":
            time_value(value, _EPOCH, op)


def status_value(value: Value) -> str:
    """A status the app knows, or any quoted text; a typo gets a suggestion, not no rows."""
    if value.quoted or value.text in STATUS_NAMES:
        return value.text
    typed = value.text.lower()
    close = [name for name in STATUS_NAMES if typed and name.startswith(typed)] or \
        difflib.get_close_matches(typed, STATUS_NAMES, n=1, cutoff=0.6)
    hint = (f'did you mean "{close[0]}"?' if close else f"use one of {', '.join(STATUS_NAMES)},"
            f' or quote a status another tool wrote: status:"{value.text}"')
    raise SearchSyntaxError(f'unknown status "{value.text}" ({hint})', value.position)


def int_value(value: Value) -> int:
    text = value.text.strip()
    if not re.fullmatch(r"[+-]?\d{1,18}", text):
        raise SearchSyntaxError(f'"{value.text}" is not a whole number', value.position)
    return int(text)


def time_value(value: Value, now: datetime, op: str) -> tuple[str, str | None]:
    """(from, to) stored-text bounds: a date alone means that whole day for ``:``.

    A date or time without a zone is local time, the time the table shows (issue 11); ``Z``
    or an offset names its zone. Bounds are UTC, as the columns hold.
    """
    text = value.text.strip()
    relative = text[:1] in "+-" or text.lower() == "now"
    if op == ":" and relative:
        raise SearchSyntaxError("use > or < with a relative time, e.g. finished<-2h",
                                value.position)
    try:
        moment = timeutil.parse_user_time(text, now, naive_local=True)
        if not 1 <= moment.year <= 9998:
            raise OverflowError
        if op == ":" and re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):  # a local day: 23-25 h
            following = (date.fromisoformat(text) + timedelta(days=1)).isoformat()
            end = timeutil.parse_user_time(following, now, naive_local=True)
            return timeutil.to_db(moment), timeutil.to_db(end)
    except ValueError as exc:
        raise SearchSyntaxError(str(exc), value.position) from None
    except OverflowError:
        raise SearchSyntaxError(f'"{value.text}" is out of range', value.position) from None
    return timeutil.to_db(moment), None



def field_names() -> list[str]:
    """Completion: every field as typed, with ``payload.``/``compat.`` for JSON paths."""
    names = [name for name, kind in FIELDS.items() if kind != "json"]
    return [*sorted(names), "payload.", "compat.", "compatibility."]
