"""Write a generated demo campaign into the database in one transaction, with bulk inserts.

Bulk inserts bypass the ORM's audit hook, so each table gets one summary audit row
(action ``demo_load``). Geometry goes in as WKB through ``ST_GeomFromWKB`` on both backends.
"""
from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterable

import numpy as np
import pandas as pd
import shapely
from sqlalchemy import bindparam, func, insert, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from greening.actor import Actor
from greening.audit import record
from greening.db import read_session, session_scope
from greening.demo.campaign import DemoCampaign, generate_campaign
from greening.demo.summary import DemoSummary
from greening.models import (AdminArea, Assignment, Attestation, CareCheck, Designation,
                             GreeningTeam, Institution, Measure, Person, Planting, PlantingPlan,
                             Species)
from greening.models.base import WGS84, utcnow

__all__ = ["load_demo", "CHUNK"]

CHUNK = 5_000


def load_demo(engine: Engine, *, plantings: int, seed: int,
              progress: Callable[[str], None] | None = None) -> DemoSummary:
    """Generate the demo campaign for ``seed`` and write it into ``engine``'s empty database.

    ``plantings`` is the number of planting records (0, or at least about 2,300; the tree total
    is the same whatever the number). ``progress(msg)`` is called between stages. Everything
    written is marked ``is_demo`` where the table has that column. Raises ValueError when the
    database already holds areas, and writes nothing.
    """
    say = progress or (lambda _msg: None)
    started = time.perf_counter()
    with read_session(engine) as session:
        _refuse_unless_empty(session)
        measures = _attestation_measures(session)
    campaign = generate_campaign(seed, plantings, measures=measures, progress=say)
    actor = Actor.system("demo")
    with session_scope(engine) as session:
        from greening.permissions import install_scope

        install_scope(session, actor)
        _refuse_unless_empty(session)  # again, now holding the write lock
        _Writer(session, actor, campaign, say).write_all()
        say("提交 / committing")
    return campaign.summary(time.perf_counter() - started)


def _refuse_unless_empty(session: Session) -> None:
    n = session.scalar(select(func.count()).select_from(AdminArea))
    if n:
        raise ValueError(f"数据库已有 {n} 个区域，示例数据只能载入空数据库 / the database already "
                         f"holds {n} areas; demo data loads only into an empty database")


def _attestation_measures(session: Session) -> pd.DataFrame:
    rows = session.execute(select(Measure.id, Measure.level, Measure.title_zh)
                           .where(Measure.evaluation == "attestation")).all()
    return pd.DataFrame(rows, columns=["id", "level", "title_zh"])


def _wkb(geoms) -> list:
    """Geometries as WKB bytes (None stays None), for ``ST_GeomFromWKB``."""
    arr = np.asarray(geoms, dtype=object)
    out = np.full(len(arr), None, dtype=object)
    present = np.array([g is not None for g in arr], dtype=bool)
    if present.any():
        out[present] = shapely.to_wkb(arr[present])
    return list(out)


def _dates(values) -> list:
    return list(np.asarray(values, dtype="datetime64[D]").astype(object))


def _moments(values) -> list:
    utc = dt.timezone.utc
    return [None if pd.isna(v) else v.replace(tzinfo=utc)
            for v in np.asarray(values, dtype="datetime64[us]").astype(object)]


def _none(values) -> list:
    return [None if pd.isna(v) else v for v in values]


