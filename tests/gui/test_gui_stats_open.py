"""Issue 17.11: opening the Stats tab does its heavy work off the GUI thread or in steps.

The stall was pyqtgraph's import (0.6-2.3 s on the GUI thread here, more under load) and the
three plots built at once; now a background thread imports it and the view builds one plot
per event-loop turn. A fresh process shows which thread imported pyqtgraph.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.gui.support import *  # noqa: F403  (the GUI fixtures)
from tests.gui.support import make_demo, run_child

OPEN_STATS = r"""
import json, os, sys, threading, time
os.environ["QT_QPA_PLATFORM"] = "offscreen"
os.environ["PRISMQ_DESKTOP_SETTINGS"] = sys.argv[1] + ".ini"
imported_by = []

class Watch:
    def find_spec(self, name, path=None, target=None):
        if name == "pyqtgraph":
            imported_by.append(threading.current_thread().name)
        return None

sys.meta_path.insert(0, Watch())
from PySide6.QtWidgets import QApplication
from prismq_desktop.gui import create_main_window
from prismq_desktop.gui.stats.stats_view import StatsView
app = QApplication([])
window = create_main_window(sys.argv[1])
window.show()
turns = 0
def pump(condition):
    global turns
    deadline = time.monotonic() + 30
    while not condition() and time.monotonic() < deadline:
        app.processEvents()
        turns += 1
        time.sleep(0.001)
pump(lambda: window.tasks_page is not None)
view = window.findChild(StatsView, "statsView")
window.tabs.setCurrentWidget(view)
pump(lambda: view._building is not None)
building, steps = view._building, 0
while view.charts is None:
    plots = len(building.plots)
    app.processEvents()
    steps += 1
    assert len(building.plots) - plots <= 1, "more than one plot built in one turn"
pump(lambda: view.stats is not None)
print(json.dumps({"imported_by": imported_by, "steps": steps,
                  "plots": sorted(view.charts.plots)}))
window.close()
"""


def test_the_stats_tab_imports_and_builds_its_charts_without_holding_the_gui(
        tmp_path: Path) -> None:
    path = make_demo(tmp_path / "demo.db")
    found = json.loads(run_child(OPEN_STATS.replace("sys.argv[1]", repr(str(path)))))
    assert found["imported_by"] == ["prismq-import-charts"]
    assert found["plots"] == ["depth", "latency", "throughput"] and found["steps"] >= 3
