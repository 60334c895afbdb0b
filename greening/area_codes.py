"""Area codes and levels: the one place that knows how a 12-digit statistical code is built.

A code is 6 digits of county (its first 4, ``4408``, the city), 3 of town or street and 3 of
village or community: ``440823101201`` is a village of town ``440823101000`` in county
``440823000000``. An area's own level shows in its trailing zeros (national codes never number a
town or village 000). The **prefix** of an area is the part of its code that every area inside it
shares: 4 digits for the city, 6 a county, 9 a town, 12 a village; an actor covers a code when the
code starts with the actor's prefix.

Scalar helpers take and return ``str``; the ``*_codes`` helpers take and return pandas Series.
"""
from __future__ import annotations

import pandas as pd

from greening.validation.errors import Refusal

__all__ = [
    "LEVELS", "PREFIX_LENGTH", "CITY_CODE", "check_code", "prefix_length", "code_prefix",
    "parent_code", "town_of", "county_of", "county_prefix", "town_prefix", "level_of",
    "from_prefix", "parent_codes", "prefix_codes", "code_prefix_length", "prefix_upper_bound",
]

#: levels from the top down
LEVELS = ("city", "county", "town", "village")
#: how many leading digits identify an area of each level (and everything inside it)
PREFIX_LENGTH = {"city": 4, "county": 6, "town": 9, "village": 12}
CITY_CODE = "440800000000"


def prefix_length(level: str) -> int:
    """4, 6, 9 or 12 for city, county, town, village; ValueError naming any other level."""
    try:
        return PREFIX_LENGTH[str(level)]
    except KeyError:
        raise Refusal.of("area_level_unknown", level=level) from None


def check_code(code: str) -> str:
    """``code`` when it is 12 digits, else ValueError naming it."""
    if not isinstance(code, str) or len(code) != 12 or not code.isdigit():
        raise Refusal.of("area_code_not_12_digits", code=code)
    return code


def code_prefix(code: str, level: str) -> str:
    """The part of ``code`` that identifies its ``level`` area and all it contains."""
    return check_code(code)[:prefix_length(level)]


def from_prefix(prefix: str) -> str:
    """The 12-digit code of the area a prefix identifies: ``"440823"`` -> ``"440823000000"``."""
    if not prefix.isdigit() or len(prefix) not in PREFIX_LENGTH.values():
        raise Refusal.of("area_prefix_bad", prefix=prefix)
    return prefix.ljust(12, "0")


def parent_code(code: str, level: str) -> str:
    """The 12-digit code of the ``level`` area holding ``code`` (e.g. a village's town)."""
    return from_prefix(code_prefix(code, level))


def town_of(code: str) -> str:
    """The town (镇/街道) holding a village or town code, as a 12-digit code."""
    return parent_code(code, "town")


def county_of(code: str) -> str:
    """The county (区县) holding a code, as a 12-digit code."""
    return parent_code(code, "county")


def county_prefix(code: str) -> str:
    """The 6-digit county part of a code or of a longer prefix (the key of ``COUNTIES``)."""
    if len(code) < 6 or not code[:6].isdigit():
        raise Refusal.of("area_code_no_county", code=code)
    return code[:6]


def town_prefix(code: str) -> str:
    """The 9-digit town part of a code (the prefix of the town and its villages)."""
    return code_prefix(code, "town")


def level_of(code: str) -> str:
    """The level of the area ``code`` names, read from its trailing zeros."""
    check_code(code)
    if code[4:] == "0" * 8:
        return "city"
    if code[6:] == "0" * 6:
        return "county"
    return "town" if code[9:] == "000" else "village"


def prefix_upper_bound(prefix: str) -> str | None:
    """The smallest string of ``len(prefix)`` digits above ``prefix`` (``4408`` -> ``4409``), or None.

    Every code that starts with the digits ``prefix`` lies in ``[prefix, prefix_upper_bound)``;
    compared as a range, the prefix test can use an index and, on PostGIS, prune the county
    partitions of plantings (a LIKE cannot). None when ``prefix`` is not digits or is all nines.
    """
    if not prefix.isdigit() or not prefix.isascii():
        return None
    upper = str(int(prefix) + 1).zfill(len(prefix))
    return upper if len(upper) == len(prefix) else None


# -- Series ---------------------------------------------------------------------------------
def parent_codes(codes: pd.Series, level: str) -> pd.Series:
    """Vectorised :func:`parent_code` for a Series of 12-digit codes."""
    n = prefix_length(level)
    return codes.astype(str).str.slice(0, n) + "0" * (12 - n)


def prefix_codes(codes: pd.Series, level: str) -> pd.Series:
    """Vectorised :func:`code_prefix`: the ``level`` prefix of each code."""
    return codes.astype(str).str.slice(0, prefix_length(level))


def code_prefix_length(codes: pd.Series) -> pd.Series:
    """How many leading digits identify each code's own area: 4 city, 6 county, 9 town, 12 village."""
    codes = codes.astype(str)
    n = pd.Series(12, index=codes.index)
    n = n.mask(codes.str.slice(9) == "000", 9)
    n = n.mask(codes.str.slice(6) == "000000", 6)
    n = n.mask(codes.str.slice(4) == "00000000", 4)
    return n