class _Writer:
    def __init__(self, session: Session, actor: Actor, campaign: DemoCampaign, say):
        self.s, self.actor, self.c, self.say = session, actor, campaign, say
        self.now = utcnow()

    def write_all(self) -> None:
        self.say("写入区划 / writing areas")
        area_ids = self.areas()
        species_ids = self.species()
        self.say("写入护绿队、人员与示范点 / writing teams, people and designations")
        team_ids = self.teams(area_ids)
        self.people(area_ids)
        self.designations(area_ids)
        self.say("写入种植计划与植树记录 / writing plans and plantings")
        self.plans(area_ids, species_ids)
        planting_ids = self.plantings(area_ids, team_ids, species_ids)
        self.say("写入管护与成活率核查 / writing care and survival checks")
        self.checks(planting_ids)
        self.attestations(area_ids)

    # -- helpers ------------------------------------------------------------------------------

    def insert(self, model, rows: list[dict], *, geom: dict | None = None, note: str = "") -> None:
        """Bulk insert ``rows`` (geometry columns from WKB keys named in ``geom``), then audit."""
        table = model.__table__
        stmt = insert(table)
        if geom:
            stmt = stmt.values({col: func.ST_GeomFromWKB(bindparam(key), WGS84)
                                for col, key in geom.items()})
        for i in range(0, len(rows), CHUNK):
            self.s.execute(stmt, rows[i:i + CHUNK])
        if rows:
            record(self.s, self.actor, "demo_load", table.name,
                   note=f"示例数据批量写入 {len(rows):,} 行 / demo bulk load of {len(rows):,} rows "
                        f"(seed {self.c.seed}){'; ' + note if note else ''}")

    def ids(self, key_col, where=None) -> dict:
        model = key_col.class_
        stmt = select(key_col, model.id)
        if where is not None:
            stmt = stmt.where(where)
        return dict(self.s.execute(stmt).all())

    def tracked(self, **values) -> dict:
        return {"created_at": self.now, **values}

    # -- tables -------------------------------------------------------------------------------

    def areas(self) -> dict[str, int]:
        a = self.c.areas
        ids: dict[str, int] = {}
        for level in ("city", "county", "town", "village"):
            part = a[a["level"] == level]
            rows = [self.tracked(code=r.code, level=level, name=r.name, name_en=r.name_en,
                                 parent_id=ids.get(r.parent_code), scope_prefix=r.scope_prefix,
                                 area_m2=float(r.area_m2), label_lon=float(r.label_lon),
                                 label_lat=float(r.label_lat), source=r.source,
                                 source_crs=r.source_crs, is_demo=True, geom_wkb=w)
                    for r, w in zip(part.itertuples(), _wkb(part.geometry.values))]
            self.s.execute(insert(AdminArea.__table__).values(
                geom=func.ST_GeomFromWKB(bindparam("geom_wkb"), WGS84)), rows)
            ids.update(self.ids(AdminArea.code, AdminArea.level == level))
        record(self.s, self.actor, "demo_load", "admin_areas",
               note=f"示例数据批量写入 {len(a):,} 行 / demo bulk load of {len(a):,} rows "
                    f"(seed {self.c.seed}): city, counties (real boundaries), generated towns and villages")
        return ids

    def species(self) -> dict[str, int]:
        have = self.ids(Species.name_zh)
        sp = self.c.species[~self.c.species["name_zh"].isin(have)]
        rows = [self.tracked(name_zh=r.name_zh, name_latin=_none([r.name_latin])[0],
                             name_en=_none([r.name_en])[0], category=r.category, native=bool(r.native))
                for r in sp.itertuples()]
        self.insert(Species, rows, note="real species catalogue (data/species.csv)")
        return self.ids(Species.name_zh)

    def teams(self, area_ids) -> dict[str, int]:
        t = self.c.teams
        rows = [self.tracked(village_id=area_ids[r.village_code], village_code=r.village_code,
                             name=r.name, leader_name=r.leader_name, members=int(r.members),
                             party_members=int(r.party_members), founded_on=r.founded_on,
                             active=bool(r.active), is_demo=True)
                for r in t.itertuples()]
        self.insert(GreeningTeam, rows)
        return self.ids(GreeningTeam.village_code, GreeningTeam.is_demo.is_(True))

    def people(self, area_ids) -> None:
        inst = self.c.institutions
        have = self.ids(Institution.name)
        self.insert(Institution, [self.tracked(name=r.name, kind=r.kind, is_demo=True)
                                  for r in inst.itertuples() if r.name not in have])
        inst_ids = self.ids(Institution.name)
        p = self.c.people
        rows = [self.tracked(kind=r.kind, name=r.name, title=r.title,
                             institution_id=inst_ids.get(r.institution) if isinstance(r.institution, str) else None,
                             is_demo=True) for r in p.itertuples()]
        table = Person.__table__
        person_ids = []
        for i in range(0, len(rows), CHUNK):
            res = self.s.execute(insert(table).returning(table.c.id, sort_by_parameter_order=True),
                                 rows[i:i + CHUNK])
            person_ids += list(res.scalars())
        record(self.s, self.actor, "demo_load", "people",
               note=f"示例数据批量写入 {len(rows):,} 行 / demo bulk load of {len(rows):,} rows (seed {self.c.seed})")
        key_to_id = dict(zip(p["key"], person_ids))
        a = self.c.assignments
        self.insert(Assignment, [self.tracked(person_id=key_to_id[r.person_key],
                                              area_id=area_ids[r.area_code], area_code=r.area_code,
                                              role=r.role, start_on=r.start_on)
                                 for r in a.itertuples()])

    def designations(self, area_ids) -> None:
        d = self.c.designations
        rows = [self.tracked(kind=r.kind, name=r.name, year=int(r.year), area_id=area_ids[r.area_code],
                             area_code=r.area_code, description=r.description, is_demo=True, geom_wkb=w)
                for r, w in zip(d.itertuples(), _wkb(d.geometry.values))]
        self.insert(Designation, rows, geom={"geom": "geom_wkb"})

    def plans(self, area_ids, species_ids) -> None:
        p = self.c.plans
        rows = [self.tracked(village_id=area_ids[r.village_code], village_code=r.village_code,
                             year=int(r.year), site_type=r.site_type, site_name=r.site_name,
                             species_id=species_ids[r.species], planned_count=int(r.planned_count),
                             seedlings_secured=int(r.seedlings_secured))
                for r in p.itertuples()]
        self.insert(PlantingPlan, rows)

    def plantings(self, area_ids, team_ids, species_ids) -> list[int]:
        p = self.c.plantings
        if p.empty:
            return []
        cols = _planting_columns(p, area_ids, team_ids, species_ids)
        cols["created_at"] = [self.now] * len(p)
        keys = list(cols)
        rows = (dict(zip(keys, values)) for values in zip(*cols.values()))
        self.insert(Planting, list(rows), geom={"location": "location_wkb"},
                    note=f"{(p['status'] != 'rejected').sum():,} accepted")
        ids = self.ids(Planting.submission_id, Planting.submission_id.like(f"demo-{self.c.seed}-%"))
        return [ids[s] for s in p["submission_id"]]

    def checks(self, planting_ids: list[int]) -> None:
        c = self.c.checks
        if c.empty:
            return
        pid = np.asarray(planting_ids, dtype=np.int64)[c["planting_index"].to_numpy()]
        alive = _none(c["alive_count"])
        rows = [self.tracked(planting_id=int(i), village_code=v, kind=k, checked_on=d,
                             alive_count=None if a is None else int(a), responsible=r, note=n,
                             submission_id=s)
                for i, v, k, d, a, r, n, s in zip(pid, c["village_code"], c["kind"],
                                                  _dates(c["checked_on"]), alive, c["responsible"],
                                                  _none(c["note"]), c["submission_id"])]
        self.insert(CareCheck, rows)

    def attestations(self, area_ids) -> None:
        a = self.c.attestations
        if a.empty:
            return
        rows = [self.tracked(measure_id=r.measure_id, area_id=area_ids[r.area_code],
                             area_code=r.area_code, status=r.status, evidence=r.evidence,
                             attested_on=r.attested_on)
                for r in a.itertuples()]
        self.insert(Attestation, rows)


