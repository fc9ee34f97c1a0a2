"""The exception hierarchy, and the one place driver errors are translated."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import apsw


class QueueDatabaseError(Exception):
    """Base of every error the core raises."""


class QueueBusyError(QueueDatabaseError):
    """The file stayed locked past the busy timeout; nothing was written."""


class QueueSchemaError(QueueDatabaseError):
    """The file is not a usable PrismQ queue (missing tables, newer schema, not SQLite)."""


class TaskNotFoundError(QueueDatabaseError):
    """No task has that id."""


class InvalidTransitionError(QueueDatabaseError):
    """The task's current status does not allow the operation."""


class ValidationError(QueueDatabaseError, ValueError):
    """Input that the core refuses before touching the file."""


class ReadOnlyError(QueueDatabaseError):
    """A write was attempted through a read-only database."""


def translate(exc: apsw.Error) -> QueueDatabaseError:
    """The core exception for an apsw one (raise it ``from exc``)."""
    if isinstance(exc, (apsw.BusyError, apsw.LockedError)):
        return QueueBusyError(f"the queue file is locked by another process ({exc})")
    if isinstance(exc, apsw.NotADBError):
        return QueueSchemaError("the file is not a SQLite database")
    if isinstance(exc, apsw.CorruptError):
        return QueueDatabaseError(f"the queue file is corrupt ({exc})")
    if isinstance(exc, apsw.ReadOnlyError):
        return ReadOnlyError(f"the queue file is read-only ({exc})")
    if isinstance(exc, apsw.CantOpenError):
        return QueueDatabaseError(f"cannot open the queue file ({exc})")
    return QueueDatabaseError(str(exc))


@contextlib.contextmanager
def translated() -> Iterator[None]:
    """Turn apsw exceptions into core exceptions, keeping ``__cause__``."""
    try:
        yield
    except apsw.Error as exc:
        raise translate(exc) from exc
