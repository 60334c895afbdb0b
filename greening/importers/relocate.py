"""Re-assigning plantings to villages after the village layer changed.

Points find their villages with :func:`greening.coverage.join.village_index` (the village layer
as the transaction sees it, with the one border rule of :mod:`greening.coverage.index`), joined
by the engine of the ``GREENING_COVERAGE_ENGINE`` setting (:mod:`greening.coverage.engines`). What is
here is the set-based part: the new village and location flags of every planting, written for
the rows that change only, in one UPDATE.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.orm import Session

from greening.coverage.engines import assign_villages
from greening.coverage.index import VillageIndex
from greening.coverage.join import village_index
from greening.geodb import read_df
from greening.models import AdminArea, Planting
from greening.services.plantings import with_location_flags

__all__ = ["reassign_plantings", "Reassignment"]


@dataclass
class Reassignment:
    """What re-locating the plantings changed (or would change)."""

    checked: int = 0
    moved: int = 0  # village changed
    unlocated: int = 0  # in no village after the change
    flag_changes: int = 0


def _plan_reassignment(session: Session, index: VillageIndex):
    t = Planting.__table__
    df = read_df(session.connection(), select(t.c.id, t.c.lon, t.c.lat, t.c.village_id, t.c.village_code,
                                              t.c.claimed_village_code, t.c.flags))
    codes = assign_villages(df["lon"].to_numpy(float), df["lat"].to_numpy(float), index,
                            claimed=df["claimed_village_code"].astype(object).to_numpy())
    ids = dict(session.execute(select(AdminArea.code, AdminArea.id).where(
        AdminArea.level == "village", AdminArea.deleted_at.is_(None))).all())
    updates, result = [], Reassignment(checked=len(df))
    for (pid, vid, vcode, claimed, flags), new_code in zip(
            df[["id", "village_id", "village_code", "claimed_village_code", "flags"]].itertuples(index=False),
            codes, strict=False):
        flags = list(flags or [])
        new_id = ids.get(new_code, -1) if new_code is not None else None  # -1: a village not written yet
        new_flags = with_location_flags(flags, new_code, claimed)
        vid = None if vid is None or vid != vid else int(vid)
        if new_id == vid and new_code == vcode and new_flags == flags:
            continue
        result.moved += new_code != vcode
        result.unlocated += new_code is None
        result.flag_changes += new_flags != flags
        updates.append({"b_id": int(pid), "b_vid": new_id, "b_code": new_code, "b_flags": new_flags})
    return updates, result


def reassign_plantings(session: Session, index: VillageIndex | None = None, *,
                       dry_run: bool = False) -> Reassignment:
    """Set every planting's village (and its location flags) from its point and ``index``.

    ``index`` defaults to the villages as the session's transaction sees them. Run after a
    boundary change, in the same transaction. Only rows that change are written (one executemany
    UPDATE, version bumped so an editor holding the old version is told it changed). With
    ``dry_run`` nothing is written: the result says what would change.
    """
    if index is None:
        index = village_index(session.connection())
    updates, result = _plan_reassignment(session, index)
    if updates and not dry_run:
        t = cast(Table, Planting.__table__)
        stmt = (update(t).where(t.c.id == bindparam("b_id"))
                .values(village_id=bindparam("b_vid"), village_code=bindparam("b_code"),
                        flags=bindparam("b_flags", type_=t.c.flags.type), version=t.c.version + 1))
        session.execute(stmt, updates)
    return result
