"""The `prismq-desktop` command line (DESIGN §8).

Importing the commands takes a good part of a second. SIGTERM in that time (a supervisor
stopping a worker it has just started) would end the process by the signal's default,
exit -15 with nothing said; from the first line of the package on, it is an orderly exit
143 instead, and commands that stop cleanly on it (``worker``, the GUI) install their own.
"""

import signal
import threading

TERMINATED = 143  # 128 + SIGTERM, what shells report for a process ended by it


def _terminate(_signum: int, _frame: object) -> None:
    raise SystemExit(TERMINATED)


if (threading.current_thread() is threading.main_thread()
        and signal.getsignal(signal.SIGTERM) == signal.SIG_DFL):
    signal.signal(signal.SIGTERM, _terminate)

from prismq_desktop.cli.main import main  # noqa: E402 (after the handler, on purpose)

__all__ = ["main"]
