import sys

from prismq_desktop.cli import main  # SIGTERM is an orderly exit from here on

sys.exit(main())
