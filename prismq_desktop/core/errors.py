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


@contextlib.contextmanager
def translated() -> Iterator[None]:
    """Turn apsw exceptions into core exceptions, keeping ``__cause__``."""
    try:
        yield
    except (apsw.BusyError, apsw.LockedError) as exc:
        raise QueueBusyError(f"the queue file is locked by another process ({exc})") from exc
    except apsw.NotADBError as exc:
        raise QueueSchemaError("the file is not a SQLite database") from exc
    except apsw.CorruptError as exc:
        raise QueueDatabaseError(f"the queue file is corrupt ({exc})") from exc
    except apsw.ReadOnlyError as exc:
        raise ReadOnlyError(f"the queue file is read-only ({exc})") from exc
    except apsw.CantOpenError as exc:
        raise QueueDatabaseError(f"cannot open the queue file ({exc})") from exc
    except apsw.Error as exc:
        raise QueueDatabaseError(str(exc)) from exc
