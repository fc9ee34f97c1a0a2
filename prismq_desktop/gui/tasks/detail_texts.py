"""The detail panel's big texts, formatted and cut in the reader thread (Qt-free).

Pretty-printing a 1 MB payload and laying it out are what froze the window; the reader does
the first and :func:`long_text.clip` bounds the second, so the GUI thread only sets short
texts. The whole value is shown on demand (``full_text``), formatted in the reader too.
"""

from __future__ import annotations

from dataclasses import dataclass

from prismq_desktop.core.models import Task
from prismq_desktop.gui import formatting as fmt
from prismq_desktop.gui.tasks.long_text import Clipped, clip

#: The Task fields with a box of their own: field -> (title, holds JSON).
BOXES = {"payload": ("Payload", True), "compatibility": ("Compatibility", True),
         "error_message": ("Error", False)}


@dataclass(frozen=True)
class BoxText:
    """One box: the clipped text and a note (the JSON did not parse; part shown)."""

    clipped: Clipped
    json_note: str | None = None


def full_text(task: Task, field: str) -> str:
    """The whole text a box shows a part of: pretty JSON, or the stored text."""
    value = getattr(task, field)
    if BOXES[field][1]:
        return fmt.pretty_json(value)[0]
    return "" if value is None else str(value)


def box_texts(task: Task) -> dict[str, BoxText]:
    """Every box's text for one task (runs in the reader thread)."""
    texts: dict[str, BoxText] = {}
    for field, (_title, is_json) in BOXES.items():
        value = getattr(task, field)
        if is_json:
            pretty, note = fmt.pretty_json(value)
            texts[field] = BoxText(clip(pretty), note)
        else:
            texts[field] = BoxText(clip("" if value is None else str(value)))
    return texts
