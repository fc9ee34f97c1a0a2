"""Every search operator against the same filter computed independently in Python.

The rows are varied on purpose (nested and non-object JSON, JSON5, numbers as text, NULLs,
``%`` and ``_`` in text, stale and fresh workers); the Python reading below knows nothing of
the SQL, only the language's documented meaning.
"""

from __future__ import annotations

import json
import random
import re
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from prismq_desktop.core import Queue, TaskQuery, timeutil
from prismq_desktop.core.models import TASK_COLUMNS, TASK_SELECT
from prismq_desktop.core.search import And, Node, Not, Or, Term, Value, parse, time_value
from tests.support import sqlite_db

NOW = datetime(2026, 11, 23, 12, 0, 0, tzinfo=timezone.utc)
STALE_AFTER = 60.0
FOLD = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
COLUMN = {"type": "type", "worker": "locked_by", "key": "idempotency_key",
          "error": "error_message", "payload": "payload", "compatibility": "compatibility",
          "id": "id", "priority": "priority", "attempts": "attempts",
          "max_attempts": "max_attempts", "created": "created_at_utc",
          "updated": "updated_at_utc", "run_after": "run_after_utc",
          "claimed": "reserved_at_utc", "started": "processing_started_utc",
          "finished": "finished_at_utc", "lease": "lease_until_utc"}
PAYLOADS = [
    {"query": "AI trends", "max_results": 50}, {"query": "ai trends"}, {"query": "50% off_sale"},
    {"query": "caf\u00e9 /menu"}, {"size": 150}, {"size": 100}, {"size": "100"},
    {"size": 99.5}, {"size": True}, {"flag": True}, {"flag": False}, {"flag": None},
    {"a": {"b": "x"}}, {"a": {"b": "X"}}, {"a": {"b": [1, "x"]}}, {"items": ["a", 2, 3]},
    {"items": [5]}, {"path": "/media/in/talk.mkv", "format": "mp4"}, {"format": "webm"},
    [1, 2], 42, "AI trends", {}, {"query": 'say "hi"\\now'}, {"nested": {"query": "AI trends"}},
]


def _row(rng: random.Random, i: int) -> tuple:
    status = rng.choice(["queued", "queued", "leased", "processing", "completed", "failed",
                         "cancelled", "dead_letter", "weird"])
    created = NOW - timedelta(hours=rng.randint(0, 24 * 30))
    if i < 2:  # the edges of created:2026-11-20
        created = datetime(2026, 11, 20 + i, tzinfo=timezone.utc)
    run_after = created + timedelta(minutes=rng.choice([0, 5])) if status != "queued" else \
        NOW + timedelta(minutes=rng.choice([-30, -1, 1, 30]))
    finished = created + timedelta(minutes=rng.randint(1, 90)) \
        if status in ("completed", "failed", "cancelled") else None
    lease = NOW + timedelta(seconds=rng.choice([-120, -1, 30])) \
        if status in ("leased", "processing") else None
    text = json.dumps(rng.choice(PAYLOADS), ensure_ascii=rng.random() < 0.5)
    if rng.random() < 0.03:
        text = '{query: "AI trends", size: 500,}'  # JSON5: shown, never matched by a path
    compat = rng.choice(['{}', '{"region": "eu"}', '{"region": "us"}', '{"region": "EU"}',
                         '{"gpu": true}', '{"region": 5}', "[1]"])
    return (
        rng.choice(["youtube_search", "reddit_scrape", "transcode", "you_tube", "50%type"]),
        rng.choice([10, 50, 100, 200, "high"]), text, compat,
        status, rng.randint(0, 5), rng.choice([1, 3, 5]), timeutil.to_db(run_after), lease and
        timeutil.to_db(lease), finished and timeutil.to_db(created),
        finished and timeutil.to_db(created + timedelta(seconds=30)),
        finished and timeutil.to_db(finished),
        rng.choice([None, "w-01", "w-02", "w-stale", "w-gone"]),
        rng.choice([None, None, "TimeoutError: read timed out", "HTTP 429 (50% quota)",
                    "Connection_reset"]),
        [None, None, f"s-{i:03d}", f"key_{i}%"][i % 4],
        timeutil.to_db(created), timeutil.to_db(created + timedelta(minutes=1)),
    )


