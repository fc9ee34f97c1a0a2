"""The writer thread (api/deps.py) runs writes one after another off the event loop, hands back
results and errors, and skips a write whose request was cancelled before it started."""

from __future__ import annotations

import asyncio
import threading

import pytest

from prismq_desktop.api.deps import Writer


def test_results_errors_order_and_cancelled_jobs() -> None:
    writer = Writer()
    ran: list[str] = []
    gate = threading.Event()

    def job(name: str) -> str:
        assert threading.current_thread() is not threading.main_thread()
        if name == "first":
            gate.wait(10)
        ran.append(name)
        return name

    def fail() -> None:
        raise ValueError("refused")

    async def scenario() -> None:
        first = asyncio.ensure_future(writer.run(lambda: job("first")))
        dropped = asyncio.ensure_future(writer.run(lambda: job("dropped")))
        await asyncio.sleep(0)  # both handed to the thread; the first one is waiting
        dropped.cancel()
        gate.set()
        assert await first == "first"
        with pytest.raises(ValueError, match="refused"):
            await writer.run(fail)
        assert await writer.run(lambda: job("last")) == "last"

    try:
        asyncio.run(scenario())
    finally:
        writer.close()
    assert ran == ["first", "last"]
