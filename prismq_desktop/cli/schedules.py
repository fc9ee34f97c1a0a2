"""``schedule ...``, ``pause TYPE``, ``resume TYPE`` and ``worker-control`` (DESIGN §14)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from prismq_desktop.cli import output as out
from prismq_desktop.cli.files import open_for_reading, open_for_writing
from prismq_desktop.cli.tasks import read_json_argument
from prismq_desktop.core import (
    Schedule,
    local_zone_name,
    new_schedule,
    timeutil,
)

#: ``schedule edit`` option -> ``Queue.edit_schedule`` keyword.
EDITABLE = {"cron": "cron", "type": "type", "payload": "payload", "priority": "priority",
            "max_attempts": "max_attempts", "timezone": "timezone", "catch_up": "catch_up"}


def schedule(args: argparse.Namespace) -> int:
    return _ACTIONS[args.schedule_command](args)


def _add(args: argparse.Namespace) -> int:
    payload = read_json_argument(args.payload, "payload")
    options: dict[str, Any] = {
        "priority": args.priority, "max_attempts": args.max_attempts,
        "timezone": args.timezone or local_zone_name(), "catch_up": args.catch_up}
    # Checked before opening, so bad input never creates or migrates a file.
    new_schedule(args.name, args.cron, args.type, payload, now=timeutil.utc_now(), **options)
    with open_for_writing(args, create=True) as queue:
        made = queue.add_schedule(args.name, args.cron, args.type, payload, **options)
    return _report(args, made, "added")


def _edit(args: argparse.Namespace) -> int:
    changes = {key: getattr(args, option) for option, key in EDITABLE.items()
               if getattr(args, option) is not None}
    if "payload" in changes:
        changes["payload"] = read_json_argument(changes["payload"], "payload")
    with open_for_writing(args) as queue:
        made = queue.edit_schedule(args.name, **changes)
    return _report(args, made, "changed")


def _report(args: argparse.Namespace, made: Schedule, verb: str) -> int:
    if args.json:
        out.print_json(made.as_dict())
    else:
        print(f"schedule {made.name} {verb}: {made.describe()} ({made.spec.timezone}), "
              f"enqueues {out.clean(made.spec.type)}; next run {_when(made.next_run)}")
    return 0


def _when(moment: Any) -> str:
    if moment is None:
        return "-"
    return f"{out.local_time(moment)} local ({timeutil.to_db(moment)} UTC)"


def _list(args: argparse.Namespace) -> int:
    with open_for_reading(args) as queue:
        found = queue.schedules()
    if args.json:
        out.print_json([s.as_dict() for s in found])
        return 0
    if not found:
        print("no schedules (add one with: schedule add NAME --cron EXPR TYPE)")
        return 0
    out.table(("NAME", "CRON", "ZONE", "TYPE", "NEXT RUN (local)", "LAST RUN (local)", "LAST TASK",
               "STATE"),
              [(s.name, s.spec.cron, s.spec.timezone, out.clean(s.spec.type),
                out.local_time(s.next_run) if s.next_run and not s.paused else "-",
                out.local_time(s.last_run) if s.last_run else "-", _last_task(s),
                "paused" if s.paused else "active") for s in found])
    return 0


def _last_task(s: Schedule) -> str:
    if s.last_task_id is None:
        return "-"
    return f"#{s.last_task_id} {out.clean(s.last_task_status or 'deleted')}"


def _pause(args: argparse.Namespace) -> int:
    with open_for_writing(args) as queue:
        made = queue.pause_schedule(args.name)
    return _state(args, made, "paused")


def _resume(args: argparse.Namespace) -> int:
    with open_for_writing(args) as queue:
        made = queue.resume_schedule(args.name)
    return _state(args, made, f"resumed; next run {_when(made.next_run)}")


def _state(args: argparse.Namespace, made: Schedule, what: str) -> int:
    if args.json:
        out.print_json(made.as_dict())
    else:
        print(f"schedule {made.name} {what}")
    return 0


def _remove(args: argparse.Namespace) -> int:
    with open_for_writing(args) as queue:
        queue.remove_schedule(args.name)
    if args.json:
        out.print_json({"removed": args.name})
    else:
        print(f"schedule {args.name} removed (the tasks it made stay)")
    return 0


def _run_now(args: argparse.Namespace) -> int:
    with open_for_writing(args) as queue:
        task = queue.run_schedule_now(args.name)
    if args.json:
        out.print_json(task.to_dict())
    else:
        print(f"enqueued task {task.id} ({out.clean(task.type)}) for schedule {args.name}")
    return 0


_ACTIONS: dict[str, Callable[[argparse.Namespace], int]] = {
    "add": _add, "edit": _edit, "list": _list, "pause": _pause, "resume": _resume,
    "remove": _remove, "run-now": _run_now,
}


def pause_type(args: argparse.Namespace) -> int:
    with open_for_writing(args) as queue:
        queue.pause_type(args.task_type)
        waiting = queue.type_counts().get((args.task_type, "queued"), 0)
    print(f"type {args.task_type} paused ({waiting} waiting): no worker of this app claims it "
          f"until 'resume {args.task_type}'")
    return 0


def resume_type(args: argparse.Namespace) -> int:
    with open_for_writing(args) as queue:
        resumed = queue.resume_type(args.task_type)
    print(f"type {args.task_type} resumed" if resumed else f"type {args.task_type} was not paused")
    return 0


def worker_control(args: argparse.Namespace) -> int:
    with open_for_writing(args) as queue:
        queue.request_worker_control(args.worker_id, args.action)
    verb = "stop claiming" if args.action == "quiet" else "finish its running tasks and exit"
    print(f"asked worker {args.worker_id} to {verb}; it obeys at its next heartbeat")
    return 0
