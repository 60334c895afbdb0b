"""Write a generated demo campaign into the database in one transaction, with bulk inserts.

Bulk inserts bypass the ORM's audit hook, so each table gets one summary audit row
(action ``demo_load``). Geometry goes in as WKB through ``ST_GeomFromWKB`` on both backends.
"""
from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from typing import cast

import numpy as np
import pandas as pd
import shapely
from sqlalchemy import Table, func, insert, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from greening.actor import Actor
from greening.audit import record
from greening.county_partitions import ensure_county_partitions
from greening.db import read_session, session_scope
from greening.demo.bulk import insert_columns, spatialite_bulk
from greening.demo.campaign import DemoCampaign, generate_campaign
from greening.demo.geography import VILLAGE_TOTAL
from greening.demo.lagging_truth import LAGGARD_COUNTS
from greening.demo.plans import tree_total
from greening.demo.plantings import check_record_count
from greening.demo.summary import DemoSummary
from greening.models import (
    AdminArea,
    Assignment,
    Attestation,
    CareCheck,
    Designation,
    GreeningTeam,
    Institution,
    Measure,
    Person,
    Planting,
    PlantingPlan,
    Species,
)
from greening.models.base import utcnow
from greening.permissions import install_scope
from greening.validation.errors import Refusal

__all__ = ["load_demo", "check_plantings"]


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
    check_plantings(plantings, seed)
    with read_session(engine) as session:
        _refuse_unless_empty(session)
        measures = _attestation_measures(session)
    campaign = generate_campaign(seed, plantings, measures=measures, progress=say)
    actor = Actor.system("demo")
    with session_scope(engine) as session:
        install_scope(session, actor)
        _refuse_unless_empty(session)  # again, now holding the write lock
        _Writer(session, actor, campaign, say).write_all()
        say("提交 / committing")
    from greening.greencover.demo import load_demo_rasters

    disagree = load_demo_rasters(engine, seed, say, exclude=set(campaign.all_laggards))
    from greening.db import refresh_statistics

    refresh_statistics(engine)  # the planner's statistics, for tables that were empty until now
    summary = campaign.summary(time.perf_counter() - started)
    summary.laggards.update({code: "cover_not_visible" for code in disagree})
    return summary


def check_plantings(plantings: int, seed: int) -> None:
    """Raise ValueError unless ``plantings`` records can carry the campaign of ``seed``."""
    check_record_count(int(plantings), VILLAGE_TOTAL, sum(LAGGARD_COUNTS.values()), tree_total(int(seed)))


def _refuse_unless_empty(session: Session) -> None:
    n = session.scalar(select(func.count()).select_from(AdminArea))
    if n:
        raise Refusal.of("demo_needs_empty_database", areas=n)


def _attestation_measures(session: Session) -> pd.DataFrame:
    rows = session.execute(select(Measure.id, Measure.level, Measure.title_zh)
                           .where(Measure.evaluation == "attestation")).all()
    return pd.DataFrame(rows, columns=["id", "level", "title_zh"])


def _wkb(geoms) -> list:
    """Geometries as WKB bytes (None stays None), for ``ST_GeomFromWKB``."""
    arr = np.asarray(geoms, dtype=object)
    out = np.full(len(arr), None, dtype=object)
    present = np.array([g is not None and not g.is_empty for g in arr], dtype=bool)
    if present.any():
        out[present] = shapely.to_wkb(arr[present])
    return list(out)


def _moments(values) -> list:
    """datetime64 values (UTC) as aware datetimes; NaT becomes None."""
    utc = dt.UTC
    return [None if v is None else v.replace(tzinfo=utc)
            for v in np.asarray(values, dtype="datetime64[us]").astype(object)]


def _none(values) -> list:
    return [None if pd.isna(v) else v for v in values]


def _ints(values) -> list:
    return np.asarray(values, dtype=np.int64).tolist()


