"""Where a queue lives, and which backend opens it: a file path (or ``sqlite:///path``) is the
SQLite backend, a ``postgresql://`` URL the PostgreSQL one (DESIGN §5, §12).

Backends are imported only when a location needs them, so the SQLite path never loads
psycopg and a build without the PostgreSQL extra still opens files.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

from prismq_desktop.core.errors import QueueDatabaseError

if TYPE_CHECKING:
    from prismq_desktop.core.store import Store

#: How long a writer waits for another's lock before QueueBusyError, unless told.
DEFAULT_BUSY_TIMEOUT_MS = 5000
#: ``progress(fraction)``, 0 to 1, while opening a queue upgrades it for this version (1 once
#: committed; only when a migration runs); returning False stops it and changes nothing.
MigrationProgress = Callable[[float], object]
SQLITE_SCHEME = "sqlite:///"
POSTGRES_SCHEMES = ("postgresql://", "postgres://")
POSTGRES_MISSING = ("the PostgreSQL backend is not installed; install it with"
                    " pip install 'prismq-desktop[postgres]'")


def default_db_path() -> Path:
    """``PRISMQ_QUEUE_DB_PATH``, else the PrismQ backend's default, so both open one queue."""
    env = os.environ.get("PRISMQ_QUEUE_DB_PATH")
    if env:
        return Path(env).expanduser()
    return builtin_db_path()


def builtin_db_path() -> Path:
    """The PrismQ backend's default file, in a folder every user may write."""
    if sys.platform.startswith("win"):
        return Path(r"C:\Data\PrismQ\queue\queue.db")
    return Path("/tmp/prismq/queue/queue.db")


def chosen_by_user(path: Path) -> bool:
    """False for the built-in default nobody named (no PRISMQ_QUEUE_DB_PATH): opening it is
    checked strictly (core/file_safety.py)."""
    return bool(os.environ.get("PRISMQ_QUEUE_DB_PATH")) or path != builtin_db_path()


def is_postgres(location: str | os.PathLike[str] | None) -> bool:
    return isinstance(location, str) and location.startswith(POSTGRES_SCHEMES)


def default_location() -> str | Path:
    """``PRISMQ_QUEUE_DSN`` (a ``postgresql://`` URL) when set, else the default file."""
    dsn = os.environ.get("PRISMQ_QUEUE_DSN")
    return dsn if dsn else default_db_path()


def location_of(value: str | os.PathLike[str] | None) -> str | Path:
    """What the user named as a location: a URL stays text (a Path would fold its ``//``),
    anything else is a file path; None is :func:`default_location`."""
    if value is None:
        return default_location()
    return value if is_postgres(value) else Path(value)  # type: ignore[return-value]


def redacted(location: str | os.PathLike[str]) -> str:
    """A location fit to show or store: a URL without its password, a path as it is."""
    text = os.fspath(location)
    if not is_postgres(text):
        return text
    parts = urlsplit(text)
    user, at, host = parts.netloc.rpartition("@")
    netloc = f"{user.partition(':')[0]}@{host}" if at else host
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))


def display_name(location: str | os.PathLike[str]) -> str:
    """Short text for a title or status bar: a file's name, a URL without its password."""
    return redacted(location) if is_postgres(location) else Path(location).name


def sqlite_path(location: str | os.PathLike[str] | None) -> Path:
    """The file a SQLite location names: a path, or ``sqlite:///relative/path`` and
    ``sqlite:////absolute/path`` as SQLAlchemy writes them; None is the default file."""
    if location is None:
        return default_db_path()
    if isinstance(location, str) and location.startswith("sqlite:"):
        path = location.removeprefix(SQLITE_SCHEME)
        if path == location or not path:
            raise QueueDatabaseError(f"not a SQLite location: {location} (use sqlite:///PATH)")
        return Path(path).expanduser()
    return Path(location)


def open_store(location: str | os.PathLike[str] | None = None, *, read_only: bool = False,
               create: bool = True,
               busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS,
               progress: MigrationProgress | None = None,
               remove_side_files: bool = False) -> Store:
    """The store for ``location``, opened (or created) ready to use; ``progress`` hears how
    a SQLite file's upgrade for this version goes (PostgreSQL's are quick: it is not told).
    ``remove_side_files`` is for SQLite files only (see ``Queue.open``)."""
    if is_postgres(location):
        try:
            backend = importlib.import_module("prismq_desktop.core.postgres")
        except ImportError as exc:
            raise QueueDatabaseError(POSTGRES_MISSING) from exc
        store: Store = backend.open_store(str(location), read_only=read_only, create=create,
                                          busy_timeout_ms=busy_timeout_ms)
        return store
    from prismq_desktop.core.sqlite.store import open_store as open_sqlite

    return open_sqlite(sqlite_path(location), read_only=read_only, create=create,
                       busy_timeout_ms=busy_timeout_ms, progress=progress,
                       remove_side_files=remove_side_files)


def backend_versions() -> dict[str, str]:
    """The storage libraries this build uses, for ``--version``, the About box and crash
    reports: {"SQLite": ..., "apsw": ...}, plus the PostgreSQL driver's when installed."""
    from prismq_desktop.core.sqlite.store import library_versions

    versions = library_versions()
    try:
        backend = importlib.import_module("prismq_desktop.core.postgres")
    except ImportError:
        return versions
    more = getattr(backend, "backend_versions", None)
    if callable(more):
        versions.update(more())
    return versions


def versions_text() -> str:
    """``SQLite 3.51.x, apsw 3.51.x.y`` (and the PostgreSQL driver's when installed)."""
    return ", ".join(f"{name} {version}" for name, version in backend_versions().items())
