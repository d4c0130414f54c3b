"""Benchmark scripts (run as scripts; a package so tests can import their pure parts, e.g. bench.load)."""