class _Writer:
    def __init__(self, session: Session, actor: Actor, campaign: DemoCampaign, say):
        self.s, self.actor, self.c, self.say = session, actor, campaign, say
        self.now = utcnow()

    def write_all(self) -> None:
        self.say("写入区划 / writing areas")
        area_ids = self.areas()
        ensure_county_partitions(self.s)  # PostGIS: a partition of plantings per county
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

    def put(self, model, columns: dict, *, geometry: dict | None = None, note: str = "") -> None:
        """Bulk insert ``columns`` into ``model``'s table and write its summary audit row."""
        n = len(next(iter(columns.values())))
        columns = {"created_at": [self.now] * n, **columns}
        if n == 0:
            return
        insert_columns(self.s, model.__table__, columns, geometry=geometry)
        self.audit(model.__tablename__, n, note)

    def audit(self, table: str, n: int, note: str = "") -> None:
        if n:
            record(self.s, self.actor, "demo_load", table,
                   note=f"示例数据批量写入 {n:,} 行 / demo bulk load of {n:,} rows "
                        f"(seed {self.c.seed}){'; ' + note if note else ''}")

    def ids(self, key_col, *where) -> dict:
        return dict(self.s.execute(select(key_col, key_col.class_.id).where(*where)).all())

    def areas(self) -> dict[str, int]:
        a = self.c.areas
        ids: dict[str, int] = {}
        for level in ("city", "county", "town", "village"):  # parents first, for parent_id
            p = a[a["level"] == level]
            cols = {c: p[c].tolist() for c in ("code", "level", "name", "name_en", "scope_prefix",
                                               "source", "source_crs")}
            cols.update(parent_id=[ids.get(c) for c in p["parent_code"]],
                        area_m2=p["area_m2"].astype(float).tolist(),
                        label_lon=p["label_lon"].astype(float).tolist(),
                        label_lat=p["label_lat"].astype(float).tolist(),
                        is_demo=[True] * len(p), geom_wkb=_wkb(p.geometry.values))
            insert_columns(self.s, AdminArea.__table__, {"created_at": [self.now] * len(p), **cols},
                           geometry={"geom": "geom_wkb"})
            ids.update(self.ids(AdminArea.code, AdminArea.level == level))
        self.audit("admin_areas", len(a), "city, counties (real boundaries), generated towns and villages")
        return ids

    def species(self) -> dict[str, int]:
        have = self.ids(Species.name_zh)
        sp = self.c.species[~self.c.species["name_zh"].isin(have)]
        if len(sp):
            self.put(Species, {"name_zh": sp["name_zh"].tolist(), "name_latin": _none(sp["name_latin"]),
                               "name_en": _none(sp["name_en"]), "category": sp["category"].tolist(),
                               "native": sp["native"].astype(bool).tolist()},
                     note="real species catalogue (data/species.csv)")
        return self.ids(Species.name_zh)

    def teams(self, area_ids) -> dict[str, int]:
        t = self.c.teams
        self.put(GreeningTeam, {
            "village_id": [area_ids[c] for c in t["village_code"]],
            "village_code": t["village_code"].tolist(),
            "name": t["name"].tolist(), "leader_name": t["leader_name"].tolist(),
            "members": _ints(t["members"]), "party_members": _ints(t["party_members"]),
            "founded_on": list(t["founded_on"]), "active": t["active"].astype(bool).tolist(),
            "is_demo": [True] * len(t)})
        return self.ids(GreeningTeam.village_code, GreeningTeam.is_demo.is_(True))

    def people(self, area_ids) -> None:
        inst = self.c.institutions
        have = self.ids(Institution.name)
        new = inst[~inst["name"].isin(have)]
        if len(new):
            self.put(Institution, {"name": new["name"].tolist(), "kind": new["kind"].tolist(),
                                   "is_demo": [True] * len(new)})
        inst_ids = self.ids(Institution.name)
        p = self.c.people
        rows = [{"created_at": self.now, "kind": r.kind, "name": r.name, "title": r.title,
                 "institution_id": inst_ids.get(r.institution) if isinstance(r.institution, str) else None,
                 "is_demo": True} for r in p.itertuples()]
        # People have no natural key: take their ids back in the order given.
        table = cast(Table, Person.__table__)
        result = self.s.execute(insert(table).returning(table.c.id, sort_by_parameter_order=True), rows)
        key_to_id = dict(zip(p["key"], result.scalars().all(), strict=False))
        self.audit("people", len(rows))
        a = self.c.assignments
        self.put(Assignment, {"person_id": [key_to_id[k] for k in a["person_key"]],
                              "area_id": [area_ids[c] for c in a["area_code"]],
                              "area_code": a["area_code"].tolist(), "role": a["role"].tolist(),
                              "start_on": list(a["start_on"])})

    def designations(self, area_ids) -> None:
        d = self.c.designations
        self.put(Designation, {
            "kind": d["kind"].tolist(), "name": d["name"].tolist(), "year": _ints(d["year"]),
            "area_id": [area_ids[c] for c in d["area_code"]], "area_code": d["area_code"].tolist(),
            "description": d["description"].tolist(), "is_demo": [True] * len(d),
            "geom_wkb": _wkb(d.geometry.values)}, geometry={"geom": "geom_wkb"})

    def plans(self, area_ids, species_ids) -> None:
        p = self.c.plans
        self.put(PlantingPlan, {
            "village_id": [area_ids[c] for c in p["village_code"]],
            "village_code": p["village_code"].tolist(),
            "year": _ints(p["year"]), "site_type": p["site_type"].tolist(),
            "site_name": p["site_name"].tolist(), "species_id": [species_ids[s] for s in p["species"]],
            "planned_count": _ints(p["planned_count"]), "seedlings_secured": _ints(p["seedlings_secured"])})

    def plantings(self, area_ids, team_ids, species_ids) -> np.ndarray:
        p = self.c.plantings
        if p.empty:
            return np.empty(0, dtype=np.int64)
        # Series and arrays, converted a chunk at a time by insert_columns: 10^6 rows fit in memory.
        claimed, actual = p["claimed_village_code"], p["village_code"]
        ints = lambda s: s.to_numpy(dtype=np.int64)  # noqa: E731
        cols = {
            "submission_id": p["submission_id"],
            "village_id": ints(actual.map(area_ids)), "village_code": actual,
            "claimed_village_id": ints(claimed.map(area_ids)), "claimed_village_code": claimed,
            "team_id": ints(claimed.map(team_ids)),
            "planted_on": p["planted_on"].to_numpy(dtype="datetime64[D]"),
            "species_id": ints(p["species"].map(species_ids)), "tree_count": ints(p["tree_count"]),
            "site_type": p["site_type"], "site_name": p["site_name"],
            "party_members": ints(p["party_members"]), "villagers": ints(p["villagers"]),
            "status": p["status"], "reject_reason": _none(p["reject_reason"]),
            "reviewed_at": _moments(p["reviewed_at"]), "source": ["demo"] * len(p),
            "created_at": _moments(p["submitted_at"]),  # submitted the evening it was planted
            "flags": p["flags"], "lon": p["lon"].to_numpy(dtype=float), "lat": p["lat"].to_numpy(dtype=float),
            "location_wkb": shapely.to_wkb(shapely.points(p["lon"].to_numpy(), p["lat"].to_numpy())),
            "is_demo": [True] * len(p),
        }
        with spatialite_bulk(self.s, Planting.__tablename__):
            self.put(Planting, cols, geometry={"location": "location_wkb"},
                     note=f"{(p['status'] != 'rejected').sum():,} accepted")
        # Submission ids sort like the frame's rows, so the ids come back in row order.
        got = self.s.execute(select(Planting.submission_id, Planting.id)
                             .where(Planting.submission_id.like(f"demo-{self.c.seed}-%"))
                             .order_by(Planting.submission_id)).all()
        if [r[0] for r in got] != p["submission_id"].tolist():
            raise RuntimeError("planting ids could not be matched to the generated rows")
        return np.fromiter((r[1] for r in got), dtype=np.int64, count=len(got))

    def checks(self, planting_ids: np.ndarray) -> None:
        c = self.c.checks
        if c.empty:
            return
        self.put(CareCheck, {
            "planting_id": planting_ids[c["planting_index"].to_numpy()],
            "village_code": c["village_code"], "kind": c["kind"],
            "checked_on": c["checked_on"].to_numpy(dtype="datetime64[D]"),
            "alive_count": [None if pd.isna(a) else int(a) for a in c["alive_count"]],
            "responsible": c["responsible"], "note": _none(c["note"]),
            "submission_id": c["submission_id"]})

    def attestations(self, area_ids) -> None:
        a = self.c.attestations
        if a.empty:
            return
        self.put(Attestation, {
            "measure_id": a["measure_id"].tolist(), "area_id": [area_ids[c] for c in a["area_code"]],
            "area_code": a["area_code"].tolist(), "status": a["status"].tolist(),
            "evidence": a["evidence"].tolist(), "attested_on": list(a["attested_on"])})
