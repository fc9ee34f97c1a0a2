"""Help under and inside the search box: the syntax error with its position, and completion.

Parsing is the core's pure parser (no SQL, a cached function call), so checking on the GUI
thread costs microseconds; a query that does not parse never reaches the table, which keeps
showing its last good result while the error is shown under the box.

Completion works on the word being typed at the end of the text (a QLineEdit completer
would otherwise replace the whole query): field names first, then the known values of the
closed fields (types, statuses, workers) read from the file in the background.
"""

from __future__ import annotations

import difflib
import html
import time

from PySide6.QtCore import (
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QStringListModel,
    Qt,
)
from PySide6.QtWidgets import QCompleter, QLabel, QLineEdit, QWidget

from prismq_desktop.core import SearchSyntaxError
from prismq_desktop.core.search import parse, terms_of
from prismq_desktop.gui.window.session import Session

#: Re-read known values at most this often (on focus).
REFRESH_S = 10.0
#: Characters of context shown around an error's position.
CONTEXT = 28


def syntax_error(text: str) -> SearchSyntaxError | None:
    """The parser's complaint about ``text``, or None when it reads."""
    try:
        parse(text)
    except SearchSyntaxError as exc:
        return exc
    return None


def error_html(text: str, error: SearchSyntaxError) -> str:
    """The reason, the position, and the text around it with the offending word marked."""
    pos = min(max(error.position, 0), len(text))
    stop = pos + 1
    while stop < len(text) and not text[stop].isspace() and text[stop] not in ':<>=,"':
        stop += 1
    start, end = max(0, pos - CONTEXT), min(len(text), stop + CONTEXT)
    before = ("…" if start else "") + text[start:pos]
    marked = text[pos:stop] or " "
    after = text[stop:end] + ("…" if end < len(text) else "")
    snippet = (f"{html.escape(before)}<span style='background:#d9362b;color:white'>"
               f"{html.escape(marked)}</span>{html.escape(after)}")
    return (f"⚠ {html.escape(error.reason)} — at character {pos + 1}: "
            f"<code style='white-space:pre'>{snippet}</code>")


def value_hint(text: str, known: dict[str, list[str]]) -> str:
    """For a search that matched nothing: a close known name for an exact ``type:`` or
    ``worker:`` value that is not one ('' when every value is known or nothing is close)."""
    try:
        terms = terms_of(parse(text))
    except SearchSyntaxError:
        return ""
    for term in terms:
        names = known.get(term.field, []) if term.field in ("type", "worker") else []
        for value in term.values:
            typed = value.text
            if not names or value.quoted or "*" in typed or typed in names:
                continue
            close = [n for n in names if n.startswith(typed)] or difflib.get_close_matches(
                typed, names, n=1, cutoff=0.6)
            if close:
                return (f"Did you mean {term.field}:{close[0]}? ({term.field}: is exact; "
                        f"{term.field}:{typed}* matches what starts with it)")
    return ""


def candidates(known: dict[str, list[str]]) -> list[str]:
    """Everything the completer offers: ``field:`` and ``payload.`` first, then values."""
    fields = [name if name.endswith(".") else f"{name}:" for name in known.get("fields", [])]
    values = [f"{field}:{value}" for field in ("type", "status", "worker")
              for value in known.get(field, []) if value and not any(c.isspace() for c in value)]
    return fields + values


def split_word(text: str) -> tuple[str, str]:
    """(text kept as is, the fragment to complete) for the last word of ``text``.

    ``-status:failed,can`` keeps ``-status:failed,`` and completes ``status:can``.
    """
    cut = max(text.rfind(" "), text.rfind("\t")) + 1
    keep, word = text[:cut], text[cut:]
    if word.startswith("-"):
        keep, word = keep + "-", word[1:]
    field, colon, values = word.partition(":")
    if colon and "," in values:
        done = values[: values.rfind(",") + 1]
        return keep + field + colon + done, field + colon + values[len(done):]
    return keep, word


def complete_word(text: str, completion: str) -> str:
    """``text`` with its last word replaced by ``completion`` (a value after a comma)."""
    keep, _word = split_word(text)
    if keep.endswith(","):
        completion = completion.partition(":")[2]
    return keep + completion


class WordCompleter(QCompleter):
    """A completer that matches and replaces only the last word (see ``split_word``)."""

    def splitPath(self, path: str) -> list[str]:  # noqa: N802 (Qt override)
        _keep, word = split_word(path)
        return [word] if word else ["\x00"]  # an empty word offers nothing

    def pathFromIndex(self, index: QModelIndex | QPersistentModelIndex) -> str:  # noqa: N802
        widget = self.widget()
        text = widget.text() if isinstance(widget, QLineEdit) else ""
        return complete_word(text, str(index.data()))


class SearchAssist(QObject):
    """Owns the error label under a search box and the box's completer."""

    def __init__(self, box: QLineEdit, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent or box)
        self.box = box
        self.session = session
        self.label = QLabel(objectName="searchError", wordWrap=True)
        self.label.setTextFormat(Qt.TextFormat.RichText)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.label.setContentsMargins(4, 2, 4, 2)
        self.label.hide()
        self.model = QStringListModel(self)
        self.completer = WordCompleter(self.model, self)
        self.completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.completer.setMaxVisibleItems(12)
        box.setCompleter(self.completer)
        self._read_at = 0.0
        #: The file's known values by field, as last read (types, statuses, workers).
        self.known: dict[str, list[str]] = {}
        box.installEventFilter(self)
        self.refresh_values()

    def check(self, text: str) -> bool:
        """True when the text parses; otherwise show why and where, and return False."""
        error = syntax_error(text)
        self.box.setProperty("error", error is not None)
        self.box.style().unpolish(self.box)
        self.box.style().polish(self.box)
        if error is None:
            self.label.hide()
            self.label.clear()
            return True
        self.label.setText(error_html(text, error))
        self.label.setToolTip(str(error))
        self.label.show()
        return False

    @property
    def error_text(self) -> str:
        """The error as plain text ('' when there is none), for tests and accessibility."""
        return "" if self.label.isHidden() else self.label.toolTip()

    def refresh_values(self) -> None:
        """Ask the reader for field names and known values (types, statuses, workers)."""
        self._read_at = time.monotonic()
        self.session.reader.submit(lambda q: q.search_completion(), self._values_arrived,
                                   lambda _exc: None, key="search-completion")

    def _values_arrived(self, known: dict[str, list[str]]) -> None:
        self.known = known
        self.model.setStringList(candidates(known))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        if (watched is self.box and event.type() == QEvent.Type.FocusIn
                and time.monotonic() - self._read_at > REFRESH_S):
            self.refresh_values()
        return False
