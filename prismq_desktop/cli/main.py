"""The `prismq-desktop` command line (DESIGN §8): parse, run one command, map errors to codes.

Every failure ends here as exactly one line on stderr and an exit code a script can branch
on; a traceback is never shown, not even for a bug.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Callable

from prismq_desktop.cli import copy_command as cli_copy
from prismq_desktop.cli import delegates as cli_delegates
from prismq_desktop.cli import logs as cli_logs
from prismq_desktop.cli import queue_commands as cli_queue
from prismq_desktop.cli import schedules as cli_schedules
from prismq_desktop.cli import serve as cli_serve
from prismq_desktop.cli import tasks as cli_tasks
from prismq_desktop.cli.files import db_path
from prismq_desktop.cli.parser import PROG, UsageError, build_parser
from prismq_desktop.core import (
    InvalidTransitionError,
    MigrationCancelledError,
    QueueDatabaseError,
    ScheduleNotFoundError,
    TaskNotFoundError,
    ValidationError,
)
from prismq_desktop.core.locations import redacted

OK, REFUSED, BAD_INPUT, DATABASE, INTERNAL, CANNOT_START, INTERRUPTED = 0, 1, 2, 3, 4, 5, 130

COMMANDS: dict[str | None, Callable[[argparse.Namespace], int]] = {
    None: cli_delegates.gui,
    "gui": cli_delegates.gui,
    "enqueue": cli_tasks.enqueue,
    "list": cli_tasks.list_tasks,
    "export": cli_tasks.export,
    "show": cli_tasks.show,
    "cancel": cli_tasks.cancel,
    "retry": cli_tasks.retry,
    "logs": cli_logs.logs,
    "stats": cli_queue.stats,
    "backup": cli_queue.backup,
    "copy": cli_copy.run,
    "check": cli_queue.check,
    "purge": cli_queue.purge,
    "worker": cli_delegates.worker,
    "demo": cli_delegates.demo,
    "self-test": cli_delegates.self_test,
    "schedule": cli_schedules.schedule,
    "pause": cli_schedules.pause_type,
    "resume": cli_schedules.resume_type,
    "worker-control": cli_schedules.worker_control,
    "serve": cli_serve.serve,
}

#: Most specific first: the first matching class decides the exit code.
EXIT_CODES: tuple[tuple[type[BaseException], int], ...] = (
    (MigrationCancelledError, INTERRUPTED),
    (InvalidTransitionError, REFUSED),
    (cli_delegates.CannotStart, CANNOT_START),
    (ValidationError, BAD_INPUT),
    (TaskNotFoundError, BAD_INPUT),
    (ScheduleNotFoundError, BAD_INPUT),
    (UsageError, BAD_INPUT),
    (QueueDatabaseError, DATABASE),
    (OSError, DATABASE),
)


def main(argv: list[str] | None = None) -> int:
    """Run one command; returns the exit code (``__main__`` passes it to ``sys.exit``)."""
    args: argparse.Namespace | None = None
    try:
        argv = sys.argv[1:] if argv is None else argv
        _require_utf8(argv)
        args = build_parser().parse_args(argv)
        code = COMMANDS[args.command](args)
        sys.stdout.flush()  # a closed pipe shows up here, inside the handlers below
        return code
    except SystemExit as exc:  # --help and --version print, then exit 0
        if exc.code is None or isinstance(exc.code, int):
            return exc.code or OK
        return _fail(" ".join(str(exc.code).split()), INTERNAL)
    except KeyboardInterrupt:
        return _fail("interrupted", INTERRUPTED)
    except BrokenPipeError:
        return _reader_went_away()
    except Exception as exc:  # noqa: BLE001 - the one place every error becomes one line
        return _fail(_message(exc, args), _exit_code(exc))


def _require_utf8(argv: list[str]) -> None:
    """Bytes that are not UTF-8 reach Python as lone surrogates, which no file, queue or
    terminal can take: refuse them (and NUL) here, naming the argument, before anything
    opens."""
    for position, arg in enumerate(argv, 1):
        if "\0" in arg:  # only a caller in-process can pass one (a C string cannot hold it)
            raise UsageError(f"argument {position} contains a NUL character")
        try:
            arg.encode("utf-8")
        except UnicodeEncodeError:
            shown = arg.encode("utf-8", "surrogateescape" if _escaped_bytes(arg)
                               else "backslashreplace")
            raise UsageError(f"argument {position} is not valid UTF-8 text: {shown!r}") \
                from None


def _escaped_bytes(text: str) -> bool:
    return all(not "\ud800" <= ch <= "\udfff" or "\udc80" <= ch <= "\udcff" for ch in text)


def _exit_code(exc: BaseException) -> int:
    for kind, code in EXIT_CODES:
        if isinstance(exc, kind):
            return code
    return INTERNAL


def _message(exc: BaseException, args: argparse.Namespace | None) -> str:
    """The error on one line; a database error names the file when the core did not."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    if _exit_code(exc) == INTERNAL:
        return f"internal error ({type(exc).__name__}: {text}); please report it"
    if _exit_code(exc) == DATABASE and not isinstance(exc, OSError) and args is not None:
        path = redacted(db_path(args))
        if path not in text:
            return f"{path}: {text}"
    return text


def _fail(message: str, code: int) -> int:
    print(f"{PROG}: error: {message}", file=sys.stderr, flush=True)
    return code


def _reader_went_away() -> int:
    """`prismq-desktop list | head`: the pipe closed early; that is not an error."""
    with contextlib.suppress(OSError, ValueError):  # stdout may not be a real file
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return OK
