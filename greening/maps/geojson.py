"""Light GeoJSON for the browser: coverage-aware simplification, 5-decimal coordinates, escaping.

A village tessellation simplified polygon by polygon opens gaps and overlaps between neighbours;
``shapely.coverage_simplify`` simplifies shared edges once, so the villages still tile the map.
"""
from __future__ import annotations

import functools
import html
import json
import math

import geopandas as gpd
import numpy as np
import shapely

from greening.geo.gcj02 import geometry_wgs84_to_gcj02, wgs84_to_gcj02

__all__ = ["esc", "simplify_coverage", "round_coords", "geometry_features", "to_datum_xy",
           "DEFAULT_TOLERANCE", "PRECISION"]

DEFAULT_TOLERANCE = 0.0005  # degrees, about 50 m: invisible at town scale, 5-10x fewer vertices
PRECISION = 5               # decimals: about 1 m

# Inside folium tooltips the text sits in a JavaScript template literal: a backtick would end it,
# "${" would start an expression and a backslash would escape the closing backtick.
_JS_LITERAL = str.maketrans({"`": "&#96;", "$": "&#36;", "\\": "&#92;"})


def esc(value) -> str:
    """``value`` as text that is safe in HTML and inside a JavaScript template literal.

    >>> esc("<img src=x onerror=alert(1)>")
    '&lt;img src=x onerror=alert(1)&gt;'
    >>> esc("`${x}`")
    '&#96;&#36;{x}&#96;'
    >>> esc(None)
    ''
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return _esc_text(value if isinstance(value, str) else str(value))


@functools.lru_cache(maxsize=65536)
def _esc_text(text: str) -> str:
    # Maps repeat the same names (towns, counties, species, dates) thousands of times.
    return html.escape(text, quote=True).translate(_JS_LITERAL)


def simplify_coverage(geoms, tolerance: float = DEFAULT_TOLERANCE):
    """Simplify polygons that tile an area without opening gaps or overlaps between them.

    Falls back to per-polygon simplification (topology-preserving) when the polygons are not a
    valid coverage (e.g. they overlap), which ``coverage_simplify`` cannot handle. A missing or
    empty geometry (a village without a boundary) stays as it is and does not stop the others:
    ``coverage_simplify`` itself fails on one ("cannot reshape array of size 1721 into shape (1722,)").
    """
    arr = np.asarray(geoms, dtype=object)
    if len(arr) == 0 or tolerance <= 0:
        return arr
    present = ~(shapely.is_missing(arr) | shapely.is_empty(arr))
    if not present.any():
        return arr
    shapes = arr[present]
    try:
        out = shapely.coverage_simplify(shapes, tolerance)
    except shapely.errors.GEOSException:
        out = shapely.simplify(shapes, tolerance, preserve_topology=True)
    # A sliver can vanish entirely; keep the original rather than lose a village.
    empty = shapely.is_empty(out) | shapely.is_missing(out)
    result = arr.copy()
    result[present] = np.where(empty, shapes, out)
    return result


def round_coords(geoms, precision: int = PRECISION):
    """Round every coordinate to ``precision`` decimals (1e-5 degree is about 1 m)."""
    return shapely.transform(np.asarray(geoms, dtype=object), lambda xy: np.round(xy, precision))


def to_datum_xy(lon, lat, datum: str):
    """Point coordinates for drawing over a basemap of ``datum`` ("wgs84" or "gcj02")."""
    if datum == "gcj02":
        return wgs84_to_gcj02(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    return np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)


def geometry_features(frame: gpd.GeoDataFrame, id_column: str, *, datum: str = "wgs84",
                      tolerance: float = DEFAULT_TOLERANCE, coverage: bool = True) -> dict[str, dict]:
    """``{id: GeoJSON geometry dict}`` for each row: simplified, shifted to ``datum``, rounded.

    The result is the expensive, cacheable part of a boundary layer; properties (colours,
    tooltips) are attached per request by :mod:`greening.maps.layers`.
    """
    if frame.crs is not None and frame.crs.to_epsg() != 4326:
        frame = frame.to_crs(4326)
    geoms = frame.geometry.values
    geoms = simplify_coverage(geoms, tolerance) if coverage else shapely.simplify(
        np.asarray(geoms, dtype=object), tolerance, preserve_topology=True)
    if datum == "gcj02":
        geoms = geometry_wgs84_to_gcj02(geoms)
    geoms = round_coords(geoms)
    texts = shapely.to_geojson(geoms)
    return {str(k): json.loads(t) for k, t in zip(frame[id_column], texts, strict=False) if t is not None}
