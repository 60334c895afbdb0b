"""Conversion between WGS 84 and GCJ-02, the obfuscated datum of Amap/Gaode and Tencent maps.

GCJ-02 adds a smooth, non-linear offset of a few hundred metres to WGS 84 longitudes
and latitudes. The forward formula is public (Krasovsky 1940 ellipsoid constants and
two trigonometric polynomials); there is no closed-form inverse, so
:func:`gcj02_to_wgs84` solves ``wgs84_to_gcj02(w) == g`` by fixed-point iteration
to better than 1e-9 degrees (about 0.1 mm), rather than the usual one-step
approximation, which is off by up to a few metres.

Only points inside the rectangle :data:`CHINA_RECTANGLE` are shifted; everything
else is returned unchanged, as Amap does for points abroad.

Every function takes scalars or numpy arrays (broadcast together) and returns the
same kind: a pair of floats for scalar input, a pair of arrays otherwise.
NaN coordinates stay NaN.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely

from greening.validation.errors import Refusal

__all__ = [
    "CHINA_RECTANGLE",
    "wgs84_to_gcj02",
    "gcj02_to_wgs84",
    "geometry_wgs84_to_gcj02",
    "geometry_gcj02_to_wgs84",
    "frame_wgs84_to_gcj02",
    "frame_gcj02_to_wgs84",
]

# Krasovsky 1940 ellipsoid, as used by the published GCJ-02 formula.
_A = 6378245.0
_EE = 0.00669342162296594323

#: (min_lon, min_lat, max_lon, max_lat) inside which points are shifted. This is the
#: rectangle of the widely used eviltransform implementation (its ``outOfChina``).
#: It is a coarse box, not the national border, which is all that matters here:
#: Zhanjiang (lon 109.6-111.0, lat 20.1-22.0) is far inside it.
CHINA_RECTANGLE = (72.004, 0.8293, 137.8347, 55.8271)

_TOLERANCE_DEG = 1e-9
_MAX_ITERATIONS = 30


def wgs84_to_gcj02(lon, lat):
    """Shift WGS 84 ``lon, lat`` (degrees) to GCJ-02; points outside China are unchanged.

    >>> wgs84_to_gcj02(0.0, 0.0)
    (0.0, 0.0)
    """
    lon, lat, scalar = _as_arrays(lon, lat)
    dlon, dlat = _offset(lon, lat)
    inside = _inside_china(lon, lat)
    out_lon = np.where(inside, lon + dlon, lon)
    out_lat = np.where(inside, lat + dlat, lat)
    return _as_output(out_lon, out_lat, scalar)


def gcj02_to_wgs84(lon, lat):
    """Exact inverse of :func:`wgs84_to_gcj02`, to better than 1e-9 degrees.

    The offset varies slowly (its derivative is below 0.01), so the fixed-point
    iteration ``w <- g - offset(w)`` contracts by more than 100x per step and
    converges in 3-4 iterations; it is capped at 30.

    >>> gcj02_to_wgs84(0.0, 0.0)
    (0.0, 0.0)
    """
    lon, lat, scalar = _as_arrays(lon, lat)
    inside = _inside_china(lon, lat)
    wlon, wlat = _invert_offset(lon, lat)
    out_lon = np.where(inside, wlon, lon)
    out_lat = np.where(inside, wlat, lat)
    return _as_output(out_lon, out_lat, scalar)


def geometry_wgs84_to_gcj02(geometry):
    """Shift a shapely geometry (or array of geometries) from WGS 84 to GCJ-02.

    Works for every geometry type, keeps Z values, and maps equal vertices to equal
    vertices, so rings stay closed and shared edges stay shared.
    """
    return _transform_geometry(geometry, wgs84_to_gcj02)


def geometry_gcj02_to_wgs84(geometry):
    """Shift a shapely geometry (or array of geometries) from GCJ-02 to WGS 84.

    See :func:`geometry_wgs84_to_gcj02`.
    """
    return _transform_geometry(geometry, gcj02_to_wgs84)


def frame_wgs84_to_gcj02(data):
    """Return a copy of a GeoSeries or GeoDataFrame with its geometry shifted to GCJ-02.

    The input must be in longitude/latitude (CRS EPSG:4326 or unset). The result keeps
    the EPSG:4326 label: GCJ-02 has no EPSG code, and web maps read it as lon/lat.
    """
    return _transform_frame(data, geometry_wgs84_to_gcj02)


def frame_gcj02_to_wgs84(data):
    """Return a copy of a GeoSeries or GeoDataFrame with its geometry shifted to WGS 84.

    See :func:`frame_wgs84_to_gcj02`; the result is labelled EPSG:4326.
    """
    return _transform_frame(data, geometry_gcj02_to_wgs84)


def _as_arrays(lon, lat):
    scalar = np.ndim(lon) == 0 and np.ndim(lat) == 0
    lon, lat = np.broadcast_arrays(
        np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    )
    return lon, lat, scalar


def _as_output(lon, lat, scalar):
    if scalar:
        return float(lon), float(lat)
    return lon, lat


def _inside_china(lon, lat):
    min_lon, min_lat, max_lon, max_lat = CHINA_RECTANGLE
    return (lon >= min_lon) & (lon <= max_lon) & (lat >= min_lat) & (lat <= max_lat)


def _offset(lon, lat):
    """GCJ-02 minus WGS 84, in degrees, evaluated at WGS 84 ``lon, lat``."""
    x = lon - 105.0
    y = lat - 35.0
    dlat_m = _polynomial_lat(x, y)
    dlon_m = _polynomial_lon(x, y)
    rad_lat = np.radians(lat)
    magic = 1.0 - _EE * np.sin(rad_lat) ** 2
    sqrt_magic = np.sqrt(magic)
    dlat = dlat_m * 180.0 / ((_A * (1.0 - _EE)) / (magic * sqrt_magic) * np.pi)
    dlon = dlon_m * 180.0 / (_A / sqrt_magic * np.cos(rad_lat) * np.pi)
    return dlon, dlat


def _polynomial_lat(x, y):
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y
    ret += 0.2 * np.sqrt(np.abs(x))
    ret += (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    ret += (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
    ret += (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    return ret


def _polynomial_lon(x, y):
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y
    ret += 0.1 * np.sqrt(np.abs(x))
    ret += (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    ret += (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
    ret += (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0
    return ret


def _invert_offset(g_lon, g_lat):
    """Solve ``w + offset(w) == g`` for ``w`` by fixed-point iteration."""
    w_lon, w_lat = g_lon, g_lat
    for _ in range(_MAX_ITERATIONS):
        dlon, dlat = _offset(w_lon, w_lat)
        new_lon, new_lat = g_lon - dlon, g_lat - dlat
        # All points take the same number of steps, so equal inputs give equal outputs.
        step = np.fmax(np.abs(new_lon - w_lon), np.abs(new_lat - w_lat))
        w_lon, w_lat = new_lon, new_lat
        if not np.any(step >= _TOLERANCE_DEG):  # NaN steps never block convergence
            break
    return w_lon, w_lat


def _transform_geometry(geometry, convert):
    def _coords(xy):
        out = xy.copy()
        out[:, 0], out[:, 1] = convert(xy[:, 0], xy[:, 1])
        return out

    return shapely.transform(geometry, _coords, include_z=None)


def _transform_frame(data, convert_geometry):
    crs = data.crs
    if crs is not None and not crs.equals("EPSG:4326"):
        raise Refusal.of("gcj02_needs_lonlat", crs=crs.to_string())
    converted = gpd.GeoSeries(
        convert_geometry(np.asarray(data.geometry.array)), index=data.index, crs="EPSG:4326"
    )
    if isinstance(data, gpd.GeoDataFrame):
        out = data.copy()
        out[data.geometry.name] = converted
        return out
    return converted.rename(data.name)
