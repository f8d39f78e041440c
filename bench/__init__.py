"""Liftfund benchmarks: ``make bench`` (or ``python -m bench``) runs every bench_*.py module.

See bench/harness.py for how to write one and README.md ("Benchmarks") for the table.
"""
