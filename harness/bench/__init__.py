"""Benchmarks: how many calls per second, against what ceiling, on this machine."""
