"""Coordinate reference systems for Zhanjiang: storage, areas, distances, recognition, checks.

Everything is stored in WGS 84 longitude/latitude (:data:`STORAGE_CRS`). Areas are
measured in a local equal-area projection (:data:`AREA_CRS`) and distances in the
CGCS2000 Gauss-Kruger projection whose central meridian (111 E) crosses the city
(:data:`DISTANCE_CRS`); never in degrees.

Official survey data for Zhanjiang comes in CGCS2000 3-degree Gauss-Kruger zone 37
(central meridian 111 E), written either without the zone prefix (EPSG:4546,
easting about 400,000 m) or with it (EPSG:4525, easting about 37,400,000 m).
:func:`guess_crs` tells these apart for files without a ``.prj``, and
:func:`check_in_zhanjiang` catches data whose declared CRS is wrong.
"""

from __future__ import annotations

import functools
import math
import re

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS, Transformer

from greening.validation.errors import Refusal

__all__ = [
    "STORAGE_CRS",
    "AREA_CRS",
    "DISTANCE_CRS",
    "ZHANJIANG_BBOX",
    "CRSMismatchError",
    "area_m2",
    "distance_m",
    "guess_crs",
    "check_in_zhanjiang",
    "validate_geometry",
]

STORAGE_CRS = "EPSG:4326"
#: Lambert azimuthal equal-area centred on Zhanjiang: areas in m2, distortion-free in area.
AREA_CRS = "+proj=laea +lat_0=21.2 +lon_0=110.2 +ellps=GRS80 +units=m +no_defs"
#: CGCS2000 / 3-degree Gauss-Kruger CM 111E (zone 37 without prefix): distances in m.
DISTANCE_CRS = "EPSG:4546"

#: WGS 84 (min_lon, min_lat, max_lon, max_lat) of Zhanjiang's land boundary
#: (109.651-110.972 E, 20.214-21.958 N) widened by about 0.05 degree (5 km).
ZHANJIANG_BBOX = (109.60, 20.16, 111.03, 22.01)

# Coordinate ranges expected for Zhanjiang data in each recognised CRS:
# (crs, description, (min_x, max_x), (min_y, max_y)).
_EXPECTED_RANGES = (
    ("EPSG:4326", "WGS 84 longitude/latitude", (109.0, 111.5), (20.0, 22.5)),
    ("EPSG:4546", "CGCS2000 GK CM 111E metres", (300_000.0, 600_000.0), (2_200_000.0, 2_500_000.0)),
    ("EPSG:4525", "CGCS2000 GK zone 37 metres with zone prefix",
     (37_300_000.0, 37_600_000.0), (2_200_000.0, 2_500_000.0)),
)


class CRSMismatchError(ValueError):
    """Data does not land in Zhanjiang in its declared CRS.

    ``declared_crs`` is the CRS the data claimed; ``probable_crs`` is the CRS its raw
    numbers fit, or ``None`` when they fit none of the recognised ones.
    """

    def __init__(self, message, *, declared_crs, probable_crs):
        super().__init__(message)
        self.declared_crs = declared_crs
        self.probable_crs = probable_crs


def area_m2(geoms):
    """Area in square metres, measured in :data:`AREA_CRS`.

    ``geoms`` is a GeoSeries (converted from its own CRS; no CRS means
    :data:`STORAGE_CRS`), a shapely geometry or an array of geometries in
    WGS 84 lon/lat. Returns a Series, a float or an array to match.
    """
    projected = _project(geoms, AREA_CRS)
    if isinstance(geoms, gpd.GeoSeries):
        return pd.Series(shapely.area(projected), index=geoms.index)
    return _unwrap(shapely.area(projected))


def distance_m(a, b):
    """Shortest distance in metres between geometries ``a`` and ``b``, in :data:`DISTANCE_CRS`.

    Inputs are taken as in :func:`area_m2` and broadcast against each other; returns
    a float for two single geometries, else an array.
    """
    return _unwrap(shapely.distance(_project(a, DISTANCE_CRS), _project(b, DISTANCE_CRS)))


def guess_crs(xs, ys):
    """Recognise the CRS of Zhanjiang coordinates from their ranges.

    Returns ``"EPSG:4326"``, ``"EPSG:4546"`` or ``"EPSG:4525"``. Raises ValueError
    naming the ranges seen and those expected when the numbers fit none of them.
    """
    x_range, y_range = _finite_range(xs, "x"), _finite_range(ys, "y")
    for crs, _, expected_x, expected_y in _EXPECTED_RANGES:
        if _within(x_range, expected_x) and _within(y_range, expected_y):
            return crs
    raise Refusal.of("crs_unrecognised", x_range=_fmt(x_range), y_range=_fmt(y_range),
                     expected=_describe_expected(), swap_hint=_swap_hint(x_range, y_range))


