"""The exception hierarchy of the core, free of any driver (each backend translates its own
driver's errors into these in one place: core/sqlite/translate.py for apsw)."""

from __future__ import annotations


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


class QueueConnectionError(QueueDatabaseError):
    """The database server could not be reached or dropped the connection mid-session;
    nothing was changed, and the same call may succeed once the server is back."""


class MigrationCancelledError(QueueDatabaseError):
    """Upgrading a file for this version was stopped before it finished (the caller's
    progress callback said so): the transaction rolled back and the file is as it was."""
