"""The search parse tree (core/search.py) into a parameterized WHERE clause for SQLite.

Column names come from the fixed maps below and every value is a bound parameter (DESIGN
§10). Semantics a Python reader can check row by row (the tests do):

- NOT is true when its condition is not true, so ``-error:x`` keeps rows without an error
  (``NOT coalesce(cond, 0)``); AND and OR are SQL's, which agree with reading an unknown
  condition as false;
- JSON conditions run only on rows whose text is valid JSON (``CASE WHEN json_valid``), so an
  odd row never raises; numbers compare as numbers and text as text (``json_type``);
- times compare as the stored text, exactly as PrismQ's own SQL compares them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from prismq_desktop.core import timeutil
from prismq_desktop.core.search import (
    FIELDS,
    And,
    Node,
    Not,
    Term,
    Value,
    int_value,
    time_value,
)

COLUMNS = {
    "type": "type", "worker": "locked_by", "key": "idempotency_key", "status": "status",
    "error": "error_message", "payload": "payload", "compatibility": "compatibility",
    "id": "id", "priority": "priority", "attempts": "attempts", "max_attempts": "max_attempts",
    "created": "created_at_utc", "updated": "updated_at_utc", "run_after": "run_after_utc",
    "claimed": "reserved_at_utc", "started": "processing_started_utc",
    "finished": "finished_at_utc", "lease": "lease_until_utc",
}
#: JSON paths PrismQ keeps as indexed generated columns: (column, path) -> generated column.
GENERATED: dict[tuple[str, tuple[str | int, ...]], str] = {
    ("compatibility", ("region",)): "region", ("payload", ("format",)): "format"}
TEXT_FIELDS = ("type", "payload", "error_message", "idempotency_key")
# Stuck: running with an expired lease or a silent worker, or queued with no attempts left
# (no claim takes those; the PrismQ backend can leave them).
STUCK = (
    "((status IN ('leased', 'processing') AND ((lease_until_utc IS NOT NULL"
    " AND lease_until_utc < ?) OR locked_by IN (SELECT worker_id FROM workers"
    " WHERE heartbeat_utc < ?))) OR (status = 'queued' AND attempts >= max_attempts))"
)
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d{1,3})?")
#: Characters every JSON writer leaves unescaped inside a string, so the raw text holds them.
_VERBATIM = re.compile(r"[A-Za-z0-9 _.,:;!?@#$%^()+=~|{}'`-]{3,}")


def like_pattern(text: str) -> str:
    """``%text%`` for LIKE ... ESCAPE '\\': % and _ in the text match themselves."""
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def glob_pattern(text: str) -> str:
    """A GLOB pattern where only ``*`` is special."""
    return re.sub(r"[\[?]", lambda m: f"[{m.group()}]", text)


def compile_search(node: Node, now: datetime, stale_after: float, params: list[Any]) -> str:
    """The tree as one parenthesized condition ('1' for no terms); appends the parameters
    in the order their placeholders appear."""
    if isinstance(node, Term):
        return f"({_compile(node, now, stale_after, params)})"
    if isinstance(node, Not):
        return f"NOT coalesce({compile_search(node.child, now, stale_after, params)}, 0)"
    if not node.children:
        return "1"
    joiner = " AND " if isinstance(node, And) else " OR "
    return f"({joiner.join(compile_search(c, now, stale_after, params) for c in node.children)})"


def _compile(term: Term, now: datetime, stale_after: float, params: list[Any]) -> str:
    if not term.field:
        params.extend([like_pattern(term.values[0].text)] * len(TEXT_FIELDS))
        return " OR ".join(f"{column} LIKE ? ESCAPE '\\'" for column in TEXT_FIELDS)
    kind, column = FIELDS[term.field], COLUMNS[term.field]
    if kind == "status":
        return status_sql([v.text for v in term.values], now, stale_after, params)
    if kind == "exact":
        return _any(term.values, lambda v: _exact(column, v, params))
    if kind == "contains" or (kind == "json" and not term.path):
        return _any(term.values, lambda v: _contains(column, v, params))
    if kind == "int":
        return _int(column, term, params)
    if kind == "time":
        return _any(term.values, lambda v: _time(column, term.op, v, now, params))
    return _json(column, term, params)


def _any(values: Sequence[Value], one: Any) -> str:
    return " OR ".join(f"({one(value)})" for value in values)


def _exact(column: str, value: Value, params: list[Any]) -> str:
    if not value.quoted and "*" in value.text:
        params.append(glob_pattern(value.text))
        return f"{column} GLOB ?"
    params.append(value.text)
    return f"{column} = ?"


def _contains(column: str, value: Value, params: list[Any]) -> str:
    params.append(like_pattern(value.text))
    return f"{column} LIKE ? ESCAPE '\\'"


def status_sql(statuses: Sequence[str], now: datetime, stale_after: float,
               params: list[Any], column: str = "status") -> str:
    """Stored statuses plus the pseudo ones: queued (ready now), scheduled, active, stuck.

    ``column`` may be ``+status``: the same test, but SQLite will not pick the status index.
    """
    now_text = timeutil.to_db(now)
    parts: list[str] = []
    plain = [s for s in statuses if s not in ("queued", "scheduled", "active", "stuck")]
    if "queued" in statuses:
        parts.append(f"({column} = 'queued' AND run_after_utc <= ?)")
        params.append(now_text)
    if "scheduled" in statuses:
        parts.append(f"({column} = 'queued' AND run_after_utc > ?)")
        params.append(now_text)
    if "stuck" in statuses:
        parts.append(STUCK)
        params.extend([now_text, timeutil.to_db(now - timedelta(seconds=stale_after))])
    if "active" in statuses:
        plain += ["leased", "processing"]
    if plain:
        parts.append(f"{column} IN ({', '.join('?' * len(plain))})")
        params.extend(plain)
    return " OR ".join(parts) or "0"


def _int(column: str, term: Term, params: list[Any]) -> str:
    numbers = [int_value(value) for value in term.values]
    params.extend(numbers)
    if term.op == ":":
        return f"{column} IN ({', '.join('?' * len(numbers))})"
    guard = "" if column == "id" else f"typeof({column}) IN ('integer', 'real') AND "
    return f"{guard}{column} {term.op} ?"


def _time(column: str, op: str, value: Value, now: datetime, params: list[Any]) -> str:
    low, high = time_value(value, now, op)
    guard = f"typeof({column}) = 'text' AND "
    if high is not None:
        params.extend([low, high])
        return f"{guard}{column} >= ? AND {column} < ?"
    params.append(low)
    return f"{guard}{column} {'=' if op == ':' else op} ?"


def json_path(parts: Sequence[str | int]) -> str:
    """``$."a"."b"[0]``; segments were checked against search.PATH_SEGMENT."""
    return "$" + "".join(f'."{p}"' if isinstance(p, str) else f"[{p}]" for p in parts)


def _json(column: str, term: Term, params: list[Any]) -> str:
    generated = GENERATED.get((column, tuple(term.path)))
    if generated and term.op == ":" and all(_plain_word(v) for v in term.values):
        params.extend(v.text for v in term.values)
        return f"{generated} IN ({', '.join('?' * len(term.values))})"
    prefilter = _prefilter(column, term, params)
    path = json_path(term.path)
    conditions = " OR ".join(_json_value(column, path, term.op, v, params) for v in term.values)
    return f"{prefilter}CASE WHEN json_valid({column}) THEN ({conditions}) END"


def _plain_word(value: Value) -> bool:
    return (bool(re.fullmatch(r"[\w.:-]+", value.text)) and not _number(value)
            and _literal(value) is None and (value.quoted or "*" not in value.text))


def _prefilter(column: str, term: Term, params: list[Any]) -> str:
    """Cheap ``instr`` checks that reject most rows before any JSON is parsed.

    A key ``k`` in the path must appear as ``"k"`` in the text, and so must the longest run
    of characters no JSON writer escapes in a text value (the value may be wildcarded).
    """
    needles = [f'"{part}"' for part in term.path if isinstance(part, str) and part.isascii()]
    value = term.values[0]
    if term.op == ":" and len(term.values) == 1 and _number(value) is None:
        runs = _VERBATIM.findall(value.text if value.quoted else value.text.replace("*", "\n"))
        needles += [max(runs, key=len)] if runs else []
    params.extend(needles)
    return "".join(f"instr({column}, ?) > 0 AND " for _ in needles)


def _number(value: Value) -> int | float | None:
    if value.quoted or not _NUMBER.fullmatch(value.text):
        return None
    number = float(value.text)
    return int(number) if number.is_integer() and abs(number) < 2**53 else number


def _literal(value: Value) -> str | None:
    text = value.text
    return None if value.quoted or text not in ("true", "false", "null") else text


def _json_value(column: str, path: str, op: str, value: Value, params: list[Any]) -> str:
    """One value's test; the value comparison comes first, so most rows cost one lookup."""
    kind = f"json_type({column}, ?)"
    got = f"json_extract({column}, ?)"
    number, literal = _number(value), _literal(value)
    if op != ":":
        params.extend([path, value.text if number is None else number, path])
        types = "'text'" if number is None else "'integer', 'real'"
        return f"({got} {op} ? AND {kind} IN ({types}))"
    if not value.quoted and "*" in value.text:
        params.extend([path, glob_pattern(value.text), path])
        return f"({got} GLOB ? AND {kind} = 'text')"
    params.extend([path, value.text, path])
    text_match = f"({got} = ? AND {kind} = 'text')"
    if number is not None:
        params.extend([path, number, path])
        return f"{text_match} OR ({got} = ? AND {kind} IN ('integer', 'real'))"
    if literal is not None:
        params.extend([path, literal])
        return f"{text_match} OR {kind} = ?"
    return text_match
