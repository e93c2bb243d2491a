"""Deterministic sample organisation for demos, tests and benchmarks."""
