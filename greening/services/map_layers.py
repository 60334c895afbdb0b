"""What a map needs of the plantings, computed by the database: the latest records as points,
how many there are, and trees summed on a grid for the heat map.

A map never gets every record: at 10^6 plantings, reading them all into the app would take
seconds and hundreds of MB per app process. The latest ``limit`` records are clustered in the
browser; the heat map shows every record, summed per cell by the database.
"""
from __future__ import annotations

import pandas as pd
from sqlalchemy import func, select

from greening.actor import Actor
from greening.geodb import read_df
from greening.models import Planting, Species
from greening.permissions import scope_clause

__all__ = ["latest_planting_points", "planting_count", "planting_heat_cells", "latest_of", "merged_cells"]


def _shown(actor: Actor, within: str | None):
    p = Planting
    where = [p.deleted_at.is_(None), p.status != "rejected", scope_clause(actor, p.claimed_village_code),
             p.lon.is_not(None), p.lat.is_not(None)]
    if within:
        where.append(p.claimed_village_code.startswith(within, autoescape=True))
    return where


def latest_planting_points(conn, actor: Actor, *, within: str | None = None, limit: int = 3000) -> pd.DataFrame:
    """The ``limit`` latest plantings (by planting date, then record) in scope: ``lon``, ``lat``,
    ``tree_count``, ``species``, ``planted_on``, ``village_code``, ``id``."""
    p = Planting
    stmt = (select(p.lon, p.lat, p.tree_count, Species.name_zh.label("species"), p.planted_on,
                   p.claimed_village_code.label("village_code"), p.id)
            .join(Species, Species.id == p.species_id).where(*_shown(actor, within))
            .order_by(p.planted_on.desc(), p.id.desc()).limit(int(limit)))
    return read_df(conn, stmt)


def planting_count(conn, actor: Actor, *, within: str | None = None) -> int:
    """How many plantings in scope a map could show (located, not rejected, not deleted)."""
    return int(conn.execute(select(func.count()).select_from(Planting).where(*_shown(actor, within))).scalar() or 0)


def planting_heat_cells(conn, actor: Actor, *, within: str | None = None, cell_deg: float = 0.005) -> pd.DataFrame:
    """Trees summed per grid cell of ``cell_deg`` degrees over every planting in scope: ``x``,
    ``y`` (cell centres, WGS 84) and ``w`` (trees)."""
    p = Planting
    size = float(cell_deg)
    ix = func.floor(p.lon / size + 0.5).label("ix")
    iy = func.floor(p.lat / size + 0.5).label("iy")
    stmt = (select(ix, iy, func.sum(p.tree_count).label("w")).where(*_shown(actor, within))
            .group_by(ix, iy))
    cells = read_df(conn, stmt)
    if cells.empty:
        return pd.DataFrame({"x": [], "y": [], "w": []})
    return pd.DataFrame({"x": cells["ix"].astype(float) * size, "y": cells["iy"].astype(float) * size,
                         "w": cells["w"].astype(float)})


def latest_of(parts: list[pd.DataFrame], limit: int) -> pd.DataFrame:
    """The ``limit`` latest of several areas' :func:`latest_planting_points` (each their own
    ``limit`` latest): the same rows, in the same order, as asking for the areas together."""
    frames = [f for f in parts if len(f)]
    if not frames:
        return parts[0] if parts else pd.DataFrame()
    both = pd.concat(frames, ignore_index=True)
    day = pd.to_datetime(both["planted_on"])
    order = pd.DataFrame({"day": day, "id": both["id"]}).sort_values(["day", "id"], ascending=False, kind="stable")
    return both.loc[order.index[:limit]].reset_index(drop=True)


def merged_cells(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """Several areas' :func:`planting_heat_cells` as one grid: a cell two areas share sums both."""
    frames = [f for f in parts if len(f)]
    if not frames:
        return pd.DataFrame({"x": [], "y": [], "w": []})
    both = pd.concat(frames, ignore_index=True)
    summed = both.groupby(["x", "y"], sort=True)["w"].sum()
    return pd.DataFrame({"x": summed.index.get_level_values("x").to_numpy(),
                         "y": summed.index.get_level_values("y").to_numpy(), "w": summed.to_numpy()})
