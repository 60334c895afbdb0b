"""Benchmarks of the greening tracker: ``python -m bench coverage`` (see bench/README.md).

Benchmarks print figures and ratios; they never assert times (tests never time anything).
"""
