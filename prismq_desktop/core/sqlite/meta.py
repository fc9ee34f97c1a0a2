"""The app's own key/value facts about a queue file, in ``pqd_meta`` (e.g. ``demo`` = ``1``).

A file the PrismQ backend created and this app opened only read-only has no ``pqd_meta``
yet (it comes with migration 1): reads then answer the default instead of failing.
"""

from __future__ import annotations

from prismq_desktop.core.sqlite.database import QueueDatabase

SELECT = "SELECT value FROM pqd_meta WHERE key = ?"
UPSERT = (
    "INSERT INTO pqd_meta (key, value) VALUES (?, ?)"
    " ON CONFLICT (key) DO UPDATE SET value = excluded.value"
)


def get(db: QueueDatabase, key: str, default: str | None = None) -> str | None:
    if "pqd_meta" not in db.table_names():
        return default
    rows = db.query(SELECT, (key,))
    return rows[0][0] if rows else default


def put(db: QueueDatabase, key: str, value: str | None) -> None:
    """Set ``key`` (``None`` removes it)."""
    with db.transaction() as conn:
        if value is None:
            conn.execute("DELETE FROM pqd_meta WHERE key = ?", (key,))
        else:
            conn.execute(UPSERT, (key, value))
