"""Benchmarks: `bench/run.py` (speed at scale, with a baseline) and `bench/load.py`."""