def check_in_zhanjiang(data, crs=None):
    """Raise :class:`CRSMismatchError` unless every geometry lands in Zhanjiang.

    ``data`` is a GeoDataFrame or GeoSeries (its ``.crs`` is the declared CRS) or
    shapely geometries with ``crs`` given. When the data lands elsewhere, its raw
    numbers are matched against the recognised CRSs to name the probable right one,
    e.g. zone-37 coordinates labelled EPSG:4526 (zone 38) or metres labelled EPSG:4326.
    """
    geoms, declared = _geoms_and_crs(data, crs)
    if declared is None:
        raise Refusal.of("crs_missing")
    outside = _count_outside(geoms, declared)
    if outside:
        _raise_mismatch(geoms, declared, outside)


def validate_geometry(geom, max_area_change=0.01):
    """Check one boundary geometry; return ``(fixed_geometry, note)``.

    Missing, empty or non-finite geometries raise ValueError. Polygonal input is
    returned as a MultiPolygon; an invalid one is repaired with ``shapely.make_valid``
    (structure method: overlapping parts are merged, holes subtracted) only if the
    result is still polygonal and its area differs by less than ``max_area_change``
    (a fraction; the default 0.01 is 1 %), else ValueError.
    ``note`` says what was repaired, or is ``""``. Other geometry types are returned
    unchanged once their coordinates are checked.
    """
    _check_present(geom)
    if not isinstance(geom, (shapely.Polygon, shapely.MultiPolygon)):
        return geom, ""
    if geom.is_valid:
        return _to_multipolygon(geom), ""
    return _repair_polygonal(geom, max_area_change)


# -- projection helpers -------------------------------------------------------


@functools.cache
def _transformer(source, target):
    return Transformer.from_crs(source, target, always_xy=True)


def _project(geoms, target):
    if isinstance(geoms, gpd.GeoSeries):
        source = geoms.crs.to_string() if geoms.crs is not None else STORAGE_CRS
        geoms = np.asarray(geoms.array)
    else:
        source = STORAGE_CRS
    if source == STORAGE_CRS:
        _check_lonlat(geoms)
    return _reproject(geoms, source, target)


def _reproject(geoms, source, target):
    transformer = _transformer(source, target)
    return shapely.transform(
        geoms, lambda xy: np.column_stack(transformer.transform(xy[:, 0], xy[:, 1]))
    )


def _check_lonlat(geoms):
    xy = shapely.get_coordinates(geoms)
    if len(xy) and (np.nanmax(np.abs(xy[:, 0])) > 180 or np.nanmax(np.abs(xy[:, 1])) > 90):
        x_range, y_range = _fmt(_range(xy[:, 0])), _fmt(_range(xy[:, 1]))
        raise Refusal.of("not_lonlat", x_range=x_range, y_range=y_range, crs=STORAGE_CRS)


def _unwrap(values):
    return float(values) if np.ndim(values) == 0 else values


# -- recognition helpers ------------------------------------------------------


def _finite_range(values, axis):
    values = np.asarray(values, dtype=float).ravel()
    values = values[np.isfinite(values)]
    if values.size == 0:
        raise Refusal.of("no_finite_coordinates", axis=axis)
    return _range(values)


def _range(values):
    return float(np.nanmin(values)), float(np.nanmax(values))


def _within(seen, expected):
    return expected[0] <= seen[0] and seen[1] <= expected[1]


def _fmt(value_range):
    return f"{value_range[0]:,.6g} to {value_range[1]:,.6g}"


def _describe_expected():
    return "; ".join(
        f"{crs} ({label}: x {_fmt(xr)}, y {_fmt(yr)})" for crs, label, xr, yr in _EXPECTED_RANGES
    )


def _swap_hint(x_range, y_range):
    for crs, _, expected_x, expected_y in _EXPECTED_RANGES:
        if _within(y_range, expected_x) and _within(x_range, expected_y):
            return f". The axes look swapped: with x and y exchanged they fit {crs}"
    return ""


# -- Zhanjiang check helpers --------------------------------------------------


def _geoms_and_crs(data, crs):
    if isinstance(data, (gpd.GeoDataFrame, gpd.GeoSeries)):
        declared = crs if crs is not None else data.crs
        geoms = np.asarray(data.geometry.array)
    else:
        declared = crs
        geoms = np.atleast_1d(np.asarray(data, dtype=object))
    return geoms, (CRS.from_user_input(declared).to_string() if declared is not None else None)


