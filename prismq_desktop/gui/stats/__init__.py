"""The Stats tab: charts and the per-type table."""