@pytest.fixture(scope="module")
def rows_queue(tmp_path_factory: pytest.TempPathFactory) -> Any:
    queue = Queue.open(tmp_path_factory.mktemp("search") / "q.db", clock=lambda: NOW)
    rng = random.Random(11)
    with sqlite_db(queue).transaction() as conn:
        conn.executemany(
            "INSERT INTO task_queue (type, priority, payload, compatibility, status, attempts,"
            " max_attempts, run_after_utc, lease_until_utc, reserved_at_utc,"
            " processing_started_utc, finished_at_utc, locked_by, error_message,"
            " idempotency_key, created_at_utc, updated_at_utc)"
            " VALUES (" + ", ".join("?" * 17) + ")", [_row(rng, i) for i in range(600)])
        conn.executemany("INSERT INTO workers (worker_id, capabilities, heartbeat_utc)"
                         " VALUES (?, '{}', ?)", [
                             ("w-01", timeutil.to_db(NOW - timedelta(seconds=5))),
                             ("w-02", timeutil.to_db(NOW - timedelta(seconds=30))),
                             ("w-stale", timeutil.to_db(NOW - timedelta(seconds=600)))])
    rows = [dict(zip(TASK_COLUMNS, r, strict=True))
            for r in sqlite_db(queue).query(f"SELECT {TASK_SELECT} FROM task_queue")]
    workers = {w: hb for w, hb
               in sqlite_db(queue).query("SELECT worker_id, heartbeat_utc FROM workers")}
    yield queue, rows, workers
    queue.close()


# -- the independent reading ----------------------------------------------------------------
def _fold(value: Any) -> str | None:
    return value.translate(FOLD) if isinstance(value, str) else None


def _glob(value: Value, got: Any) -> bool:
    if not isinstance(got, str):
        return False
    if value.quoted or "*" not in value.text:
        return got == value.text
    pattern = ".*".join(re.escape(part) for part in value.text.split("*"))
    return re.fullmatch(pattern, got, re.DOTALL) is not None


def _contains(value: Value, got: Any) -> bool:
    folded = _fold(got)
    return folded is not None and value.text.translate(FOLD) in folded


def _number(value: Value) -> float | None:
    if value.quoted:
        return None
    try:
        number = float(value.text)
    except ValueError:
        return None
    return number if re.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d{1,3})?", value.text) \
        else None


def _compare(op: str, got: Any, want: Any) -> bool:
    return {":": got == want, ">": got > want, ">=": got >= want, "<": got < want,
            "<=": got <= want}[op]


_MISSING = object()


def _json_at(text: Any, path: tuple) -> Any:
    try:
        data = json.loads(text, parse_constant=lambda c: _MISSING)
    except (TypeError, ValueError):
        return _MISSING
    for part in path:
        in_object = isinstance(part, str) and isinstance(data, dict) and part in data
        in_array = isinstance(part, int) and isinstance(data, list) and part < len(data)
        if not (in_object or in_array):
            return _MISSING
        data = data[part]
    return data


def _json_match(term: Term, value: Value, got: Any) -> bool:
    if got is _MISSING:
        return False
    number = _number(value)
    is_number = isinstance(got, (int, float)) and not isinstance(got, bool)
    if term.op != ":":
        if number is not None:
            return is_number and _compare(term.op, got, number)
        return isinstance(got, str) and _compare(term.op, got, value.text)
    if _glob(value, got):
        return True
    if number is not None and is_number and got == number:
        return True
    literal = {"true": True, "false": False, "null": None}
    if not value.quoted and value.text in literal:
        want = literal[value.text]
        return got is want
    return False


def _status(text: str, row: dict, workers: dict) -> bool:
    now = timeutil.to_db(NOW)
    stale = timeutil.to_db(NOW - timedelta(seconds=STALE_AFTER))
    status = row["status"]
    if text == "queued":
        return status == "queued" and row["run_after_utc"] <= now
    if text == "scheduled":
        return status == "queued" and row["run_after_utc"] > now
    if text == "active":
        return status in ("leased", "processing")
    if text == "stuck":
        expired = row["lease_until_utc"] is not None and row["lease_until_utc"] < now
        holder = row["locked_by"]
        exhausted = status == "queued" and row["attempts"] >= row["max_attempts"]
        return exhausted or (status in ("leased", "processing") and (
            expired or (holder in workers and workers[holder] < stale)))
    return status == text


def _value_match(term: Term, value: Value, row: dict, workers: dict) -> bool:
    field = term.field
    if not field:
        return any(_contains(value, row[c]) for c in
                   ("type", "payload", "error_message", "idempotency_key"))
    got = row[COLUMN.get(field, "status")]
    if field == "status":
        return _status(value.text, row, workers)
    if field in ("type", "worker", "key"):
        return _glob(value, got)
    if field == "error" or (field in ("payload", "compatibility") and not term.path):
        return _contains(value, got)
    if field in ("payload", "compatibility"):
        return _json_match(term, value, _json_at(got, term.path))
    if field in ("id", "priority", "attempts", "max_attempts"):
        ok = isinstance(got, int) and not isinstance(got, bool)
        return ok and _compare(term.op, got, int(value.text))
    low, high = time_value(value, NOW, term.op)
    if not isinstance(got, str):
        return False
    return low <= got < high if high else _compare(term.op, got, low)


