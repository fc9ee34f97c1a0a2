"""pyqtgraph imported off the GUI thread.

Importing pyqtgraph (with the chart module) took 0.3-1.4 s on the GUI thread the first time
the Stats tab opened, longer while the embedded worker ran (issue 17.11). It is pure module
work, no widgets, so a background thread does it; the tab shows "Loading the charts…" until
``ready`` fires (on the GUI thread: the loader lives there). It starts when the tab is first
shown, or a few seconds after a file opened, whichever comes first.
"""

from __future__ import annotations

import importlib
import sys
import threading

from PySide6.QtCore import QObject, Signal

MODULE = "prismq_desktop.gui.stats.stats_charts"
#: Python's GIL switch interval (s) while the import runs (the default is 0.005).
IMPORT_SWITCH_INTERVAL = 0.0005


class ChartLoader(QObject):
    #: The chart module is imported (or failed: see ``error``); delivered on the GUI thread.
    ready = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.error: Exception | None = None
        self._done = threading.Event()
        self._lock = threading.Lock()
        self._started = False

    def start(self) -> None:
        """Begin the import (once per process)."""
        with self._lock:
            if self._started:
                return
            self._started = True
        threading.Thread(target=self._run, name="prismq-import-charts", daemon=True).start()

    def is_ready(self) -> bool:
        return self._done.is_set()

    def _run(self) -> None:
        # While this thread imports, the GUI thread waits for the GIL each time a Qt call
        # hands it back: at Python's default 5 ms switch interval those waits added up to
        # 100-200 ms stalls of the window; a short interval keeps each wait short.
        interval = sys.getswitchinterval()
        sys.setswitchinterval(IMPORT_SWITCH_INTERVAL)
        try:
            importlib.import_module(MODULE)
        except Exception as exc:  # noqa: BLE001 (shown in the tab instead of the charts)
            self.error = exc
        finally:
            sys.setswitchinterval(interval)
        self._done.set()
        self.ready.emit()


_loader: ChartLoader | None = None


def loader() -> ChartLoader:
    """The process's one loader; first called on the GUI thread (where it must live)."""
    global _loader
    if _loader is None:
        _loader = ChartLoader()
    return _loader
