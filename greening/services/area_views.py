"""Areas in the actor's scope: villages and towns with their shapes and metrics, names by code,
the village holding a tapped point, and whether the database holds demo records. Read-only."""
from __future__ import annotations

import geopandas as gpd
from sqlalchemy import exists, select
from sqlalchemy.orm import aliased

from greening.actor import Actor
from greening.coverage.index import VillageIndex
from greening.geodb import read_gdf, wkb_column
from greening.models import (
    AdminArea,
    Designation,
    GreeningTeam,
    Planting,
)
from greening.permissions import scope_clause

__all__ = ["live", "area_frame", "area_names", "village_at", "has_demo_data"]


def live(model):
    """Rows not soft-deleted."""
    return model.deleted_at.is_(None)


def area_frame(conn, actor: Actor, level: str, *, within: str | None = None) -> gpd.GeoDataFrame:
    """Areas of ``level`` in the actor's scope (optionally inside the code prefix ``within``).

    Columns: ``id``, ``code``, ``name``, ``name_en``, ``town_code``, ``town_name``, ``county_code``,
    ``county_name``, ``label_lon``, ``label_lat``, ``area_m2``, ``is_demo``, geometry (WGS 84).
    Town and county names come from the parent chain, so they are right at every level.
    """
    parent = aliased(AdminArea)
    grand = aliased(AdminArea)
    a = AdminArea
    stmt = (select(a.id, a.code, a.name, a.name_en, a.label_lon, a.label_lat, a.area_m2, a.is_demo,
                   parent.code.label("parent_code"), parent.name.label("parent_name"),
                   grand.code.label("grand_code"), grand.name.label("grand_name"), wkb_column(a.geom))
            .outerjoin(parent, parent.id == a.parent_id).outerjoin(grand, grand.id == parent.parent_id)
            .where(a.level == level, live(a), _scope_for_areas(actor, a.code))
            .order_by(a.code))
    if within:
        stmt = stmt.where(a.code.startswith(within, autoescape=True))
    frame = read_gdf(conn, stmt)
    # one rename, not column by column (each pop and insert of a GeoDataFrame copies its blocks)
    if level == "village":
        frame = frame.rename(columns={"parent_code": "town_code", "parent_name": "town_name",
                                      "grand_code": "county_code", "grand_name": "county_name"})
    elif level == "town":
        frame = frame.drop(columns=["grand_code", "grand_name"]).rename(
            columns={"parent_code": "county_code", "parent_name": "county_name"})
        frame.insert(frame.columns.get_loc("county_code"), "town_code", frame["code"])
        frame.insert(frame.columns.get_loc("county_code"), "town_name", frame["name"])
    else:
        frame = frame.drop(columns=["parent_code", "parent_name", "grand_code", "grand_name"])
    frame["is_demo"] = frame["is_demo"].astype(bool)
    return frame


def _scope_for_areas(actor: Actor, column):
    # An actor sees the areas inside its own; a team or town lead also needs the containing town
    # and county names, which come through the parent joins, not through this filter.
    return scope_clause(actor, column)


def area_names(conn, codes) -> dict[str, str]:
    """code -> name for the given area codes (any level; names are not secret)."""
    codes = sorted({str(c) for c in codes if c})
    if not codes:
        return {}
    rows = conn.execute(select(AdminArea.code, AdminArea.name).where(AdminArea.code.in_(codes))).all()
    return {c: n for c, n in rows}


def village_at(villages: gpd.GeoDataFrame, lon: float, lat: float, *, reach_m: float = 0.0):
    """The row of ``villages`` holding (lon, lat), or None (pure; no database).

    The one border rule of :class:`~greening.coverage.index.VillageIndex`: boundary included, the
    lowest code wins, so a tap on a shared border opens the same village a planting there joins.
    ``reach_m``: a point in no village takes the nearest village within that many metres (a
    finger's tap on a map drawn at city zoom: shapes a few pixels wide, outlines a pixel wide,
    see :data:`greening.maps.compact.TAP_REACH_M`); plantings never use it.
    """
    if villages is None or not len(villages) or lon is None or lat is None:
        return None
    shaped = villages[villages.geometry.notna() & ~villages.geometry.is_empty]
    if not len(shaped):
        return None
    index = VillageIndex.from_frame(shaped)
    code = index.locate(float(lon), float(lat))
    if code is None and reach_m > 0:
        near = index.nearest(float(lon), float(lat))
        if near is not None and near[1] <= reach_m:
            code = index.codes[near[0]]
    if code is None:
        return None
    return shaped.loc[shaped["code"] == code].iloc[0]


def has_demo_data(conn) -> bool:
    """True when the database holds generated demo records (the pages then show a banner)."""
    for model in (AdminArea, GreeningTeam, Planting, Designation):
        if conn.execute(select(exists().where(model.is_demo.is_(True)))).scalar():
            return True
    return False


