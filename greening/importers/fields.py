"""Moved to :mod:`greening.validation.values` (shared by forms and importers); this name still imports."""
from greening.validation.values import *  # noqa: F403
from greening.validation.values import __all__  # noqa: F401
