"""A QTimer-based probe of the GUI thread: the longest gap between 5 ms ticks.

A tick that comes late means the event loop was held by something else for that long (the
same probe as benchmarks/gui_bench.py's ``longest_stall``).
"""

from __future__ import annotations

from types import TracebackType

from PySide6.QtCore import QElapsedTimer, QTimer

TICK_MS = 5


class StallProbe:
    """``with StallProbe() as probe: ...`` then ``probe.longest_ms``."""

    def __init__(self) -> None:
        self.longest_ms = 0
        self._clock = QElapsedTimer()
        self._last = 0
        self._timer = QTimer(interval=TICK_MS)
        self._timer.timeout.connect(self._tick)

    def _tick(self) -> None:
        now = self._clock.elapsed()
        self.longest_ms = max(self.longest_ms, now - self._last)
        self._last = now

    def __enter__(self) -> StallProbe:
        self._clock.start()
        self._last = self._clock.elapsed()
        self._timer.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self._tick()  # a stall right before the end counts too
        self._timer.stop()
