"""The PostgreSQL backend (psycopg 3 and its pool): the Store contract over a queue schema in
a PostgreSQL database, opened from a ``postgresql://`` URL (DESIGN §12). Imported only when
such a URL is opened, so the SQLite path never loads psycopg.
"""

from __future__ import annotations

import psycopg
import psycopg_pool

from prismq_desktop.core.postgres.store import PostgresStore, open_store

__all__ = ["PostgresStore", "backend_versions", "open_store"]


def backend_versions() -> dict[str, str]:
    """The driver and pool versions, for ``--version`` and the About box."""
    return {"psycopg": psycopg.__version__, "psycopg-pool": psycopg_pool.__version__}
