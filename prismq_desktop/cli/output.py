"""How the command line prints: JSON for scripts, aligned plain text for people.

Rows come from files other tools write, so every cell is cleaned of control characters
(a stored ANSI escape must not repaint the user's terminal) and cut to the screen width.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from prismq_desktop.core import RawText, timeutil
from prismq_desktop.core.models import parse_json

#: Widest a free-text cell gets when stdout is not a terminal (a pipe or a file).
PIPE_CELL_WIDTH = 200
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
#: Bidirectional overrides, embeddings and isolates: in a terminal they reorder what
#: follows them (a stored "\u202e" can make a line read backwards, hiding what it says).
_BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
#: Marks text stored as bytes that are not UTF-8 (shown with \\xNN for those bytes).
RAW_MARK = "⚠"
#: Longest text printed for one log message or value; the rest is counted, not shown.
LONG_TEXT = 10_000


def print_json(value: Any, indent: int | None = 2) -> None:
    print(json_text(value, indent), flush=True)


def json_text(value: Any, indent: int | None = 2) -> str:
    """JSON as printed: readable Unicode, but bidi controls written as \\u escapes (still
    the same JSON for a program, inert in a terminal)."""
    text = json.dumps(value, indent=indent, ensure_ascii=False, default=str)
    return _BIDI.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def clean(value: Any, *, one_line: bool = True) -> str:
    """Text safe for a terminal: '-' for nothing, control and bidi characters made visible."""
    if value is None or value == "":
        return "-"
    text = str(value)
    if one_line:
        text = " ".join(text.split())
    text = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
    text = _BIDI.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
    return f"{RAW_MARK}{text}" if isinstance(value, RawText) else text


def elide(text: str, limit: int = LONG_TEXT, hint: str = "") -> str:
    """``text`` cut to ``limit`` characters, saying how much was left out (and ``hint``)."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text) - limit:,} more characters{hint})"


def cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(width - 1, 0)] + "…"


def screen_width() -> int | None:
    """The terminal's width, or None when printing into a pipe or a file."""
    return shutil.get_terminal_size().columns if sys.stdout.isatty() else None


def table(headers: Sequence[str], rows: Sequence[Sequence[str]], indent: str = "") -> None:
    """Print aligned columns; the last column takes what is left of the screen."""
    widths = [max([len(h), *(len(r[i]) for r in rows)]) for i, h in enumerate(headers[:-1])]
    used = len(indent) + sum(w + 2 for w in widths)
    screen = screen_width()
    last = max(20, screen - used) if screen else PIPE_CELL_WIDTH
    for cells in [list(headers), *rows]:
        parts = [cell.ljust(width) for cell, width in zip(cells, widths, strict=False)]
        line = indent + "  ".join([*parts, cut(cells[-1], last)])
        print(line.rstrip())


def local_time(value: Any) -> str:
    """A stored UTC timestamp as local time for people; unreadable values shown as stored."""
    moment = timeutil.parse(value)
    if moment is None:
        return clean(value)
    return moment.astimezone().strftime("%Y-%m-%d %H:%M:%S")


def duration(seconds: float | None) -> str:
    """A length of time the way people say it: 45s, 3m 20s, 2h 5m, 3d 4h."""
    if seconds is None:
        return "-"
    whole = int(abs(seconds))
    for unit, size, sub, sub_size in (("d", 86400, "h", 3600), ("h", 3600, "m", 60),
                                      ("m", 60, "s", 1)):
        if whole >= size:
            rest = (whole % size) // sub_size
            return f"{whole // size}{unit}" + (f" {rest}{sub}" if rest else "")
    return f"{whole}s"


def relative(value: Any, now: datetime) -> str:
    """'5m ago' or 'in 3m' for a stored timestamp, '' when it cannot be read."""
    moment = timeutil.parse(value)
    if moment is None:
        return ""
    seconds = (now - moment).total_seconds()
    return f"{duration(seconds)} ago" if seconds >= 0 else f"in {duration(seconds)}"


def timestamp_line(value: Any, now: datetime) -> str:
    """Stored value (UTC) with local time and age, for `show`."""
    if value is None:
        return "-"
    moment = timeutil.parse(value)
    if moment is None:
        return f"{clean(value)}  (not a readable time)"
    return f"{clean(value)} UTC  ({local_time(value)} local, {relative(value, now)})"


def pretty_json(text: Any) -> str:
    """Stored JSON text indented for reading; text that is not JSON is shown raw, and said so."""
    value, problem = parse_json(text)
    if problem is None:
        return json.dumps(value, indent=2, ensure_ascii=False)
    if text is None:
        return "-"
    return f"{clean(text, one_line=False)}\n(not valid JSON: {problem})"


def compact_json(text: Any) -> str:
    """Stored JSON on one line, for table cells."""
    value, problem = parse_json(text)
    if problem is not None:
        return clean(text)
    return clean(json.dumps(value, ensure_ascii=False, separators=(",", ":")))


def block(title: str, text: str, indent: str = "  ") -> None:
    """A titled multi-line value (payload, error, traceback) indented under its title."""
    print(f"{title}:")
    for line in clean(text, one_line=False).splitlines() or ["-"]:
        print(indent + line)
