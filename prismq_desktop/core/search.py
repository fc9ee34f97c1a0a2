"""The search box's query language: text in, a parse tree out (each backend compiles it).

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
    -status:completed          a leading ``-`` (or NOT) negates a term or a group
    type:a OR type:b           either; terms side by side (or joined by AND) must all match
    status:failed (type:a OR error:timeout)   parentheses group; AND binds tighter than OR

``AND``, ``OR`` and ``NOT`` are keywords in capitals only ("OR" quoted is the word).
``field:value`` is exact and case-sensitive (``*`` a wildcard, quoted text literal); free text
and ``error:`` match substrings, ignoring ASCII case. ``status:`` takes the statuses above; a
quoted one is any stored text. A JSON path matches only rows whose text is strict JSON (JSON5
rows are shown, never matched), except ``compat.region`` and ``payload.format``, which use
PrismQ's indexed generated columns.

A date or time without a zone is local time, as the table shows it
(``created>"2026-11-20 09:30"``); ``Z`` or an offset names the zone
(``created>2026-11-20T14:30Z``, ``created>2026-11-20T09:30-05:00``); a date alone with ``:``
is that whole local day.

Parsing is pure and never touches the file: every value becomes a bound parameter later, field
names come from :data:`FIELDS`, and JSON path segments must match :data:`PATH_SEGMENT`. The
tree (:data:`Node`: :class:`Term` leaves under :class:`Not`, :class:`And`, :class:`Or`) says
nothing about SQL; core/sqlite/search_sql.py compiles it for SQLite.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from prismq_desktop.core.search_terms import (
    ALIASES,
    COMPARISONS,
    FIELDS,
    PATH_SEGMENT,
    PSEUDO_STATUSES,
    STATUS_NAMES,
    SearchSyntaxError,
    Term,
    Value,
    field_names,
    int_value,
    read_term,
    status_value,
    time_value,
)

__all__ = [
    "ALIASES", "COMPARISONS", "EVERYTHING", "FIELDS", "PATH_SEGMENT", "PSEUDO_STATUSES",
    "STATUS_NAMES", "And", "Node", "Not", "Or", "SearchSyntaxError", "Term", "Value",
    "field_names", "int_value", "parse", "status_value", "terms_of", "time_value",
]


@dataclass(frozen=True)
class Not:
    """True when ``child`` is not true: an unknown condition (a JSON path on a row that is
    not JSON, a NULL column) counts as not true, so ``-error:x`` keeps rows without an error."""

    child: Node


@dataclass(frozen=True)
class And:
    """Every child is true; no children matches every task (an empty query)."""

    children: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    """At least one child is true."""

    children: tuple[Node, ...]


#: The parse tree every backend compiles: terms joined by Not, And and Or.
Node = Term | Not | And | Or
EVERYTHING = And(())


#: Bounds that keep a query inside what SQLite compiles (LIKE patterns up to 50,000 bytes,
#: expressions up to 1,000 deep) and what people type, so an oversized one is bad input.
MAX_SEARCH_CHARS = 10_000
MAX_SEARCH_TERMS = 100
MAX_SEARCH_NESTING = 20


def parse(text: str) -> Node:
    """Read a query; raises :class:`SearchSyntaxError` (and nothing else) for bad input."""
    text = str(text)
    if len(text) > MAX_SEARCH_CHARS:
        raise SearchSyntaxError(f"a search is at most {MAX_SEARCH_CHARS:,} characters long, "
                                f"this one {len(text):,}", MAX_SEARCH_CHARS)
    try:
        node = _parse_cached(text)
    except RecursionError:
        node = Not(EVERYTHING)  # deeper than Python reads: over the nesting bound below
        _check_size(node, nesting=MAX_SEARCH_NESTING + 1)
    _check_size(node, _nesting(node))
    return node


def _nesting(node: Node) -> int:
    """How deeply NOT, AND, OR and groups nest (without recursion: deep input is the point)."""
    deepest, stack = 0, [(node, 0)]
    while stack:
        item, level = stack.pop()
        deepest = max(deepest, level)
        if not isinstance(item, Term):
            children = (item.child,) if isinstance(item, Not) else item.children
            stack.extend((child, level + 1) for child in children)
    return deepest


def _check_size(node: Node, nesting: int) -> None:
    if nesting > MAX_SEARCH_NESTING:
        raise SearchSyntaxError(f"a search nests NOT, AND, OR and ( ) at most "
                                f"{MAX_SEARCH_NESTING} deep", 0)
    terms = len(terms_of(node))
    if terms > MAX_SEARCH_TERMS:
        raise SearchSyntaxError(f"a search has at most {MAX_SEARCH_TERMS} terms, this one "
                                f"{terms}", 0)


def terms_of(node: Node) -> list[Term]:
    """The terms in a tree, left to right (what completion and checks look at)."""
    if isinstance(node, Term):
        return [node]
    children = (node.child,) if isinstance(node, Not) else node.children
    return [term for child in children for term in terms_of(child)]


@functools.lru_cache(maxsize=256)
def _parse_cached(text: str) -> Node:
    return _Reader(text).query()


class _Reader:
    """Recursive descent over the text: OR of ANDs of (NOT) terms and ( groups ).

    A space between terms means AND, which binds tighter than OR; keywords are capitals.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.depth = 0
        self._keyword_at = 0

    def query(self) -> Node:
        node = self._either()
        if self.pos < len(self.text):  # only a ) can stop the top level early
            raise SearchSyntaxError("this ) closes no (", self.pos)
        return node

    def _either(self) -> Node:
        parts = [self._all(None)]
        while self._keyword("OR"):
            parts.append(self._all(self._keyword_at))
        return parts[0] if len(parts) == 1 else Or(tuple(parts))

    def _all(self, after_or: int | None) -> Node:
        """Terms up to an OR, a ) or the end; ``after_or`` is where the OR before them is."""
        parts: list[Node] = []
        self._skip()
        while not self._at_end_of_group() and not self._at_keyword("OR"):
            if self._keyword("AND"):
                if not parts:
                    raise _needs("AND", self._keyword_at, "before")
                parts.append(self._unary(("AND", self._keyword_at)))
            else:
                parts.append(self._unary(None))
            self._skip()
        if len(parts) == 1:
            return parts[0]
        if parts:
            return And(tuple(parts))
        if after_or is not None:
            raise _needs("OR", after_or, "after")
        if self._at_keyword("OR"):
            raise _needs("OR", self.pos, "before")
        if self.depth and self.pos < len(self.text):
            raise SearchSyntaxError("put a term between ( and )", self.pos)
        return EVERYTHING  # an empty query, or a ( never closed (the group says so)

    def _unary(self, after: tuple[str, int] | None) -> Node:
        """A term, a group, or either negated; ``after`` is the keyword that needs it."""
        self._skip()
        if after is not None and (self._at_end_of_group() or self._at_keyword("OR")
                                  or self._at_keyword("AND")):
            raise _needs(*after, side="after")
        text, start = self.text, self.pos
        if self._keyword("NOT"):
            return Not(self._unary(("NOT", start)))
        if text[start] == "-" and start + 1 < len(text) and not text[start + 1].isspace() \
                and text[start + 1] != ")":
            self.pos += 1
            return Not(self._unary(None))
        if text[start] == "(":
            return self._group()
        term, self.pos = read_term(text, start, ")" if self.depth else "")
        return term

    def _group(self) -> Node:
        opened = self.pos
        self.pos += 1
        self.depth += 1
        node = self._either()
        if self.pos >= len(self.text):
            raise SearchSyntaxError("this ( is never closed", opened)
        self.pos += 1  # the )
        self.depth -= 1
        return node

    def _skip(self) -> int:
        self.pos = _skip_space(self.text, self.pos)
        return self.pos

    def _at_end_of_group(self) -> bool:
        return self.pos >= len(self.text) or self.text[self.pos] == ")"

    def _at_keyword(self, word: str) -> bool:
        end = self.pos + len(word)
        return self.text.startswith(word, self.pos) and (
            end >= len(self.text) or self.text[end].isspace() or self.text[end] in "()")

    def _keyword(self, word: str) -> bool:
        """Step over ``word`` when it is next (its place kept in ``_keyword_at``)."""
        self._skip()
        if not self._at_keyword(word):
            return False
        self._keyword_at = self.pos
        self.pos += len(word)
        return True


def _needs(keyword: str, position: int, side: str) -> SearchSyntaxError:
    return SearchSyntaxError(f'{keyword} needs a term {side} it (to search for the word, '
                             f'quote it: "{keyword}")', position)


def _skip_space(text: str, pos: int) -> int:
    while pos < len(text) and text[pos].isspace():
        pos += 1
    return pos


