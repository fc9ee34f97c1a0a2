"""The `prismq-desktop` command line (DESIGN §8)."""

from prismq_desktop.cli.main import main

__all__ = ["main"]
