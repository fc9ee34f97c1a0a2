"""Big values cut to what a widget can lay out at once, and split for the full-text viewer.

Qt lays a whole paragraph out before it paints any of it: a 1 MB payload string in a text box
held the GUI thread for over a minute, a 10 MB log line for ten seconds. So everything shown
inline passes through :func:`clip` first, in the reader thread (these functions are Qt-free),
and the whole text is only ever shown split into short lines (:func:`split_lines`) in a view
that lays out just the lines on screen (dialogs/full_text_dialog.py).
"""

from __future__ import annotations

from dataclasses import dataclass

#: The most characters a detail box shows inline (the rest behind "Show all").
INLINE_CHARS = 20_000
#: The most lines a detail box shows inline.
INLINE_LINES = 400
#: The longest single line shown inline; longer ones are cut with a note of what is left.
LINE_CHARS = 2_000
#: A log message is shown in the table up to this many characters (the rest on demand).
LOG_LINE_CHARS = 500
#: Tooltips hold at most this many characters (Qt lays the whole tooltip out, too).
TIP_CHARS = 2_000
#: The full-text viewer splits lines longer than this into rows of this many characters.
VIEW_LINE_CHARS = 120


@dataclass(frozen=True)
class Clipped:
    """What to show inline, and whether (and how much) was left out."""

    text: str
    total_chars: int
    cut: bool

    @property
    def note(self) -> str:
        return (f"showing part of {size_text(self.total_chars)}; "
                "“Show all” opens the whole text" if self.cut else "")


def clip(text: str, chars: int = INLINE_CHARS, lines: int = INLINE_LINES,
         line_chars: int = LINE_CHARS) -> Clipped:
    """The first ``lines`` lines of the first ``chars`` characters, each cut at
    ``line_chars`` with a marker saying how much of that line is left."""
    head = text[:chars]
    shown: list[str] = []
    cut = len(text) > chars
    for number, line in enumerate(head.split("\n")):
        if number >= lines:
            cut = True
            break
        if len(line) > line_chars:
            line, cut = f"{line[:line_chars]} … [line cut]", True
        shown.append(line)
    return Clipped("\n".join(shown), len(text), cut)


def one_line(text: str, chars: int = LOG_LINE_CHARS) -> tuple[str, bool]:
    """A table cell's text: up to ``chars`` characters on one line, and whether it was cut."""
    head = text[: chars + 1]
    flat = head.replace("\r", " ").replace("\n", " ⏎ ")
    if len(text) <= chars and flat == head:
        return text, False
    if len(text) <= chars:
        return flat, False
    return f"{flat[:chars]} … [{size_text(len(text))}, double-click for the whole line]", True


def tip(text: str, chars: int = TIP_CHARS) -> str:
    return text if len(text) <= chars else f"{text[:chars]}\n… ({size_text(len(text))} in all)"


def split_lines(text: str, width: int = VIEW_LINE_CHARS) -> list[str]:
    """The text as display rows: its lines, long ones split every ``width`` characters."""
    rows: list[str] = []
    for line in text.split("\n"):
        if len(line) <= width:
            rows.append(line)
        else:
            rows.extend(line[i:i + width] for i in range(0, len(line), width))
    return rows


def size_text(chars: int) -> str:
    """A character count read at a glance: 950 characters, 12 K characters, 1.0 M characters."""
    if chars < 1_000:
        return f"{chars} characters"
    if chars < 999_500:  # (999,990 reads as 1.0 M, not 1000 K)
        return f"{chars / 1000:.0f} K characters"
    return f"{chars / 1_000_000:.1f} M characters"
