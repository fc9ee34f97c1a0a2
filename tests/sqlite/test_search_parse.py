"""The search language's parser: what it reads, the errors it gives, and that nothing a user
types reaches SQL except as a bound parameter."""

from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from prismq_desktop.core import Queue, TaskQuery, ValidationError
from prismq_desktop.core.search import EVERYTHING, And, Not, Or, SearchSyntaxError, Term, parse
from prismq_desktop.core.sqlite.search_sql import COLUMNS, compile_search
from tests.support import sqlite_db

NOW = datetime(2026, 11, 23, 12, 0, 0, tzinfo=timezone.utc)


def test_brief_examples_parse_to_the_expected_terms() -> None:
    term = parse('payload.query:"AI trends"')
    assert (term.field, term.path, term.op, term.values[0].text) == (
        "payload", ("query",), ":", "AI trends")
    term = parse("status:failed,cancelled")
    assert [v.text for v in term.values] == ["failed", "cancelled"]
    negated = parse("-status:completed")
    assert isinstance(negated, Not) and negated.child.field == "status"
    term = parse("payload.items[0].name>=b")
    assert term.path == ("items", 0, "name") and term.op == ">="
    term = parse("compat.region:eu")
    assert term.field == "compatibility"
    term = parse("#123")
    assert (term.field, term.values[0].text) == ("id", "123")
    assert [t.values[0].text for t in parse('AI "big trends" 50%').children] == [
        "AI", "big trends", "50%"]
    assert parse("   ") == EVERYTHING


@pytest.mark.parametrize(("text", "position", "words"), [
    ("foo:bar", 0, "unknown field"),
    ("status:", 7, "needs a value"),
    ('type:x "abc', 7, "never closed"),
    ("priority<abc", 9, "whole number"),
    ("#x1", 0, "task id"),
    ("payload.:x", 7, "path segment"),
    ("payload.a[x]:1", 9, "array index"),
    ("created:-2h", 8, "relative time"),
    ("created>soon", 8, "date-time"),
    ("type>x", 4, "cannot be compared"),
    ("priority<1,2", 11, "one value"),
    ('status:"a"b', 10, "space between"),
    ("error.x:1", 5, "no fields inside"),
    ("status:faild", 7, 'unknown status "faild" (did you mean "failed"?)'),
    ("status:failed,cancled", 14, 'did you mean "cancelled"?'),
    ("status:xyz", 7, 'use one of queued, leased'),
    ("a OR", 2, "OR needs a term after it"),
    ("OR a", 0, "OR needs a term before it"),
    ("a OR OR b", 2, "OR needs a term after it"),
    ("a AND", 2, "AND needs a term after it"),
    ("AND a", 0, "AND needs a term before it"),
    ("NOT", 0, 'NOT needs a term after it (to search for the word, quote it: "NOT")'),
    ("(a OR b", 0, "this ( is never closed"),
    ("a ) b", 2, "this ) closes no ("),
    ("x ()", 3, "put a term between ( and )"),
])
def test_errors_say_what_and_where(text: str, position: int, words: str) -> None:
    with pytest.raises(SearchSyntaxError) as caught:
        parse(text)
    assert caught.value.position == position
    assert words in caught.value.reason
    assert isinstance(caught.value, ValidationError)
    assert f"at character {position + 1}" in str(caught.value)


def _shape(node: object) -> object:
    """A tree as nested tuples of words, to compare against what the text means."""
    if isinstance(node, Term):
        return node.values[0].text
    if isinstance(node, Not):
        return ("NOT", _shape(node.child))
    assert isinstance(node, (And, Or))
    return (type(node).__name__.upper(), *map(_shape, node.children))


@pytest.mark.parametrize(("text", "shape"), [
    ("a b OR c", ("OR", ("AND", "a", "b"), "c")),
    ("a AND b OR NOT c", ("OR", ("AND", "a", "b"), ("NOT", "c"))),
    ("a (b OR c)", ("AND", "a", ("OR", "b", "c"))),
    ("-(a OR b) NOT -c", ("AND", ("NOT", ("OR", "a", "b")), ("NOT", ("NOT", "c")))),
    ("(type:x OR error:f(x))", ("OR", "x", "f(x)")),
    ("((a))", "a"),
    ("(#1 OR #2)", ("OR", "1", "2")),
    ('"OR" or ORANGE', ("AND", "OR", "or", "ORANGE")),
    ("a) :)", ("AND", "a)", ":)")),
    ('status:"weird"', "weird"),
])
def test_not_or_and_parentheses_make_a_tree(text: str, shape: object) -> None:
    assert _shape(parse(text)) == shape


def test_a_lone_dash_and_odd_words_are_free_text() -> None:
    assert [t.field for t in parse("- a.b <3 -").children] == ["", "", "", ""]


# Everything SQL may contain besides placeholders: the columns, functions and keywords the
# compiler writes, and its own fixed string literals.
_LITERALS = re.compile(r"'(?:text|integer|real|queued|leased|processing|\\)'")
_VOCABULARY = set(COLUMNS.values()) | {"region", "format", "workers", "worker_id", "heartbeat_utc",
    "SELECT", "FROM", "WHERE", "AND", "OR", "NOT", "IN", "IS", "NULL", "LIKE", "ESCAPE", "GLOB",
    "CASE", "WHEN", "THEN", "END", "coalesce", "instr", "json_valid", "json_type",
    "json_extract", "typeof", "0", "1"}


def _assert_only_placeholders(sql: str) -> None:
    words = re.findall(r"[^\s(),?=<>!+*-]+", _LITERALS.sub(" ", sql))
    assert set(words) <= _VOCABULARY, sql


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=40)
       | st.lists(st.sampled_from(['status:', 'payload.', 'a', '"', ',', ' ', '-', '#', '1',
                                   '>', '<=', '*', '[0]', '%', '\\', 'created', '2026-11-01',
                                   '-2h', 'type', ':', '.', 'x"y', 'true', ' OR ', ' AND ',
                                   'NOT ', '(', ')']),
                  max_size=12).map("".join))
def test_any_text_parses_or_fails_with_a_position(text: str) -> None:
    try:
        terms = parse(text)
    except SearchSyntaxError as exc:
        position = exc.position
    else:
        position = None
    if position is not None:
        assert 0 <= position <= len(text)
        return
    params: list = []
    _assert_only_placeholders(compile_search(terms, NOW, 60.0, params))


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.text(max_size=30) | st.lists(st.sampled_from(
    ['payload.a:', 'payload.a>', 'compat.region:', 'x', '1', '"', ' ', 'status:stuck',
     'created<', '-1d', 'error:', '%', '_', '*', ',', 'true', '#7']), max_size=8).map("".join))
def test_any_text_runs_against_odd_rows_without_raising(odd_queue: Queue, text: str) -> None:
    try:
        odd_queue.list(TaskQuery(text=text), limit=5)
        odd_queue.count(TaskQuery(text=text))
    except SearchSyntaxError:
        pass


@pytest.fixture
def odd_queue(queue: Queue) -> Queue:
    """Rows other tools may leave: JSON5, JSON that is not an object, numbers as text."""
    with sqlite_db(queue).transaction() as conn:
        for payload in ('{a:1, "x": "y",}', "[1, 2]", "42", '"text"', '{"a": {"b": [1, "x"]}}',
                        '{"a": "1"}', '{"a": null}', "{}"):
            conn.execute("INSERT INTO task_queue (type, payload, compatibility, priority)"
                         " VALUES ('odd', ?, ?, 'high')", (payload, payload))
    return queue
