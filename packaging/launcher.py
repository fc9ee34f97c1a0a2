"""The frozen program's entry point: the same ``main`` as the ``prismq-desktop`` script."""

import multiprocessing
import sys

from prismq_desktop.cli import main

if __name__ == "__main__":
    multiprocessing.freeze_support()  # spawned worker processes re-enter here when frozen
    sys.exit(main())
