import sys

from prismq_desktop.cli import main

sys.exit(main())
