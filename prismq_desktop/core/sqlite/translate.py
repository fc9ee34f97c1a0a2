"""The one place apsw's errors become the core's (DESIGN §2), keeping ``__cause__``."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import apsw

from prismq_desktop.core.errors import (
    QueueBusyError,
    QueueDatabaseError,
    QueueSchemaError,
    ReadOnlyError,
)


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
