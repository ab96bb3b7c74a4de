"""Speed and memory measurements (scripts; results in docs/benchmarks.md)."""
