"""A first end-to-end pass through the core: enqueue, claim, complete, with the log."""

from prismq_desktop.core import Queue
from tests.support import sqlite_db


def test_enqueue_claim_complete_logs_each_step(queue: Queue) -> None:
    task = queue.enqueue("echo", {"x": 1})
    claimed = queue.claim("w1")
    assert claimed is not None and claimed.id == task.id and claimed.status == "processing"
    assert queue.complete(task.id, "w1", {"ok": True}, claimed_at=claimed.claimed_at)
    assert queue.get(task.id).status == "completed"
    messages = [entry.message for entry in queue.logs(task.id)]
    assert messages[0] == "enqueued"
    assert messages[1].startswith("claimed by w1")
    assert messages[2].startswith("completed")


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
