"""Synthetic Flemish cultural season for the demo, tests and benchmarks."""
