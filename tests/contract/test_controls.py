"""Paused types and worker controls through the Queue API (DESIGN §14)."""

from __future__ import annotations

import pytest

from prismq_desktop.core import Queue, ValidationError
from tests.contract.backends import QueueFactory


def test_a_paused_type_is_claimed_by_nobody(queue: Queue, queue_factory: QueueFactory) -> None:
    other = queue_factory()
    queue.enqueue("slow")
    fast = queue.enqueue("fast")
    queue.pause_type("slow")
    assert list(queue.paused_types()) == ["slow"]
    assert other.claim("w", strategy="fifo").id == fast.id  # type: ignore[union-attr]
    assert other.claim("w", strategy="priority") is None
    assert other.claim("w", types=["slow"]) is None
    assert queue.resume_type("slow") is True
    assert queue.resume_type("slow") is False
    claimed = other.claim("w")
    assert claimed is not None and claimed.type == "slow"


def test_pausing_twice_keeps_one_entry_and_an_empty_type_is_refused(queue: Queue) -> None:
    queue.pause_type("a")
    queue.pause_type("a")
    assert list(queue.paused_types()) == ["a"]
    with pytest.raises(ValidationError):
        queue.pause_type(" ")


def test_a_worker_request_is_stored_answered_and_cleared(queue: Queue) -> None:
    with pytest.raises(ValidationError, match="no worker 'w1'"):
        queue.request_worker_control("w1", "quiet")
    queue.register_worker("w1")
    with pytest.raises(ValidationError, match="quiet, stop"):
        queue.request_worker_control("w1", "pause")
    asked = queue.request_worker_control("w1", "quiet")
    assert (asked.action, asked.state) == ("quiet", "quiet requested")
    queue.acknowledge_worker_control("w1", "stop")  # not what was asked: no answer
    assert queue.worker_control("w1").state == "quiet requested"  # type: ignore[union-attr]
    queue.acknowledge_worker_control("w1", "quiet")
    assert queue.worker_control("w1").state == "quiet"  # type: ignore[union-attr]
    queue.request_worker_control("w1", "stop")
    assert [c.state for c in queue.worker_controls()] == ["stop requested"]
    queue.clear_worker_control("w1")
    assert queue.worker_control("w1") is None and queue.worker_controls() == []
