"""The one place where geometry crosses the database edge (WKB <-> shapely / GeoDataFrame)."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from geoalchemy2 import Geometry
from geoalchemy2.shape import to_shape
from shapely.geometry.base import BaseGeometry
from sqlalchemy import func, select, type_coerce
from sqlalchemy.sql import ClauseElement, CompoundSelect, Select
from sqlalchemy.types import NullType

from greening.models.base import WGS84

__all__ = ["rows_frame", "to_db", "from_db", "wkb_column", "read_gdf", "read_df", "read_columns", "stored_vertices"]


def to_db(geom: BaseGeometry | None):
    """A shapely geometry (WGS 84) as a value for a Geometry column: ``ST_GeomFromWKB(wkb, 4326)``.

    The geometry travels as WKB on both backends. GeoAlchemy2's own binding sends text (EWKT) to
    SpatiaLite, whose WKT parser gives up on very large rings ("Parser stack overflow", somewhere
    between 200,000 and 500,000 vertices) and stores NULL without raising; WKB has no such limit.
    The ORM expires the attribute after the flush, so reading it back gives what the database holds.
    """
    if geom is None:
        return None
    if geom.is_empty:
        raise ValueError("empty geometry cannot be stored")
    return func.ST_GeomFromWKB(shapely.to_wkb(geom, include_srid=False), WGS84, type_=Geometry(srid=WGS84))


def from_db(value) -> BaseGeometry | None:
    """A Geometry column value as a shapely geometry (also a value :func:`to_db` made, not yet flushed)."""
    if value is None:
        return None
    if isinstance(value, ClauseElement):  # ST_GeomFromWKB(<wkb>, <srid>) as to_db built it
        built: Any = value
        return shapely.from_wkb(built.clauses.clauses[0].value)
    return to_shape(value)


def stored_vertices(conn, column, key_column, keys) -> dict:
    """``{key: number of vertices the database holds}`` for the rows whose ``key_column`` is in
    ``keys`` (None where the database stored NULL): to check that what was written is what was meant."""
    stmt = select(key_column, func.ST_NPoints(column)).where(key_column.in_(list(keys)))
    return dict(conn.execute(stmt).all())


def wkb_column(column, label: str = "geometry"):
    """Select a geometry column as plain WKB (SpatiaLite's own blob format is not WKB)."""
    return func.ST_AsBinary(column).label(label)


def read_df(conn, stmt: Select | CompoundSelect) -> pd.DataFrame:
    """Run ``stmt`` and return a DataFrame (no geometry decoding)."""
    result = conn.execute(stmt)
    return rows_frame(result.fetchall(), result.keys())


def rows_frame(rows, columns) -> pd.DataFrame:
    """Rows of a query result as a DataFrame with ``columns``. As plain tuples: handed SQLAlchemy
    ``Row`` objects, pandas probes each one's attributes (0.6 s for 30,000 rows, against 0.02 s)."""
    return pd.DataFrame([tuple(row) for row in rows], columns=list(columns))


def read_columns(conn, stmt: Select, kinds: Mapping[str, str]) -> pd.DataFrame:
    """Run ``stmt`` (a select of plain columns) and build its result column by column: for the
    reads of every planting and check of an area (10^6 rows of a city), where :func:`read_df`
    spends more time in SQLAlchemy's per-value type processing and pandas' per-row inference than
    in the database.

    ``kinds``: the kind of each selected column, by name: ``int``, ``float``, ``str``,
    ``category`` (text as a ``Categorical``: area codes, enum values) or ``date`` (``datetime64``; dates arrive as ISO text from SQLite and as ``date`` objects from
    PostgreSQL, so they are parsed once per distinct day). An ``int`` column holding NULL comes
    back as float with NaN, as :func:`read_df` gives it. The values are the driver's own (the
    columns are selected without their SQLAlchemy types), so an enum column arrives as its
    stored text.
    """
    names = [c.name for c in stmt.selected_columns]
    if unknown := sorted(set(names) ^ set(kinds)):
        raise ValueError(f"columns and kinds do not match: {unknown}")
    raw = stmt.with_only_columns(*[type_coerce(c, NullType()).label(c.name) for c in stmt.selected_columns],
                                 maintain_column_froms=True)
    result = conn.execute(raw)
    try:  # the driver's tuples: SQLAlchemy's rows cost more than the database for 10^6 of them
        rows = result.cursor.fetchall()
    finally:
        result.close()
    return pd.DataFrame({name: _column([r[i] for r in rows], kinds[name]) for i, name in enumerate(names)})


def _column(values: list, kind: str):
    if kind == "int":
        out = np.array(values, dtype=np.float64)
        return out if np.isnan(out).any() else out.astype(np.int64)
    if kind == "float":
        return np.array(values, dtype=np.float64)
    if kind == "str":
        return pd.array(values, dtype="str")
    if kind == "category":
        return pd.Categorical(values)
    if kind == "date":
        days = pd.Categorical(values)
        distinct = days.categories.to_numpy(dtype=object)
        text = len(distinct) > 0 and isinstance(distinct[0], str)
        parsed = pd.DatetimeIndex(pd.to_datetime(distinct, format="ISO8601" if text else None)).as_unit("s")
        return pd.Series(parsed.take(days.codes, allow_fill=True, fill_value=None))
    raise ValueError(f"unknown column kind {kind!r}")


def read_gdf(conn, stmt: Select, geometry: str = "geometry") -> gpd.GeoDataFrame:
    """Run ``stmt`` (whose ``geometry`` column was selected with :func:`wkb_column`) into a GeoDataFrame."""
    df = read_df(conn, stmt)
    wkb = df.pop(geometry) if geometry in df else pd.Series([], dtype=object)
    blobs: list[Any] = wkb.tolist()
    geoms = shapely.from_wkb([None if v is None else bytes(v) for v in blobs])
    return gpd.GeoDataFrame(df, geometry=gpd.GeoSeries(geoms, index=df.index, crs=WGS84), crs=WGS84)
