import sys

from prismq_desktop.cli.main import main

sys.exit(main())
