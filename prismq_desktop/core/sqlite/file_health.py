"""What `check` reports about the file: SQLite's integrity check, versions and sizes."""

from __future__ import annotations

import os
from pathlib import Path

import apsw

from prismq_desktop.core.reports import FileHealth
from prismq_desktop.core.sqlite import maintenance, schema
from prismq_desktop.core.sqlite.database import QueueDatabase


def file_health(db: QueueDatabase) -> FileHealth:
    path = Path(db.path)
    return FileHealth(
        integrity=maintenance.integrity_check(db),
        schema_version=db.user_version(),
        app_schema_version=schema.SCHEMA_VERSION,
        journal_mode=str(db.query("PRAGMA journal_mode")[0][0]),
        sqlite_version=apsw.sqlite_lib_version(),
        file_bytes=os.path.getsize(path),
        wal_bytes=maintenance.wal_size(db),
        read_only_reason=db.read_only_reason,
    )
