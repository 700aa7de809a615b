"""Benchmark data at the scale of an integrated care system (``flask bench seed``)."""
