"""Benchmarks that print figures as ratios measured in one run (DESIGN §9)."""
