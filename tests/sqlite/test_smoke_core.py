"""A first end-to-end pass through the core: enqueue, claim, complete, with the log."""

import pytest

from prismq_desktop.core import Queue, ValidationError
from tests.support import sqlite_db


def test_connections_use_the_seeds_pragmas(queue: Queue) -> None:
    """DESIGN §3: the PRAGMAs of the PrismQ seeds, on every connection the core opens."""
    conn = sqlite_db(queue).get_connection()

    def pragma(name: str) -> object:
        return conn.execute(f"PRAGMA {name}").fetchall()[0][0]

    assert pragma("journal_mode") == "wal"
    assert pragma("synchronous") == 1  # NORMAL
    assert pragma("busy_timeout") == 5000
    assert pragma("wal_autocheckpoint") == 1000
    assert pragma("foreign_keys") == 1
    assert pragma("temp_store") == 2  # MEMORY
    assert pragma("mmap_size") == 128 * 1024 * 1024
    assert pragma("cache_size") == -20000


def test_checkpoint_copies_the_wal_into_the_file(queue: Queue) -> None:
    queue.enqueue_many([{"type": "a"}] * 200)
    frames, copied = queue.checkpoint("TRUNCATE")
    assert frames == copied
    assert queue.checkpoint() == (0, 0)  # TRUNCATE left an empty WAL
    with pytest.raises(ValidationError, match="unknown checkpoint mode 'SOON'"):
        queue.checkpoint("SOON")
