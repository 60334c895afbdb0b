"""The one place where geometry crosses the database edge (WKB <-> shapely / GeoDataFrame)."""
from __future__ import annotations

import geopandas as gpd
import pandas as pd
import shapely
from geoalchemy2.shape import from_shape, to_shape
from shapely.geometry.base import BaseGeometry
from sqlalchemy import func
from sqlalchemy.sql import Select

from greening.models.base import WGS84

__all__ = ["to_db", "from_db", "wkb_column", "read_gdf", "read_df"]


def to_db(geom: BaseGeometry | None):
    """A shapely geometry (WGS 84) as a value for a Geometry column."""
    if geom is None:
        return None
    if geom.is_empty:
        raise ValueError("empty geometry cannot be stored")
    return from_shape(geom, srid=WGS84)


def from_db(value) -> BaseGeometry | None:
    """A Geometry column value as a shapely geometry."""
    return None if value is None else to_shape(value)


def wkb_column(column, label: str = "geometry"):
    """Select a geometry column as plain WKB (SpatiaLite's own blob format is not WKB)."""
    return func.ST_AsBinary(column).label(label)


def read_df(conn, stmt: Select) -> pd.DataFrame:
    """Run ``stmt`` and return a DataFrame (no geometry decoding)."""
    result = conn.execute(stmt)
    return pd.DataFrame(result.fetchall(), columns=list(result.keys()))


def read_gdf(conn, stmt: Select, geometry: str = "geometry") -> gpd.GeoDataFrame:
    """Run ``stmt`` (whose ``geometry`` column was selected with :func:`wkb_column`) into a GeoDataFrame."""
    df = read_df(conn, stmt)
    wkb = df.pop(geometry) if geometry in df else pd.Series([], dtype=object)
    geoms = shapely.from_wkb([None if v is None else bytes(v) for v in wkb])
    return gpd.GeoDataFrame(df, geometry=gpd.GeoSeries(geoms, index=df.index, crs=WGS84), crs=WGS84)
