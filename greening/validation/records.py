"""The planting record's fields, declared once: how each is parsed, its limit, where it is stored.

The planting form (:func:`greening.services.plantings.create_planting` and ``update_planting``)
and the ledger importer (:mod:`greening.importers.ledger`) both read this declaration, so a field
added or a limit changed here applies to both, and the ledger's bulk insert has its column order
and driver encodings from here rather than from positions kept by hand.
"""
from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from greening.validation import values as F

__all__ = ["ValueField", "Context", "VALUE_FIELDS", "TEXT_LIMITS", "MAX_SITE_NAME", "MAX_NOTE", "EDITABLE",
           "LOCATION_FIELDS", "INSERT_COLUMNS", "ledger_row", "driver_row", "value_field"]

MAX_SITE_NAME = 200
MAX_NOTE = 2000
#: Text fields and their length limits (characters, after folding full-width forms).
TEXT_LIMITS = {"site_name": MAX_SITE_NAME, "note": MAX_NOTE}


@dataclass(frozen=True)
class Context:
    """What parsing needs besides the value: the species known, today's date, the ledger's defaults."""

    species: F.SpeciesLookup | None  # None: the record gives no species to resolve
    today: dt.date | None = None
    site_type_default: str | None = None  # a ledger row without a site type is "other"; the form must say


@dataclass(frozen=True)
class ValueField:
    """One value a team gives for a planting: its input ``name``, the stored ``column``, its parser."""

    name: str
    column: str
    parse: Callable[[object, Context], object]


def _species(ctx: Context) -> F.SpeciesLookup:
    assert ctx.species is not None, "a record giving a species is parsed with the species known"
    return ctx.species


def _text(name: str):
    return lambda value, ctx: F.clean_text(value, TEXT_LIMITS[name], name)


def _people(name: str):
    return lambda value, ctx: F.parse_people(value, name)


#: The planting's own values, in the order they are checked (and reported).
VALUE_FIELDS: tuple[ValueField, ...] = (
    ValueField("planted_on", "planted_on", lambda v, ctx: F.check_date(F.parse_date(v), on=ctx.today)),
    ValueField("species", "species_id", lambda v, ctx: _species(ctx).resolve(v)),
    ValueField("tree_count", "tree_count", lambda v, ctx: F.parse_count(v)),
    ValueField("area_m2", "area_m2", lambda v, ctx: F.parse_area(v)),
    ValueField("site_type", "site_type", lambda v, ctx: F.parse_site_type(v, default=ctx.site_type_default)),
    ValueField("site_name", "site_name", _text("site_name")),
    ValueField("party_members", "party_members", _people("party_members")),
    ValueField("villagers", "villagers", _people("villagers")),
    ValueField("note", "note", _text("note")),
)
_BY_NAME = {f.name: f for f in VALUE_FIELDS}

#: Inputs that place the record (parsed together: datum, then the point, then the village).
LOCATION_FIELDS = ("village_code", "lon", "lat", "datum", "block")
#: What an edit may change.
EDITABLE = frozenset({f.name for f in VALUE_FIELDS} | set(LOCATION_FIELDS))


def value_field(name: str) -> ValueField:
    return _BY_NAME[name]


# -- the ledger's bulk insert -------------------------------------------------------------------------
# (column, how the value travels to the driver: None as is, "date" ISO text, "json" JSON text)
_INSERT: tuple[tuple[str, str | None], ...] = (
    ("submission_id", None), ("content_hash", None), ("village_id", None), ("village_code", None),
    ("claimed_village_id", None), ("claimed_village_code", None), ("team_id", None),
    *((f.column, "date" if f.column == "planted_on" else None) for f in VALUE_FIELDS),
    ("flags", "json"), ("lon", None), ("lat", None), ("status", None), ("source", None), ("is_demo", None),
    ("version", None), ("created_by_id", None),
)
#: Column order of the ledger's prepared rows (and of its bulk INSERT).
INSERT_COLUMNS: tuple[str, ...] = tuple(c for c, _ in _INSERT)
_ENCODE: dict[str, Callable[[Any], str]] = {"date": lambda d: d.isoformat(), "json": json.dumps}
_ENCODED = tuple((i, _ENCODE[kind]) for i, (_, kind) in enumerate(_INSERT) if kind)


def ledger_row(values: dict) -> tuple:
    """A prepared row in :data:`INSERT_COLUMNS` order; a column missing from ``values`` raises KeyError."""
    return tuple(values[c] for c in INSERT_COLUMNS)


def driver_row(row: tuple) -> tuple:
    """``row`` with dates and JSON encoded as the bulk writers send them."""
    out = list(row)
    for i, encode in _ENCODED:
        out[i] = encode(out[i])
    return tuple(out)
