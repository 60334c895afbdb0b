"""Parsing and checking of coordinates typed by users (decimal degrees or degrees-minutes-seconds).

Accepted forms, in either order (longitude first is assumed when nothing tells):
``"110.36, 21.27"``, ``"21.27，110.36"`` (full-width punctuation), ``"21.27N 110.36E"``,
``"21°16′12″N 110°21′36″E"``, ``"21°16'N, 110°21'E"``, ``"北纬21度16分 东经110度21分"``.
A comma used as the decimal mark (``"110,36"``) is refused as ambiguous.

Every problem is a :class:`CoordinateError`, a catalogue refusal: a stable ``code``
(``coord_*``, ``outside_zhanjiang``, ``location_swapped``; wording in
:mod:`greening.validation.action_codes`) and messages in Chinese (``zh``) and English (``en``).
"""

from __future__ import annotations

import math
import re
import unicodedata
from typing import NamedTuple

from greening.geo.crs import ZHANJIANG_BBOX
from greening.validation.errors import Refusal

__all__ = ["CoordinateError", "ParsedPoint", "parse_point", "parse_angle", "check_point"]


class CoordinateError(Refusal):
    """A coordinate problem: ``CoordinateError.of(code, **params)`` with a catalogue code.

    ``str(error)`` is ``"<zh> / <en>"``, Chinese first like every user-facing error.
    """

    def __repr__(self):
        return f"CoordinateError(code={self.code!r}, zh={self.zh!r}, en={self.en!r})"


class ParsedPoint(NamedTuple):
    """A parsed point; ``swapped`` is True when the text gave latitude first.

    ``note`` is a Chinese sentence for the user when the order was inferred from the
    values (not stated by hemisphere letters), else ``""``.
    """

    lon: float
    lat: float
    swapped: bool
    note: str = ""


# Symbols normalised before matching: full-width and typographic variants, Chinese units.
_REPLACEMENTS = (
    ("′′", "″"), ("''", "″"), ('"', "″"), ("'", "′"), ("’", "′"), ("”", "″"),
    ("度", "°"), ("分", "′"), ("秒", "″"),
    ("北纬", "N"), ("南纬", "S"), ("东经", "E"), ("西经", "W"), ("、", ","), (";", ","),
)
_NUMBER = r"[-+]?\d+(?:\.\d+)?"
_ANGLE = (
    rf"(?P<deg>{_NUMBER})\s*"
    r"(?:°\s*(?:(?P<min>\d+(?:\.\d+)?)\s*′\s*)?(?:(?P<sec>\d+(?:\.\d+)?)\s*″\s*)?)?"
)
# Hemisphere letters are either all before the numbers ("N21 E110") or all after
# ("21N 110E"); the first character decides, so "21N E110" cannot be misread.
_PREFIXED = re.compile(rf"(?P<pre>[NSEW])\s*{_ANGLE}")
_SUFFIXED = re.compile(rf"{_ANGLE}(?P<post>[NSEW])?")
_SEPARATOR = re.compile(r"[\s,]*")
_LAT_AXIS, _LON_AXIS = "NS", "EW"


def parse_point(text):
    """Parse a typed point into a :class:`ParsedPoint`; raise :class:`CoordinateError`.

    The order is taken from hemisphere letters when present, else from the ranges
    (a value beyond 90 must be the longitude), else longitude first.

    >>> parse_point("21.27, 110.36")
    ParsedPoint(lon=110.36, lat=21.27, swapped=True, note='按数值判断输入为“纬度, 经度”顺序，已自动调换')
    """
    normalised = _normalise(text)
    components = _split_components(normalised, text)
    _refuse_comma_decimal(normalised, components, text)
    if len(components) != 2:
        raise CoordinateError.of("coord_need_two_numbers", text=text, found=len(components))
    (first, first_axis), (second, second_axis) = (_angle(m) for m in components)
    lon, lat, swapped = _order(first, first_axis, second, second_axis, text)
    problems = _range_problems(lon, lat)
    if problems:
        raise problems[0]
    by_range = swapped and first_axis is None and second_axis is None
    note = "按数值判断输入为“纬度, 经度”顺序，已自动调换" if by_range else ""
    return ParsedPoint(lon=lon, lat=lat, swapped=swapped, note=note)


def parse_angle(text):
    """Parse one angle such as ``"21°16′12″N"`` or ``"-110.5"`` into signed decimal degrees."""
    normalised = _normalise(text)
    components = _split_components(normalised, text)
    if len(components) != 1:
        raise CoordinateError.of("coord_need_one_number", text=text)
    return _angle(components[0])[0]


