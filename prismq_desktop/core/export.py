"""Export on any backend: every row a query matches, as CSV or JSON Lines; one task with its log.

The query's ids are read once in its order (8 bytes a row); rows are then read and written a
chunk at a time, each chunk its own short read, so memory stays flat and no read transaction
pins the WAL for the whole export (which would let it grow without bound while workers write).
A row changed meanwhile is written as it is when its chunk is read; one deleted is skipped.
The file appears under its name only when complete: a stopped or failed export leaves none.
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import json
import math
import os
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from prismq_desktop.core.errors import ValidationError
from prismq_desktop.core.models import FROM_START, TASK_COLUMNS, as_text
from prismq_desktop.core.query import TaskQuery
from prismq_desktop.core.store import Store

FORMATS = ("csv", "jsonl")
CHUNK = 5000
Progress = Callable[[int, int], Any]


@dataclass
class ExportResult:
    path: Path
    rows: int
    total: int
    stopped: bool
    seconds: float


def export(store: Store, query: TaskQuery, now: datetime, path: str | os.PathLike[str],
           fmt: str = "csv", *, progress: Progress | None = None,
           cancel: threading.Event | None = None) -> ExportResult:
    """Write every task ``query`` matches, in its order, with task_queue's column names.

    ``progress(written, total)`` after each chunk; returning False, or setting ``cancel``,
    stops and removes the partial file.
    """
    if fmt not in FORMATS:
        raise ValidationError(f"unknown export format {fmt!r}; use {' or '.join(FORMATS)}")
    started = time.perf_counter()
    ids = store.result_set(query, now).ids
    target = Path(path)
    written, stopped = 0, False
    with _file_when_complete(target) as handle:
        write = _writer(handle, fmt)
        for start in range(0, len(ids), CHUNK):
            if cancel is not None and cancel.is_set():
                stopped = True
                break
            written += write(store.export_rows(ids[start:start + CHUNK].tolist()))
            if progress is not None and progress(min(start + CHUNK, len(ids)), len(ids)) is False:
                stopped = start + CHUNK < len(ids)
                break
        if stopped:
            raise _Stopped
    return ExportResult(target, written, len(ids), stopped, time.perf_counter() - started)


class _Stopped(Exception):
    """Unwinds the file context so the partial file is removed."""


def _writer(handle: IO[str], fmt: str) -> Callable[[Sequence[tuple[Any, ...]]], int]:
    if fmt == "csv":
        out = csv.writer(handle)
        out.writerow(TASK_COLUMNS)

        def write_csv(rows: Sequence[tuple[Any, ...]]) -> int:
            out.writerows(tuple(map(_plain, row)) for row in rows)
            return len(rows)
        return write_csv

    def write_jsonl(rows: Sequence[tuple[Any, ...]]) -> int:
        handle.writelines(_json({c: _plain(v) for c, v in zip(TASK_COLUMNS, row, strict=True)})
                          + "\n" for row in rows)
        return len(rows)
    return write_jsonl


def _plain(value: Any) -> Any:
    """A stored value as JSON and CSV can hold it, shown as it is: a BLOB as text (bytes that
    are not UTF-8 as \\xNN), an infinite REAL as "Infinity"."""
    if isinstance(value, bytes):
        return as_text(value)
    if isinstance(value, float) and not math.isfinite(value):
        return str(value).replace("inf", "Infinity")
    return value


def _json(value: Any, indent: int | None = None) -> str:
    return json.dumps(value, ensure_ascii=False, indent=indent, allow_nan=False,
                      default=_plain)


@contextlib.contextmanager
def _file_when_complete(target: Path) -> Iterator[IO[str]]:
    """Write to ``<name>.part`` and rename at the end; remove it on error or stop."""
    if target.is_dir():
        raise ValidationError(f"{target} is a directory; give a file name")
    part = target.with_name(target.name + ".part")
    try:
        # owner-only, like the queue it comes from (DESIGN §10), whatever the umask
        fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.chmod(part, 0o600)  # a .part left by an older run keeps its own mode
        handle = open(fd, "w", encoding="utf-8", newline="")  # noqa: SIM115
    except OSError as exc:
        raise ValidationError(f"cannot write {target}: {exc.strerror}") from exc
    try:
        with handle:
            yield handle
    except _Stopped:
        part.unlink(missing_ok=True)
        return
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    os.replace(part, target)


def task_document(store: Store, task_id: int) -> dict[str, Any]:
    """One task with its whole log and attempt history, as plain data."""
    details = store.details(task_id)
    entries: list[dict[str, Any]] = []
    after = FROM_START
    while True:
        chunk = store.logs_since(task_id, after, 10_000)
        entries += [entry.to_dict() for entry in chunk]
        if len(chunk) < 10_000:
            break
        after = chunk[-1].log_id
    runs = [dataclasses.asdict(run) for run in details.runs]
    task = {column: _plain(value) for column, value in details.task.to_dict().items()}
    logs = [{key: _plain(value) for key, value in entry.items()} for entry in entries]
    return {"task": task, "logs": logs, "runs": runs}


def export_task(store: Store, task_id: int, path: str | os.PathLike[str]) -> Path:
    """Write :func:`task_document` as indented JSON."""
    document = task_document(store, task_id)
    target = Path(path)
    with _file_when_complete(target) as handle:
        handle.write(_json(document, indent=2) + "\n")
    return target
