"""Villages of many points at once, and re-assigning plantings after the village layer changed.

:class:`VillageLocator` answers "which village holds each point" for whole files (10^5 points in
well under a second): an ``STRtree`` over the villages gives bounding-box candidates, then
``shapely.intersects_xy`` on prepared polygons decides. A point on a shared border goes to the
lowest code, as in :func:`greening.services.plantings.locate_village`.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from greening.geo.crs import distance_m
from greening.geodb import read_df, wkb_column
from greening.models import AdminArea, Planting

__all__ = ["VillageLocator", "reassign_plantings", "Reassignment"]

OUTSIDE_FLAG = "outside_claimed_village"
UNLOCATED_FLAG = "village_unlocated"


class VillageLocator:
    """Point-in-village lookups over a fixed set of village polygons (WGS 84), sorted by code."""

    def __init__(self, ids, codes, names, geoms):
        order = np.argsort(np.asarray(codes, dtype=object).astype(str), kind="stable")
        self.ids = np.asarray(ids, dtype=np.int64)[order] if len(order) else np.zeros(0, dtype=np.int64)
        self.codes = np.asarray(codes, dtype=object)[order]
        self.names = np.asarray(names, dtype=object)[order]
        self.geoms = np.asarray(geoms, dtype=object)[order]
        shapely.prepare(self.geoms)
        self._tree = shapely.STRtree(self.geoms)

    @classmethod
    def from_session(cls, session: Session, *, exclude_codes=(), extra=None) -> "VillageLocator":
        """Every live village with a boundary; ``extra`` adds ``(id, code, name, geom)`` rows and
        ``exclude_codes`` leaves some out (to preview a boundary import before applying it)."""
        a = AdminArea
        df = read_df(session.connection(), select(a.id, a.code, a.name, wkb_column(a.geom)).where(
            a.level == "village", a.deleted_at.is_(None), a.geom.is_not(None)))
        excluded = set(exclude_codes)
        rows = [(int(i), c, n, shapely.from_wkb(bytes(g))) for i, c, n, g in
                zip(df["id"], df["code"], df["name"], df["geometry"]) if c not in excluded]
        rows += list(extra or [])
        if not rows:
            return cls([], [], [], [])
        ids, codes, names, geoms = zip(*rows)
        return cls(ids, codes, names, geoms)

    def __len__(self) -> int:
        return len(self.codes)

    def locate(self, lons, lats) -> np.ndarray:
        """Position (into ``ids``/``codes``/``names``) of the village holding each point; -1 for none."""
        lons = np.asarray(lons, dtype=float)
        lats = np.asarray(lats, dtype=float)
        out = np.full(lons.shape, -1, dtype=np.int64)
        if not len(self) or not lons.size:
            return out
        ok = np.isfinite(lons) & np.isfinite(lats)
        idx = np.flatnonzero(ok)
        points = shapely.points(lons[idx], lats[idx])
        pairs = self._tree.query(points)
        if not pairs.shape[1]:
            return out
        p, v = pairs
        hit = shapely.intersects_xy(self.geoms[v], lons[idx[p]], lats[idx[p]])
        p, v = p[hit], v[hit]
        order = np.lexsort((v, p))  # by point, then by code position: first is the lowest code
        p, v = p[order], v[order]
        first = np.unique(p, return_index=True)[1]
        out[idx[p[first]]] = v[first]
        return out

    def nearest(self, lon: float, lat: float) -> tuple[int, float] | None:
        """``(position, metres)`` of the village nearest to a point, or None without villages."""
        if not len(self):
            return None
        point = shapely.Point(lon, lat)
        position = int(self._tree.query_nearest(point)[0])
        return position, float(distance_m(self.geoms[position], point))


@dataclass
class Reassignment:
    """What re-locating the plantings changed (or would change)."""

    checked: int = 0
    moved: int = 0  # village changed
    unlocated: int = 0  # in no village after the change
    flag_changes: int = 0


def _plan_reassignment(session: Session, locator: VillageLocator):
    t = Planting.__table__
    df = read_df(session.connection(), select(t.c.id, t.c.lon, t.c.lat, t.c.village_id, t.c.village_code,
                                              t.c.claimed_village_code, t.c.flags))
    positions = locator.locate(df["lon"].to_numpy(float), df["lat"].to_numpy(float))
    updates, result = [], Reassignment(checked=len(df))
    for (pid, vid, vcode, claimed, flags), pos in zip(
            df[["id", "village_id", "village_code", "claimed_village_code", "flags"]].itertuples(index=False),
            positions):
        flags = list(flags or [])
        new_id = int(locator.ids[pos]) if pos >= 0 else None
        new_code = locator.codes[pos] if pos >= 0 else None
        kept = [f for f in flags if f not in (OUTSIDE_FLAG, UNLOCATED_FLAG)]
        new_flags = kept + ([UNLOCATED_FLAG] if new_code is None else
                            [OUTSIDE_FLAG] if new_code != claimed else [])
        vid = None if vid is None or vid != vid else int(vid)
        if new_id == vid and new_code == vcode and new_flags == flags:
            continue
        result.moved += new_code != vcode
        result.unlocated += new_code is None
        result.flag_changes += new_flags != flags
        updates.append({"b_id": int(pid), "b_vid": new_id, "b_code": new_code, "b_flags": new_flags})
    return updates, result


def reassign_plantings(session: Session, locator: VillageLocator | None = None, *,
                       dry_run: bool = False) -> Reassignment:
    """Set every planting's village (and its location flags) from its point and ``locator``.

    Run after a boundary change, in the same transaction. Only rows that change are written (one
    executemany UPDATE, version bumped so an editor holding the old version is told it changed).
    With ``dry_run`` nothing is written: the result says what would change.
    """
    locator = locator or VillageLocator.from_session(session)
    updates, result = _plan_reassignment(session, locator)
    if updates and not dry_run:
        t = Planting.__table__
        stmt = (update(t).where(t.c.id == bindparam("b_id"))
                .values(village_id=bindparam("b_vid"), village_code=bindparam("b_code"),
                        flags=bindparam("b_flags", type_=t.c.flags.type), version=t.c.version + 1))
        session.execute(stmt, updates)
    return result