def check_point(lon, lat):
    """Return the problems of a WGS 84 point as a list of :class:`CoordinateError` (empty if fine).

    A point outside Zhanjiang gets code ``outside_zhanjiang``, or
    ``outside_zhanjiang_swapped`` when exchanging longitude and latitude would put it inside.
    """
    if not (_is_finite(lon) and _is_finite(lat)):
        return [CoordinateError.of("coord_not_finite", lon=lon, lat=lat)]
    problems = _range_problems(lon, lat)
    if not problems and _in_zhanjiang(lon, lat):
        return []
    if _in_zhanjiang(lat, lon):
        problems.append(CoordinateError.of("location_swapped", lon=f"{lon:g}", lat=f"{lat:g}"))
    elif not problems:
        problems.append(CoordinateError.of("outside_zhanjiang", lon=f"{lon:g}", lat=f"{lat:g}"))
    return problems


def _normalise(text):
    if text is None or not str(text).strip():
        raise CoordinateError.of("coord_empty")
    result = unicodedata.normalize("NFKC", str(text)).strip().upper()
    for old, new in _REPLACEMENTS:
        result = result.replace(old, new)
    if re.search(r"NAN|INF", result):
        raise CoordinateError.of("coord_not_a_number", text=text)
    return result


def _split_components(normalised, text):
    pattern = _PREFIXED if normalised[:1] in "NSEW" else _SUFFIXED
    components, position = [], _SEPARATOR.match(normalised).end()
    while position < len(normalised):
        match = pattern.match(normalised, position)
        if match is None:
            raise CoordinateError.of("coord_unreadable", text=text, rest=normalised[position:])
        components.append(match)
        position = _SEPARATOR.match(normalised, match.end()).end()
    return components


def _refuse_comma_decimal(normalised, components, text):
    # "110,36" is 110.36 with a decimal comma or the pair (110, 36); "110,36 21,27"
    # has four numbers. Neither can be read safely, so both are refused.
    plain_integers = all("." not in m["deg"] and "°" not in m.group(0) for m in components)
    tight_comma = re.search(r"\d,\d", normalised) is not None
    if tight_comma and ((len(components) == 2 and plain_integers) or len(components) == 4):
        raise CoordinateError.of("coord_comma_decimal", text=text)


def _angle(match):
    """Signed decimal degrees and axis ("NS", "EW" or None) of one matched component."""
    hemisphere = match.groupdict().get("pre") or match.groupdict().get("post")
    degrees = float(match["deg"])
    minutes = float(match["min"] or 0.0)
    seconds = float(match["sec"] or 0.0)
    if minutes >= 60 or seconds >= 60:
        raise CoordinateError.of("coord_angle_minutes_over_60", angle=match.group(0).strip())
    if (match["min"] or match["sec"]) and not degrees.is_integer():
        raise CoordinateError.of("coord_angle_decimal_and_minutes", angle=match.group(0).strip())
    if hemisphere and degrees < 0:
        raise CoordinateError.of("coord_angle_sign_and_letter", angle=match.group(0).strip())
    value = math.copysign(abs(degrees) + minutes / 60 + seconds / 3600, degrees)
    if hemisphere in ("S", "W"):
        value = -value
    axis = None if hemisphere is None else (_LAT_AXIS if hemisphere in _LAT_AXIS else _LON_AXIS)
    return value, axis


def _order(first, first_axis, second, second_axis, text):
    """Return ``(lon, lat, swapped)`` from two values and their axes (if letters gave them)."""
    if first_axis and first_axis == second_axis:
        raise CoordinateError.of("coord_both_latitudes" if first_axis == _LAT_AXIS else "coord_both_longitudes",
                                 text=text)
    if first_axis == _LAT_AXIS or second_axis == _LON_AXIS:
        return second, first, True
    if first_axis or second_axis:
        return first, second, False
    if abs(first) <= 90 < abs(second):
        return second, first, True
    return first, second, False


def _range_problems(lon, lat):
    problems = []
    if not -90 <= lat <= 90:
        problems.append(CoordinateError.of("coord_lat_out_of_range", lat=f"{lat:g}"))
    if not -180 <= lon <= 180:
        problems.append(CoordinateError.of("coord_lon_out_of_range", lon=f"{lon:g}"))
    return problems


def _is_finite(value):
    try:
        return math.isfinite(value)
    except TypeError:
        return False


def _in_zhanjiang(lon, lat):
    min_lon, min_lat, max_lon, max_lat = ZHANJIANG_BBOX
    return min_lon <= lon <= max_lon and min_lat <= lat <= max_lat
