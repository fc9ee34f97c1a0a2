"""PrismQ Desktop: watch and run the PrismQ SQLite task queue."""

__version__ = "0.1.0"
