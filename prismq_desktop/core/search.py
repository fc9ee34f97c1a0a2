"""The search box's query language: text in, a list of terms out (``search_sql`` makes SQL).

One grammar for the GUI's search box, ``list --search`` and the export::

    AI trends                  free text: type, payload, error or idempotency key contains it
    "AI trends" 50%            a quoted phrase; % and _ are plain characters
    type:youtube_search        exact; ``*`` is a wildcard; commas mean "any of"
    status:failed,cancelled    plus the pseudo statuses queued, scheduled, active, stuck
    payload.query:"AI trends"  any JSON path: payload.a.b, payload.items[0]; compat.region:eu
    payload.size>100           numbers compare as numbers, text as text
    error:timeout              error message contains it (case-insensitive)
    worker:w-01  key:s-001     the worker that holds or ran it; the idempotency key
    created>2026-11-01  finished<-2h  priority<50  attempts>=3  #123
    -status:completed          a leading ``-`` negates any term

``field:value`` is exact and case-sensitive (``*`` a wildcard, quoted text literal); free text
and ``error:`` match substrings, ignoring ASCII case. Dates are UTC. A JSON path matches only
rows whose text is strict JSON (JSON5 rows are shown, never matched), except ``compat.region``
and ``payload.format``, which use PrismQ's indexed generated columns.

Parsing is pure and never touches the file: every value becomes a bound parameter later, field
names come from :data:`FIELDS`, and JSON path segments must match :data:`PATH_SEGMENT`.
"""

from __future__ import annotations

import difflib
import functools
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from prismq_desktop.core import timeutil
from prismq_desktop.core.errors import ValidationError


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
    negated: bool = False
    position: int = 0


def parse(text: str) -> tuple[Term, ...]:
    """Read a query; raises :class:`SearchSyntaxError` (and nothing else) for bad input."""
    return _parse_cached(str(text))


@functools.lru_cache(maxsize=256)
def _parse_cached(text: str) -> tuple[Term, ...]:
    terms: list[Term] = []
    pos = _skip_space(text, 0)
    while pos < len(text):
        term, pos = _term(text, pos)
        terms.append(term)
        pos = _skip_space(text, pos)
    return tuple(terms)


def _skip_space(text: str, pos: int) -> int:
    while pos < len(text) and text[pos].isspace():
        pos += 1
    return pos


def _term(text: str, start: int) -> tuple[Term, int]:
    negated = text[start] == "-" and start + 1 < len(text) and not text[start + 1].isspace()
    pos = start + 1 if negated else start
    if text[pos] == "#":
        return _id_term(text, pos, negated)
    match = _TERM.match(text, pos)
    if match is None:
        value, end = _free_text(text, pos)
        return Term("", ":", (value,), negated=negated, position=start), end
    name, path_text, op = match.groups()
    field = _field(name.lower(), pos)
    path = _path(path_text, match.start(2)) if path_text else ()
    if path and FIELDS[field] != "json":
        raise SearchSyntaxError(f"{field} has no fields inside it", match.start(2))
    values, end = _values(text, match.end(), f"{name}{path_text}{op}")
    op = ":" if op == "=" else op
    _check(field, op, path, values, match.start(3))
    return Term(field, op, values, path, negated, start), end


def _id_term(text: str, pos: int, negated: bool) -> tuple[Term, int]:
    end = pos + 1
    while end < len(text) and not text[end].isspace():
        end += 1
    digits = text[pos + 1:end]
    if not digits.isascii() or not digits.isdigit():
        raise SearchSyntaxError("# must be followed by a task id, e.g. #123", pos)
    start = pos - 1 if negated else pos
    return Term("id", ":", (Value(digits, False, pos + 1),), negated=negated, position=start), end


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


def _free_text(text: str, pos: int) -> tuple[Value, int]:
    if text[pos] == '"':
        return _quoted(text, pos)
    end = pos
    while end < len(text) and not text[end].isspace():
        end += 1
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


def _values(text: str, pos: int, head: str) -> tuple[tuple[Value, ...], int]:
    """Comma-separated values up to the next space; quoted ones may hold spaces and commas."""
    values: list[Value] = []
    while True:
        if pos >= len(text) or text[pos].isspace() or text[pos] == ",":
            raise SearchSyntaxError(f"{head} needs a value", pos)
        if text[pos] == '"':
            value, pos = _quoted(text, pos)
        else:
            end = pos
            while end < len(text) and not text[end].isspace() and text[end] not in ',"':
                end += 1
            value, pos = Value(text[pos:end], False, pos), end
        values.append(value)
        if pos < len(text) and text[pos] == ",":
            pos += 1
            continue
        if pos < len(text) and not text[pos].isspace():
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
        if kind == "int":
            int_value(value)
        elif kind == "time":
            time_value(value, _EPOCH, op)


def int_value(value: Value) -> int:
    text = value.text.strip()
    if not re.fullmatch(r"[+-]?\d{1,18}", text):
        raise SearchSyntaxError(f'"{value.text}" is not a whole number', value.position)
    return int(text)


def time_value(value: Value, now: datetime, op: str) -> tuple[str, str | None]:
    """(from, to) stored-text bounds: a date alone means that whole day for ``:``."""
    text = value.text.strip()
    relative = text[:1] in "+-" or text.lower() == "now"
    if op == ":" and relative:
        raise SearchSyntaxError("use > or < with a relative time, e.g. finished<-2h",
                                value.position)
    try:
        moment = timeutil.parse_user_time(text, now)
    except (ValueError, OverflowError) as exc:
        raise SearchSyntaxError(str(exc), value.position) from None
    if not 1 <= moment.year <= 9998:
        raise SearchSyntaxError(f'"{value.text}" is out of range', value.position)
    if op == ":" and re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return timeutil.to_db(moment), timeutil.to_db(moment + timedelta(days=1))
    return timeutil.to_db(moment), None



def field_names() -> list[str]:
    """Completion: every field as typed, with ``payload.``/``compat.`` for JSON paths."""
    names = [name for name, kind in FIELDS.items() if kind != "json"]
    return [*sorted(names), "payload.", "compat.", "compatibility."]
