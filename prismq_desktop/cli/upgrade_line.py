"""Upgrading a file for this version from the command line: one updating line on a terminal,
and Ctrl+C that leaves the file as it was.

The core rolls an interrupted upgrade back (its progress handler runs Python every few
thousand SQLite steps, so Ctrl+C lands within milliseconds); this names what happened:
MigrationCancelledError, exit 130 like any Ctrl+C. Scripts (stderr not a terminal) see
nothing, as for a quick upgrade, which shows nothing anywhere.
"""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from prismq_desktop.core import MigrationCancelledError
from prismq_desktop.core.locations import display_name

#: An upgrade quicker than this prints nothing (as the GUI shows no dialog).
SHOW_AFTER_S = 0.5


class UpgradeLine:
    """The core's migration progress callback, printing ``\\r``-updated percentages."""

    def __init__(self, location: str | Path) -> None:
        self.name = display_name(location)
        self.terminal = sys.stderr.isatty()
        self.started: float | None = None
        self.done = False
        self._percent = -1

    def __call__(self, fraction: float) -> bool:
        now = time.monotonic()
        self.started = self.started if self.started is not None else now
        self.done = fraction >= 1.0
        percent = int(fraction * 100)
        if self.terminal and now - self.started >= SHOW_AFTER_S and percent != self._percent:
            self._percent = percent
            self._print(f"\rUpgrading {self.name} for this version… {percent} %")
        return True

    def end(self) -> None:
        """Finish the line (when one was printed) so later output starts on its own."""
        if self._percent >= 0:
            self._print(" done\n" if self.done else "\n")

    @staticmethod
    def _print(text: str) -> None:
        print(text, end="", file=sys.stderr, flush=True)


@contextlib.contextmanager
def upgrading(location: str | Path) -> Iterator[UpgradeLine]:
    """The callback for an open in the block; Ctrl+C during the upgrade becomes
    MigrationCancelledError saying the file was left as it was."""
    line = UpgradeLine(location)
    try:
        yield line
    except KeyboardInterrupt:
        if line.started is None or line.done:
            raise
        raise MigrationCancelledError(
            f"interrupted while upgrading {line.name} for this version; it was left exactly"
            " as it was (run the command again to upgrade it)") from None
    finally:
        line.end()
