"""The review queue (待审核): the records awaiting a lead's decision, filtered and a page at a time.

A lead's area can hold hundreds of pending records; the queue shows how many match the filters,
the newest submissions first (today's are on the first page), and one page of them. Filters:
submitted between two dates (China time), one village, one team, and flags (any flag, or one
flag) found on the record or on one of its photos. One record's details for the decision (its
photos with their flags, the point and its village) come from :func:`record_detail`.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import pandas as pd
from sqlalchemy import String, cast, exists, func, or_, select
from sqlalchemy.orm import Session

from greening.actor import Actor
from greening.models import AdminArea, GreeningTeam, Photo, Planting, Species
from greening.models.enums import PlantingStatus
from greening.permissions import require, scope_clause
from greening.services.plantings import OUTSIDE_FLAG, UNLOCATED_FLAG
from greening.validation.errors import Refusal

__all__ = ["QueueFilter", "QueuePage", "PLANTING_FLAGS", "PHOTO_FLAGS", "ANY_FLAG", "PAGE_SIZES",
           "queue_page", "queue_options", "record_photos"]

LOCAL_TZ = ZoneInfo("Asia/Shanghai")
PLANTING_FLAGS = (OUTSIDE_FLAG, UNLOCATED_FLAG)
PHOTO_FLAGS = ("no_gps", "gps_zero", "too_far", "no_time", "time_far", "duplicate_photo")
ANY_FLAG = "any"
NO_PHOTO = "no_photo"
PAGE_SIZES = (20, 50, 100)
MAX_PAGE = 500


@dataclass(frozen=True)
class QueueFilter:
    """What a reviewer narrows the queue to; every field is optional."""

    since: dt.date | None = None        # submitted on or after (China time)
    until: dt.date | None = None        # submitted on or before (China time)
    village_code: str | None = None
    team_id: int | None = None
    flag: str | None = None             # ANY_FLAG, NO_PHOTO, or one of PLANTING_FLAGS / PHOTO_FLAGS
    status: str = PlantingStatus.SUBMITTED.value


@dataclass(frozen=True)
class QueuePage:
    rows: pd.DataFrame   # one page, newest first, with id and version of each record
    total: int           # records matching the filter (all pages)
    page: int            # 1-based
    pages: int


_COLUMNS = (Planting.id, Planting.version, Planting.status, Planting.claimed_village_code.label("village_code"),
            AdminArea.name.label("village"), GreeningTeam.name.label("team"), Planting.team_id,
            Planting.planted_on, Species.name_zh.label("species"), Species.name_en.label("species_en"),
            Planting.tree_count, Planting.site_type, Planting.site_name, Planting.party_members,
            Planting.villagers, Planting.note, Planting.flags, Planting.created_at, Planting.lon, Planting.lat,
            Planting.village_code.label("located_code"))


def _local_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), LOCAL_TZ).astimezone(dt.UTC)


def _has_flag(column, flag: str):
    # Flags are a JSON list of codes; its text holds each code in double quotes (same on both backends).
    return cast(column, String).like(f'%"{flag}"%')


def _photo_flag(flag: str | None):
    where = [Photo.planting_id == Planting.id, Photo.deleted_at.is_(None)]
    if flag is not None:
        where.append(_has_flag(Photo.flags, flag))
    else:
        where.append(cast(Photo.flags, String).like('%"%'))
    return exists().where(*where)


def _where(actor: Actor, f: QueueFilter) -> list:
    where = [Planting.deleted_at.is_(None), scope_clause(actor, Planting.claimed_village_code),
             Planting.status == PlantingStatus(f.status).value]
    if f.since:
        where.append(Planting.created_at >= _local_start(f.since))
    if f.until:
        where.append(Planting.created_at < _local_start(f.until + dt.timedelta(days=1)))
    if f.village_code:
        where.append(Planting.claimed_village_code == f.village_code)
    if f.team_id is not None:
        where.append(Planting.team_id == int(f.team_id))
    if f.flag == ANY_FLAG:
        where.append(or_(cast(Planting.flags, String).like('%"%'), _photo_flag(None)))
    elif f.flag == NO_PHOTO:
        where.append(~exists().where(Photo.planting_id == Planting.id, Photo.deleted_at.is_(None)))
    elif f.flag in PLANTING_FLAGS:
        where.append(_has_flag(Planting.flags, f.flag))
    elif f.flag in PHOTO_FLAGS:
        where.append(_photo_flag(f.flag))
    elif f.flag:
        raise Refusal.of("review_flag_unknown", flag=f.flag)
    return where


def _photo_summary(session: Session, ids: list[int]) -> dict[int, tuple[int, list[str]]]:
    """Per planting: how many photos, and the flags found on them (each once, in order)."""
    if not ids:
        return {}
    out: dict[int, tuple[int, list[str]]] = {}
    rows = session.execute(select(Photo.planting_id, Photo.flags).where(
        Photo.planting_id.in_(ids), Photo.deleted_at.is_(None)).order_by(Photo.id))
    for pid, flags in rows:
        n, seen = out.get(pid, (0, []))
        out[pid] = (n + 1, seen + [f for f in (flags or []) if f not in seen])
    return out


def queue_page(session: Session, actor: Actor, flt: QueueFilter | None = None, *, page: int = 1,
               page_size: int = 20) -> QueuePage:
    """One page of the records awaiting review in the actor's area, newest submission first.

    Each row carries the record's ``version`` (a decision names it), ``flags`` (of the record)
    and ``photo_flags`` / ``photos`` (of its photos). ``page`` beyond the last gives the last.
    """
    flt = flt or QueueFilter()
    require(actor, "planting.review", flt.village_code)
    page_size = max(1, min(int(page_size), MAX_PAGE))
    where = _where(actor, flt)
    total = int(session.execute(select(func.count()).select_from(Planting).where(*where)).scalar_one())
    pages = max(1, -(-total // page_size))
    page = min(max(1, int(page)), pages)
    stmt = (select(*_COLUMNS)
            .join(AdminArea, AdminArea.id == Planting.claimed_village_id)
            .join(Species, Species.id == Planting.species_id)
            .outerjoin(GreeningTeam, GreeningTeam.id == Planting.team_id)
            .where(*where)
            .order_by(Planting.created_at.desc(), Planting.id.desc())
            .limit(page_size).offset((page - 1) * page_size))
    result = session.execute(stmt)
    rows = pd.DataFrame([tuple(r) for r in result], columns=list(result.keys()))
    photos = _photo_summary(session, [int(i) for i in rows["id"]]) if len(rows) else {}
    rows["flags"] = [list(f or []) for f in rows["flags"]] if len(rows) else []
    rows["photos"] = [photos.get(int(i), (0, []))[0] for i in rows["id"]] if len(rows) else []
    rows["photo_flags"] = [photos.get(int(i), (0, []))[1] for i in rows["id"]] if len(rows) else []
    return QueuePage(rows=rows, total=total, page=page, pages=pages)


def queue_options(session: Session, actor: Actor) -> dict[str, pd.DataFrame]:
    """The villages and teams that have records awaiting review in the actor's area (for filters)."""
    require(actor, "planting.review")
    base = [Planting.deleted_at.is_(None), scope_clause(actor, Planting.claimed_village_code),
            Planting.status == PlantingStatus.SUBMITTED.value]
    villages = session.execute(
        select(Planting.claimed_village_code, AdminArea.name, func.count())
        .join(AdminArea, AdminArea.id == Planting.claimed_village_id).where(*base)
        .group_by(Planting.claimed_village_code, AdminArea.name).order_by(Planting.claimed_village_code)).all()
    teams = session.execute(
        select(GreeningTeam.id, GreeningTeam.name, GreeningTeam.village_code, func.count())
        .join(Planting, Planting.team_id == GreeningTeam.id).where(*base)
        .group_by(GreeningTeam.id, GreeningTeam.name, GreeningTeam.village_code)
        .order_by(GreeningTeam.village_code)).all()
    return {"villages": pd.DataFrame(villages, columns=["code", "name", "pending"]),
            "teams": pd.DataFrame(teams, columns=["id", "name", "village_code", "pending"])}


def record_photos(session: Session, actor: Actor, planting_id: int) -> list[Photo]:
    """The photos of one record in the actor's area (for thumbnails), oldest first."""
    require(actor, "planting.review")
    visible = select(Planting.id).where(Planting.id == int(planting_id), Planting.deleted_at.is_(None),
                                        scope_clause(actor, Planting.claimed_village_code))
    return list(session.scalars(select(Photo).where(Photo.planting_id.in_(visible), Photo.deleted_at.is_(None))
                                .order_by(Photo.id)))
