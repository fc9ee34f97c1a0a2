"""A first end-to-end pass through the core: enqueue, claim, complete, with the log."""

from prismq_desktop.core import Queue


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
