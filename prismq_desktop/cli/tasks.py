"""Commands on tasks: enqueue, list, export, show, cancel, retry."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from prismq_desktop.cli import output as out
from prismq_desktop.cli.files import open_for_reading, open_for_writing
from prismq_desktop.cli.parser import PROG, UsageError
from prismq_desktop.core import (
    Queue,
    Task,
    TaskQuery,
    TaskStatus,
    ValidationError,
    timeutil,
    validation,
)
from prismq_desktop.core.query import ACTIVE_FILTER, SCHEDULED, STUCK_FILTER

TIME_COLUMNS = ("run_after_utc", "lease_until_utc", "reserved_at_utc",
                "processing_started_utc", "finished_at_utc", "created_at_utc", "updated_at_utc")


def read_json_argument(text: str | None, what: str) -> str | None:
    """The JSON text itself, or read from a file (@FILE) or stdin (-)."""
    if text is None or not (text == "-" or text.startswith("@")):
        return text
    if text == "-":
        try:
            return sys.stdin.read()
        except UnicodeDecodeError as exc:
            raise UsageError(f"the {what} on stdin is not valid UTF-8 text: {exc}") from exc
    try:
        with open(text[1:], encoding="utf-8") as handle:
            return handle.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read the {what} from {text[1:]}: {exc}") from exc


def enqueue(args: argparse.Namespace) -> int:
    options: dict[str, Any] = {
        "priority": args.priority, "max_attempts": args.max_attempts,
        "run_after": args.run_after, "idempotency_key": args.idempotency_key,
        "compatibility": read_json_argument(args.compatibility, "compatibility"),
    }
    payload = read_json_argument(args.payload, "payload")
    # Validate before opening, so bad input never creates or migrates a file.
    validation.new_task(args.type, payload, now=timeutil.utc_now(), **options)
    with open_for_writing(args, create=True) as queue:
        task = queue.enqueue(args.type, payload, **options)
    if not task.is_new:
        print(f"task {task.id} already has idempotency key {out.clean(task.idempotency_key)!r} "
              f"({out.clean(task.status)}); nothing new was enqueued",
              file=sys.stderr if args.json else sys.stdout)
    if args.json:
        out.print_json(task.to_dict())
    elif task.is_new:
        when = f", runs after {task.run_after_utc} UTC" if args.run_after else ""
        print(f"enqueued task {task.id} ({out.clean(task.type)}, priority {task.priority}{when})")
    return 0


def _statuses(values: list[str], known: set[str]) -> tuple[str, ...]:
    """--status values, comma-separated or repeated; a typo is an error, not an empty list."""
    statuses = [part.strip() for value in values for part in value.split(",") if part.strip()]
    for status in statuses:
        if status not in known:
            choices = ", ".join(sorted(known))
            raise ValidationError(f"unknown status {status!r}; use one of {choices}")
    return tuple(dict.fromkeys(statuses))


def _filter_query(args: argparse.Namespace, queue: Queue, sort: str,
                  descending: bool) -> TaskQuery:
    """--status, --type and --search as one query (the statuses checked against the file's)."""
    known = {s.value for s in TaskStatus} | {SCHEDULED, ACTIVE_FILTER, STUCK_FILTER}
    known |= {status for _type, status in queue.type_counts()}
    return TaskQuery(statuses=_statuses(args.status, known), types=tuple(args.type),
                     text=args.search, sort=sort, descending=descending)


def list_tasks(args: argparse.Namespace) -> int:
    with open_for_reading(args) as queue:
        query = _filter_query(args, queue, args.sort, args.descending)
        # One row more than asked says whether more match, without counting a million rows.
        tasks = queue.list(query, offset=args.offset, limit=args.limit + 1)
        now = queue.now()
    more, tasks = len(tasks) > args.limit, tasks[: args.limit]
    hint = (f"more tasks match: see them with --offset {args.offset + len(tasks)}"
            " or a larger --limit")
    if args.json:
        out.print_json([task.to_dict() for task in tasks])
        if more:  # the array stays an array for scripts; the note goes beside it
            print(f"{PROG}: note: {len(tasks)} tasks printed; {hint}", file=sys.stderr)
    elif not tasks:
        print("no tasks match" if args.offset == 0 else f"no tasks after the first {args.offset}")
    else:
        out.table(("ID", "TYPE", "STATUS", "PRI", "TRIES", "CREATED", "WORKER", "DETAIL"),
                  [_row(task, now) for task in tasks])
        if more:
            print(f"({hint})")
    return 0


def export(args: argparse.Namespace) -> int:
    """Every matching task, oldest first, streamed to DEST (no file unless it completes)."""
    fmt = args.format or ("jsonl" if args.dest.suffix.lower() in (".jsonl", ".ndjson")
                          else "csv")
    with open_for_reading(args) as queue:
        query = _filter_query(args, queue, "id", descending=False)
        result = queue.export(query, args.dest, fmt)
    if args.json:
        out.print_json({"path": str(result.path), "format": fmt, "rows": result.rows,
                        "seconds": round(result.seconds, 3)})
    else:
        print(f"exported {result.rows} task{'s' if result.rows != 1 else ''} to {result.path}"
              f" ({fmt})")
    return 0


def _display_status(task: Task, now: Any) -> str:
    return out.clean(task.shown_status(now))


def _row(task: Task, now: Any) -> list[str]:
    detail = task.error_message if task.error_message else None
    return [str(task.id), out.cut(out.clean(task.type), 30), _display_status(task, now),
            out.clean(task.priority), f"{out.clean(task.attempts)}/{out.clean(task.max_attempts)}",
            out.local_time(task.created_at_utc), out.cut(out.clean(task.locked_by), 24),
            out.clean(detail) if detail else out.compact_json(task.payload)]


def show(args: argparse.Namespace) -> int:
    with open_for_reading(args) as queue:
        task = queue.get(args.id)
        now = queue.now()
    if args.json:
        out.print_json(task.to_dict())
        return 0
    status = _display_status(task, now)
    fields = task.to_dict()
    for column in ("payload", "compatibility", "error_message"):
        fields.pop(column)
    fields["status"] = status if status == out.clean(task.status) else f"{task.status} ({status})"
    width = max(len(name) for name in fields)
    for name, value in fields.items():
        text = out.timestamp_line(value, now) if name in TIME_COLUMNS else out.clean(value)
        print(f"{name.ljust(width)}  {text}")
    out.block("payload", out.pretty_json(task.payload))
    out.block("compatibility", out.pretty_json(task.compatibility))
    out.block("error_message", out.clean(task.error_message, one_line=False))
    return 0


def _transition(args: argparse.Namespace, verb: str) -> int:
    with open_for_writing(args) as queue:
        task = queue.cancel(args.id) if verb == "cancelled" else queue.retry(args.id)
    if args.json:
        out.print_json(task.to_dict())
    else:
        print(f"{verb} task {task.id} ({out.clean(task.type)}): now {out.clean(task.status)}")
    return 0


def cancel(args: argparse.Namespace) -> int:
    return _transition(args, "cancelled")


def retry(args: argparse.Namespace) -> int:
    return _transition(args, "retried")
