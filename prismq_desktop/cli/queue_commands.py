"""Commands on the whole queue file: stats, backup, check, purge."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

from prismq_desktop.cli import output as out
from prismq_desktop.cli.files import db_path, open_for_reading, open_for_writing
from prismq_desktop.core import QueueDatabaseError
from prismq_desktop.core.locations import redacted
from prismq_desktop.core.reports import FileHealth, QueueSummary

#: Status columns of the per-type table, in the order of a task's life.
STATUS_ORDER = ("queued", "scheduled", "leased", "processing", "completed", "failed",
                "cancelled", "dead_letter")


def stats(args: argparse.Namespace) -> int:
    with open_for_reading(args) as queue:
        summary = queue.summary()
    _show(args, summary.to_dict(), lambda: _print_summary(summary))
    return 0


def _show(args: argparse.Namespace, document: dict, print_text: Callable[[], None]) -> None:
    """``--json``: the file's path and ``document``; else the human text."""
    if args.json:
        out.print_json({"db": redacted(db_path(args)), **document})
    else:
        print_text()


def _ordered(statuses: set[str]) -> list[str]:
    """Known statuses in life order, then any odd ones found in the file."""
    return [s for s in STATUS_ORDER if s in statuses] + sorted(statuses - set(STATUS_ORDER))


def _print_summary(summary: QueueSummary) -> None:
    print(f"tasks: {summary.total}")
    if summary.counts:
        out.table(("STATUS", "TASKS"),
                  [[out.clean(s), str(summary.counts[s])] for s in _ordered(set(summary.counts))],
                  indent="  ")
    if summary.oldest_ready_age is not None:
        print(f"oldest ready task has waited {out.duration(summary.oldest_ready_age)}")
    if summary.by_type:
        columns = _ordered({s for counts in summary.by_type.values() for s in counts})
        print("\nper type:")
        rows = [[out.clean(kind), *(str(counts.get(s, 0)) for s in columns),
                 str(sum(counts.values()))] for kind, counts in summary.by_type.items()]
        out.table(("TYPE", *(c.upper() for c in columns), "TOTAL"), rows, indent="  ")
    print(f"\nworkers: {len(summary.workers)}")
    if summary.workers:
        rows = [[out.clean(s.worker.worker_id), out.duration(s.heartbeat_age) + " ago",
                 "stale" if s.stale else "alive", str(s.worker.active_tasks),
                 out.compact_json(s.worker.capabilities)] for s in summary.workers]
        out.table(("WORKER", "HEARTBEAT", "STATE", "ACTIVE", "CAPABILITIES"), rows, indent="  ")


def backup(args: argparse.Namespace) -> int:
    with open_for_reading(args) as queue:
        dest = Path(queue.backup(args.dest))
    if args.json:
        out.print_json({"backup": str(dest), "bytes": dest.stat().st_size})
    else:
        print(f"backed up {redacted(db_path(args))} to {dest} ({dest.stat().st_size} bytes)")
    return 0


def check(args: argparse.Namespace) -> int:
    """Exit 0 when SQLite's integrity check passes, 3 (a database problem) when it does not."""
    with open_for_reading(args) as queue:
        health = queue.file_health()
    _show(args, health.to_dict(), lambda: _print_health(health))
    if not health.ok:
        raise QueueDatabaseError(f"{redacted(db_path(args))} failed the integrity check: "
                                 f"{out.clean(health.integrity[0])}")
    return 0


def _print_health(health: FileHealth) -> None:
    newer = health.schema_version > health.app_schema_version
    note = "; newer, so the app opens it read-only" if newer else ""
    print(f"integrity:      {'ok' if health.ok else 'FAILED'}")
    for line in ([] if health.ok else health.integrity):
        print(f"  {out.clean(line)}")
    print(f"schema version: {health.schema_version} (this app: {health.app_schema_version}{note})")
    print(f"journal mode:   {health.journal_mode}")
    if health.sqlite_version.startswith("PostgreSQL "):  # a server's queue: no file, no WAL
        print(f"PostgreSQL:     {health.sqlite_version.removeprefix('PostgreSQL ')}")
        print(f"schema size:    {health.file_bytes} bytes")
    else:
        print(f"SQLite:         {health.sqlite_version}")
        print(f"file size:      {health.file_bytes} bytes (+ {health.wal_bytes} bytes WAL)")
    if health.read_only_note:
        print(f"access:         read-only: {out.clean(health.read_only_note)}")


def purge(args: argparse.Namespace) -> int:
    with open_for_writing(args) as queue:
        removed = queue.purge(args.older_than)
    if args.json:
        out.print_json({"purged": removed, "older_than_days": args.older_than})
    else:
        print(f"purged {removed} finished task{'s' if removed != 1 else ''} "
              f"older than {args.older_than:g} days")
    return 0
