"""The frozen program's entry point: the same ``main`` as the ``prismq-desktop`` script."""

import multiprocessing
import os
import sys

from prismq_desktop.cli import main  # SIGTERM is an orderly exit from here on

if __name__ == "__main__":
    multiprocessing.freeze_support()  # spawned worker processes re-enter here when frozen
    if os.environ.get("PRISMQ_DESKTOP_STARTUP_PROBE"):  # set by scripts/startup_time.py
        from prismq_desktop.gui import startup_probe

        startup_probe.install()
    sys.exit(main())