def _count_outside(geoms, declared):
    if declared != STORAGE_CRS:
        geoms = _reproject(geoms, declared, STORAGE_CRS)
    bounds = shapely.bounds(geoms)
    bounds = bounds[~np.isnan(bounds).all(axis=1)]  # missing or empty geometries
    min_lon, min_lat, max_lon, max_lat = ZHANJIANG_BBOX
    inside = (
        (bounds[:, 0] >= min_lon) & (bounds[:, 1] >= min_lat)
        & (bounds[:, 2] <= max_lon) & (bounds[:, 3] <= max_lat)
    )
    return int((~inside).sum())


def _raise_mismatch(geoms, declared, outside):
    xy = shapely.get_coordinates(geoms)
    try:
        probable = guess_crs(xy[:, 0], xy[:, 1])
    except ValueError:
        probable = None
    zh = f"按 {declared} 读取时，{len(geoms)} 个图形中有 {outside} 个不在湛江市范围内"
    en = f"{outside} of {len(geoms)} geometries fall outside Zhanjiang when read as {declared}"
    if probable is not None and probable != declared:
        zh += f"；坐标数值符合 {probable}，声明的坐标系可能有误"
        en += f"; the coordinates fit {probable}: the declared CRS is probably wrong"
    elif probable is None:
        x_range, y_range = _fmt(_range(xy[:, 0])), _fmt(_range(xy[:, 1]))
        zh += f"；x 范围 {x_range}，y 范围 {y_range}"
        en += f"; x spans {x_range}, y spans {y_range}"
    raise CRSMismatchError(f"{zh} / {en}", declared_crs=declared, probable_crs=probable)


# -- geometry validation helpers ----------------------------------------------


def _check_present(geom):
    if geom is None or (isinstance(geom, float) and math.isnan(geom)):
        raise Refusal.of("geometry_absent")
    if not isinstance(geom, shapely.Geometry):
        raise Refusal.of("not_a_geometry", value=geom)
    if geom.is_empty:
        raise Refusal.of("geometry_empty", wkt=geom.wkt)
    if not np.isfinite(shapely.get_coordinates(geom, include_z=geom.has_z)).all():
        raise Refusal.of("geometry_not_finite", wkt=geom.wkt[:120])


def _to_multipolygon(geom):
    if isinstance(geom, shapely.MultiPolygon):
        return geom
    return shapely.MultiPolygon([geom])


_REASON_AT = re.compile(r"^(?P<what>.*?)\[(?P<x>[-+\d.eE]+) (?P<y>[-+\d.eE]+)\]$")
_CROSSINGS = ("Self-intersection", "Ring Self-intersection", "Interior is disconnected")


def _where(geom, reason: str) -> tuple[str, str] | None:
    """``(zh, en)`` saying that and where the boundary crosses itself (from GEOS's reason), else None."""
    match = _REASON_AT.match(reason or "")
    if match is None or match.group("what") not in _CROSSINGS:
        return None
    what = match.group("what")
    x, y = float(match.group("x")), float(match.group("y"))
    if isinstance(geom, shapely.MultiPolygon) and len(geom.geoms) > 1:
        zh, en = "边界线相交（自相交或各部分重叠）", "boundary lines cross (a ring crosses itself or parts overlap)"
    else:
        zh, en = "边界线自相交", "the boundary ring crosses itself"
    return (f"{zh}，交叉点约在经度 {x:.6f}、纬度 {y:.6f}（{what}）",
            f"{en} near lon {x:.6f}, lat {y:.6f} ({what})")


def _repair_polygonal(geom, max_area_change):
    reason = shapely.is_valid_reason(geom)
    crossing = _where(geom, reason)
    what_zh, what_en = crossing or (f"面无效（{reason}）", f"invalid polygon ({reason})")
    repaired = _polygonal_part(shapely.make_valid(geom, method="structure"))
    if repaired is None:
        raise Refusal.of("repair_no_area", what=what_zh, what_en=what_en)
    before, after = geom.area, repaired.area
    if before <= after / 2:
        # The loops of a crossed ring cancel each other out: "as drawn" the area is about zero,
        # and a percentage of it would be meaningless (it once read 562949953421350 %).
        raise Refusal.of("repair_loops_cancel", what=what_zh, what_en=what_en)
    change = abs(after - before) / before
    if change >= max_area_change:
        raise Refusal.of("repair_changes_area", what=what_zh, what_en=what_en, change=f"{change:.2%}",
                         limit=f"{max_area_change:.2%}")
    note = f"已自动修复（{reason}），面积变化 {change:.3%} / repaired {reason}; area changed by {change:.3%}"
    return repaired, note


def _polygonal_part(geom):
    parts = [
        part
        for part in shapely.get_parts(geom)
        if isinstance(part, (shapely.Polygon, shapely.MultiPolygon)) and not part.is_empty
    ]
    if not parts:
        return None
    return _to_multipolygon(shapely.union_all(parts)) if len(parts) > 1 else _to_multipolygon(parts[0])
