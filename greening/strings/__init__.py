"""Interface strings of one feature each, merged into :data:`greening.i18n.STRINGS`.

A feature keeps its ``(zh, en)`` pairs in a module of its own here (``STRINGS = {...}``), so that
work on one feature never edits the strings of another. Keys must be unique across all modules:
:func:`collect` refuses a key defined twice.
"""
from __future__ import annotations

import importlib
import pkgutil

from greening.validation.errors import Refusal

__all__ = ["collect"]


def collect(base: dict[str, tuple[str, str]]) -> dict[str, tuple[str, str]]:
    """``base`` plus the ``STRINGS`` of every module in this package; a repeated key raises."""
    merged = dict(base)
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        for key, pair in getattr(module, "STRINGS", {}).items():
            if key in merged:
                raise Refusal.of("string_key_twice", key=key, module=info.name)
            merged[key] = pair
    return merged