def _planting_columns(p: pd.DataFrame, area_ids, team_ids, species_ids) -> dict[str, Iterable]:
    claimed = p["claimed_village_code"].to_numpy()
    actual = p["village_code"].to_numpy()
    points = shapely.points(p["lon"].to_numpy(), p["lat"].to_numpy())
    return {
        "submission_id": p["submission_id"].tolist(),
        "village_id": [area_ids[c] for c in actual],
        "village_code": actual.tolist(),
        "claimed_village_id": [area_ids[c] for c in claimed],
        "claimed_village_code": claimed.tolist(),
        "team_id": [team_ids.get(c) for c in claimed],
        "planted_on": _dates(p["planted_on"]),
        "species_id": [species_ids[s] for s in p["species"]],
        "tree_count": p["tree_count"].astype(int).tolist(),
        "site_type": p["site_type"].tolist(),
        "site_name": p["site_name"].tolist(),
        "party_members": p["party_members"].astype(int).tolist(),
        "villagers": p["villagers"].astype(int).tolist(),
        "status": p["status"].tolist(),
        "reject_reason": _none(p["reject_reason"]),
        "reviewed_at": _moments(p["reviewed_at"]),
        "source": ["demo"] * len(p),
        "flags": p["flags"].tolist(),
        "lon": p["lon"].tolist(),
        "lat": p["lat"].tolist(),
        "location_wkb": list(shapely.to_wkb(points)),
        "is_demo": [True] * len(p),
    }