def _true(node: Node, row: dict, workers: dict) -> bool:
    """The documented reading: an unknown condition is not true, so NOT of it is true."""
    if isinstance(node, Term):
        return any(_value_match(node, v, row, workers) for v in node.values)
    if isinstance(node, Not):
        return not _true(node.child, row, workers)
    if isinstance(node, And):
        return all(_true(child, row, workers) for child in node.children)
    assert isinstance(node, Or)
    return any(_true(child, row, workers) for child in node.children)


def expected_ids(text: str, rows: list[dict], workers: dict) -> list[int]:
    tree = parse(text)
    return sorted((row["id"] for row in rows if _true(tree, row, workers)), reverse=True)


# -- the checks ------------------------------------------------------------------------------
QUERIES = [
    "AI trends", '"AI trends"', "ai", "50%", "_", "%", "off_sale", "type:youtube_search",
    "type:you*", 'type:"you*"', "type:you_tube,transcode", "status:failed,cancelled",
    "status:queued", "status:scheduled", "status:active", "status:stuck", 'status:"weird"',
    "-status:completed", "-status:queued,scheduled", 'payload.query:"AI trends"',
    "payload.query:ai*", "payload.query:*trends", "payload.query:50%*", 'payload.query:"ai*"',
    "payload.query>M", "payload.query<=b", "payload.a.b:x", "payload.a.b:X",
    "payload.a.b[1]:x", "payload.a.b[0]:1", "payload.size>100", "payload.size>=100",
    "payload.size<100", "payload.size:100", 'payload.size:"100"', "payload.size:1",
    "payload.size>99.4", "-payload.size>100", "payload.flag:true", "payload.flag:false",
    "payload.flag:null", "payload.items[0]:a", "payload.items[1]>1", "payload.items[0]>=5",
    'payload.query:"caf\u00e9 /menu"', "payload.query:caf*", 'payload.query:"say \\"hi\\"\\\\now"',
    "payload.format:mp4", "payload.format:mp4,webm", "payload.nested.query:*", "payload:trends",
    "payload:AI", "compat.region:eu", "compatibility.region:eu,us", "compat.region:EU",
    "compat.region:5", "compat.gpu:true", "-compat.region:eu", "error:timeout",
    "error:TIMEOUT", "-error:timeout", "error:50%", "error:_", "worker:w-01", "worker:w-*",
    "-worker:w-01", "key:s-002", "key:key_1*", "created>2026-11-01", "created:2026-11-20",
    "created<-3d", "finished<-2h", "finished>-1d", "started>=2026-11-10", "lease<now",
    "run_after>now", "updated<2026-11-15", "claimed:2026-11-20", "priority<50",
    "priority:10,50", "priority>=100", "-priority<50", "attempts>=3", "max_attempts:1",
    "id<100", "#5", "-#5", "type:reddit_scrape error:reset", "status:failed -error:timeout",
    "ai payload.query:*trends -type:you_tube",
    "type:transcode OR error:timeout", "NOT type:transcode", "NOT (type:transcode OR ai)",
    "status:failed (type:you_tube OR -compat.region:eu)", "-(payload.size>100 OR -error:reset)",
    "(key:s-* OR key:key_*) AND priority<100",
    "trends OR tube error:reset OR NOT (type:transcode OR priority<100)",
]


@pytest.mark.parametrize("text", QUERIES)
def test_operator_matches_python_reading(rows_queue: Any, text: str) -> None:
    queue, rows, workers = rows_queue
    got = [task.id for task in queue.list(TaskQuery(text=text), limit=10_000)]
    assert got == expected_ids(text, rows, workers)
    assert queue.count(TaskQuery(text=text)) == len(got)


_PIECES = st.sampled_from([q for q in QUERIES if isinstance(parse(q), (Term, Not))])
_JOINERS = st.sampled_from([" ", " AND ", " OR ", " NOT ", " -"])


@settings(max_examples=120, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(_JOINERS, _PIECES, st.booleans()), min_size=1, max_size=4))
def test_combined_terms_match_python_reading(rows_queue: Any,
                                             pieces: list[tuple[str, str, bool]]) -> None:
    """Terms joined by space, AND, OR and NOT, some in parentheses."""
    queue, rows, workers = rows_queue
    text = "".join(f"{joiner}({piece})" if grouped else f"{joiner}{piece}"
                   for joiner, piece, grouped in pieces).removeprefix(" AND ").removeprefix(
                       " OR ")
    got = [task.id for task in queue.list(TaskQuery(text=text), limit=10_000)]
    assert got == expected_ids(text, rows, workers)


#: Queries whose point is to match nothing: quoted ``*`` is literal, JSON true is not 1.
MEANT_EMPTY = {'type:"you*"', 'payload.query:"ai*"', "payload.size:1"}


def test_every_query_matched_something_and_left_something(rows_queue: Any) -> None:
    """Guards the data: a query matching all rows or none would prove little."""
    _queue, rows, workers = rows_queue
    trivial = {q for q in QUERIES if len(expected_ids(q, rows, workers)) in (0, len(rows))}
    assert trivial == MEANT_EMPTY
