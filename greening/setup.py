"""Old name of :mod:`greening.first_run` (kept for code written against it; import from there)."""
from greening.first_run import initialise

__all__ = ["initialise"]
