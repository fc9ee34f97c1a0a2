"""A ``TaskQuery`` and its search terms as a PostgreSQL WHERE clause with ``%s`` parameters,
and its ORDER BY. The semantics are SQLite's (core/sqlite/search_sql.py says them): free
text and ``error:`` ignore case, ``field:value`` is exact with ``*`` a wildcard, a negated
term is true when its condition is not, numbers compare as numbers and text as text. Column
names come from fixed maps; every value is a bound parameter (DESIGN §10).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from prismq_desktop.core import search
from prismq_desktop.core.query import TaskQuery, check_sort
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
SORT_SQL = {
    "id": "id", "type": "type", "status": "status", "priority": "priority",
    "attempts": "attempts", "created": "created_at_utc", "run_after": "run_after_utc",
    "started": "processing_started_utc", "finished": "finished_at_utc", "worker": "locked_by",
    "error": "error_message", "duration": "finished_at_utc - processing_started_utc",
}
GENERATED: dict[tuple[str, tuple[str | int, ...]], str] = {
    ("compatibility", ("region",)): "region", ("payload", ("format",)): "format"}
TEXT_FIELDS = ("type", "payload::text", "error_message", "idempotency_key")
_WORD = re.compile(r"[\w.:-]+")
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d{1,3})?")
#: A queued task with no attempts left is stuck too: no claim takes it.
EXHAUSTED = "(status = 'queued' AND attempts >= max_attempts)"
STUCK = (
    "((status IN ('leased', 'processing') AND ((lease_until_utc IS NOT NULL"
    " AND lease_until_utc < {now}) OR locked_by IN (SELECT worker_id FROM workers"
    f" WHERE heartbeat_utc < {{stale}}))) OR {EXHAUSTED})"
)


def like_pattern(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def wildcard_pattern(text: str) -> str:
    """A LIKE pattern where only ``*`` is special (SQLite's GLOB as the app uses it)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_").replace("*", "%")


def where(query: TaskQuery, now: datetime) -> tuple[str, list[Any]]:
    """The WHERE clause (``TRUE`` when empty) and its parameters in order."""
    parts: list[str] = []
    params: list[Any] = []
    if query.statuses:
        parts.append(f"({status_sql(query.statuses, now, query.stale_after, params)})")
    if query.types:
        parts.append("type = ANY(%s)")
        params.append(list(query.types))
    if query.text:
        parts.append(compile_search(search.parse(query.text), now, query.stale_after, params))
    if query.created_from is not None:
        parts.append("created_at_utc >= %s")
        params.append(query.created_from)
    if query.created_to is not None:
        parts.append("created_at_utc < %s")
        params.append(query.created_to)
    return " AND ".join(parts) or "TRUE", params


def order_by(query: TaskQuery) -> str:
    """ORDER BY with id breaking ties; NULLs sort as SQLite sorts them (lowest)."""
    sort = check_sort(query.sort)
    direction = "DESC NULLS LAST" if query.descending else "ASC NULLS FIRST"
    tail = "" if sort == "id" else f", id {direction.split()[0]}"
    return f"{SORT_SQL[sort]} {direction}{tail}"


def status_sql(statuses: Sequence[str], now: datetime, stale_after: float,
               params: list[Any]) -> str:
    """Stored statuses plus the pseudo ones: queued (ready now), scheduled, active, stuck."""
    parts: list[str] = []
    plain = [s for s in statuses if s not in ("queued", "scheduled", "active", "stuck")]
    if "queued" in statuses:
        parts.append("(status = 'queued' AND run_after_utc <= %s)")
        params.append(now)
    if "scheduled" in statuses:
        parts.append("(status = 'queued' AND run_after_utc > %s)")
        params.append(now)
    if "stuck" in statuses:
        parts.append(STUCK.format(now="%s", stale="%s"))
        params.extend([now, now - timedelta(seconds=stale_after)])
    if "active" in statuses:
        plain += ["leased", "processing"]
    if plain:
        parts.append("status = ANY(%s)")
        params.append(plain)
    return " OR ".join(parts) or "FALSE"


def compile_search(node: Node, now: datetime, stale_after: float, params: list[Any]) -> str:
    """The search tree as one parenthesized condition (``TRUE`` for no terms)."""
    if isinstance(node, Term):
        return f"({_compile(node, now, stale_after, params)})"
    if isinstance(node, Not):
        return f"NOT coalesce({compile_search(node.child, now, stale_after, params)}, FALSE)"
    if not node.children:
        return "TRUE"
    joiner = " AND " if isinstance(node, And) else " OR "
    return f"({joiner.join(compile_search(c, now, stale_after, params) for c in node.children)})"


def _compile(term: Term, now: datetime, stale_after: float, params: list[Any]) -> str:
    if not term.field:
        params.extend([like_pattern(term.values[0].text)] * len(TEXT_FIELDS))
        return " OR ".join(f"{column} ILIKE %s" for column in TEXT_FIELDS)
    kind, column = FIELDS[term.field], COLUMNS[term.field]
    if kind == "status":
        return status_sql([v.text for v in term.values], now, stale_after, params)
    if kind == "exact":
        return _any(term.values, lambda v: _exact(column, v, params))
    if kind == "contains" or (kind == "json" and not term.path):
        text = f"{column}::text" if kind == "json" else column
        return _any(term.values, lambda v: _param(f"{text} ILIKE %s", like_pattern(v.text),
                                                  params))
    if kind == "int":
        numbers = [int_value(value) for value in term.values]
        if term.op == ":":
            return _param(f"{column} = ANY(%s)", numbers, params)
        return _param(f"{column} {term.op} %s", numbers[0], params)
    if kind == "time":
        return _any(term.values, lambda v: _time(column, term.op, v, now, params))
    return _json(column, term, params)


def _param(sql: str, value: Any, params: list[Any]) -> str:
    params.append(value)
    return sql


def _any(values: Sequence[Value], one: Callable[[Value], str]) -> str:
    return " OR ".join(f"({one(value)})" for value in values)


def _exact(column: str, value: Value, params: list[Any]) -> str:
    if not value.quoted and "*" in value.text:
        return _param(f"{column} LIKE %s", wildcard_pattern(value.text), params)
    return _param(f"{column} = %s", value.text, params)


def _time(column: str, op: str, value: Value, now: datetime, params: list[Any]) -> str:
    low, high = time_value(value, now, op)
    if high is not None:
        params.extend([low, high])
        return f"{column} >= %s AND {column} < %s"
    return _param(f"{column} {'=' if op == ':' else op} %s", low, params)


def _json(column: str, term: Term, params: list[Any]) -> str:
    generated = GENERATED.get((column, tuple(term.path)))
    if generated and term.op == ":" and all(_plain_word(v) for v in term.values):
        return _param(f"{generated} = ANY(%s)", [v.text for v in term.values], params)
    path = [str(part) for part in term.path]
    return _any(term.values, lambda v: _json_value(column, path, term.op, v, params))


def _plain_word(value: Value) -> bool:
    return (bool(_WORD.fullmatch(value.text)) and _number(value) is None
            and _literal(value) is None and (value.quoted or "*" not in value.text))


def _number(value: Value) -> int | float | None:
    if value.quoted or not _NUMBER.fullmatch(value.text):
        return None
    number = float(value.text)
    return int(number) if number.is_integer() and abs(number) < 2**53 else number


def _literal(value: Value) -> str | None:
    return None if value.quoted or value.text not in ("true", "false", "null") else value.text


def _json_value(column: str, path: list[str], op: str, value: Value, params: list[Any]) -> str:
    """One value's test on the value at ``path``: text as text, numbers as numbers."""
    got = f"({column} #> %s::text[])"
    text_of = f"({column} #>> %s::text[])"
    number, literal = _number(value), _literal(value)
    if op != ":":
        if number is None:
            params.extend([path, path, value.text])
            return f"(jsonb_typeof{got} = 'string' AND {text_of} COLLATE \"C\" {op} %s)"
        params.extend([path, path, number])
        return (f"(CASE WHEN jsonb_typeof{got} = 'number'"
                f" THEN {got.replace('#>', '#>>', 1)}::numeric {op} %s END)")
    if not value.quoted and "*" in value.text:
        params.extend([path, path, wildcard_pattern(value.text)])
        return f"(jsonb_typeof{got} = 'string' AND {text_of} LIKE %s)"
    params.extend([path, path, value.text])
    test = f"(jsonb_typeof{got} = 'string' AND {text_of} = %s)"
    if number is not None:
        params.extend([path, path, number])
        test += (f" OR (CASE WHEN jsonb_typeof{got} = 'number'"
                 f" THEN {got.replace('#>', '#>>', 1)}::numeric = %s END)")
    if literal is not None:
        params.extend([path, literal])
        test += f" OR {got} = %s::jsonb"
    return test
