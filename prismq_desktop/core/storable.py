"""Whatever a handler returns or raises becomes something the queue can store (issue 17).

Canonical JSON cannot hold NaN or infinities, text with lone surrogates (a path decoded from
non-UTF-8 bytes with ``surrogateescape``) cannot be written as UTF-8, and keys that are not
text, cycles and arbitrary objects make ``json.dumps`` raise. A failed write would leave the
task running until its lease expires and run it again (DESIGN §10 forbids that), so such
values are stored in a lossless, readable form instead, with a note saying what changed:

- NaN and the infinities become the strings ``"NaN"``, ``"Infinity"``, ``"-Infinity"``;
- text with surrogates is escaped: an undecodable byte as ``\\xNN``, another lone surrogate as
  ``\\uNNNN``, and (in that text only) a backslash as ``\\\\``, so the original can be recovered;
- other objects become their ``repr``, keys that are not text their ``repr``, a cycle
  ``"<cycle>"``.
"""

from __future__ import annotations

import math
from typing import Any

#: Deeper than this, a value is stored as its (escaped) repr: json.dumps would recurse past
#: Python's limit, and no reader lays out a thousand levels anyway.
MAX_DEPTH = 100
_PLAIN = (bool, int, type(None))
#: Python refuses to write integers of more than 4,300 digits as text (about 14,000 bits).
MAX_INT_BITS = 14_000


def readable_text(text: str) -> tuple[str, bool]:
    """(the text as stored, whether it had to be escaped)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "".join(_escape(char) for char in text), True
    return text, False


def _escape(char: str) -> str:
    code = ord(char)
    if char == "\\":
        return "\\\\"
    if 0xDC80 <= code <= 0xDCFF:  # surrogateescape's stand-in for one undecodable byte
        return f"\\x{code - 0xDC00:02x}"
    if 0xD800 <= code <= 0xDFFF:
        return f"\\u{code:04x}"
    return char


def storable_text(value: object) -> tuple[str, bool]:
    """(``str(value)`` as storable text, whether it had to be escaped), even when the
    value's ``__str__`` raises."""
    try:
        text = str(value)
    except Exception:  # noqa: BLE001 (foreign code: its __str__ may do anything)
        text = f"<{type(value).__name__} that cannot be shown>"
    return readable_text(text)


def safe_str(value: object) -> str:
    """``str(value)`` as storable text (see :func:`storable_text`)."""
    return storable_text(value)[0]


def storable(value: Any) -> tuple[Any, list[str]]:
    """(a JSON-safe copy of ``value``, notes on what was stored differently)."""
    notes: list[str] = []
    return _walk(value, "$", notes, set(), 0), notes


def _walk(value: Any, where: str, notes: list[str], seen: set[int], depth: int) -> Any:
    if isinstance(value, int) and value.bit_length() > MAX_INT_BITS:
        notes.append(f"{where}: an integer too long for decimal text stored as hex")
        return hex(value)
    if isinstance(value, _PLAIN):
        return value
    if isinstance(value, float):
        if math.isfinite(value):
            return value
        text = "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
        notes.append(f"{where}: {text} stored as the string {text!r}")
        return text
    if isinstance(value, str):
        text, escaped = readable_text(value)
        if escaped:
            notes.append(f"{where}: text with undecodable bytes stored escaped (\\xNN)")
        return text
    if depth >= MAX_DEPTH or not isinstance(value, (dict, list, tuple)):
        return _as_repr(value, where, notes, depth)
    if id(value) in seen:
        notes.append(f"{where}: a reference to itself stored as '<cycle>'")
        return "<cycle>"
    seen.add(id(value))
    try:
        if isinstance(value, dict):
            return {_key(key, where, notes): _walk(item, f"{where}.{key}", notes, seen, depth + 1)
                    for key, item in value.items()}
        return [_walk(item, f"{where}[{i}]", notes, seen, depth + 1)
                for i, item in enumerate(value)]
    finally:
        seen.discard(id(value))


def _key(key: Any, where: str, notes: list[str]) -> Any:
    if isinstance(key, str):
        text, escaped = readable_text(key)
        if escaped:
            notes.append(f"{where}: a key with undecodable bytes stored escaped")
        return text
    if isinstance(key, _PLAIN) or (isinstance(key, float) and math.isfinite(key)):
        return key  # json.dumps writes these as text, as every JSON library does
    notes.append(f"{where}: the key {safe_repr(key)} stored as its repr")
    return safe_repr(key)


def _as_repr(value: Any, where: str, notes: list[str], depth: int) -> str:
    kind = type(value).__name__
    if depth >= MAX_DEPTH:
        notes.append(f"{where}: nested deeper than {MAX_DEPTH} levels, stored as its repr")
    else:
        notes.append(f"{where}: a {kind} stored as its repr")
    return safe_repr(value)


def safe_repr(value: object) -> str:
    """``repr(value)`` as storable text, even when its ``__repr__`` raises or recurses."""
    try:
        text = repr(value)
    except Exception:  # noqa: BLE001 (RecursionError too: foreign code may do anything)
        text = f"<{type(value).__name__} that cannot be shown>"
    return readable_text(text)[0]


def note_text(what: str, notes: list[str], limit: int = 5) -> str:
    """One log line saying what was stored differently (the first ``limit`` notes)."""
    shown = "; ".join(notes[:limit])
    more = f"; and {len(notes) - limit} more" if len(notes) > limit else ""
    return f"{what} held values JSON cannot store, kept in a readable form: {shown}{more}"
