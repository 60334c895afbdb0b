"""Coverage read from a real database (SpatiaLite and PostGIS): loading, scope, the write-path
index, the commands, and the demo campaign's deliberate laggards."""
from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
import shapely
from sqlalchemy import select

from greening.actor import Actor
from greening.coverage import (
    area_coverage,
    compute_coverage,
    coverage_context,
    coverage_for,
    lagging_for,
    load_inputs,
    village_index,
)
from greening.coverage.samples import AS_OF, COUNTY, TOWN_A, V1, V2, V6, sample_inputs
from greening.geodb import to_db
from greening.measures import load_catalogue, sync_catalogue
from greening.models import (
    AdminArea,
    Assignment,
    Attestation,
    CareCheck,
    Designation,
    GreeningTeam,
    Person,
    Planting,
    PlantingPlan,
    Species,
)
from greening.models.enums import Role
from greening.permissions import PermissionDenied


def _none(value):
    return None if pd.isna(value) else value


def store(db, inputs) -> None:
    """Write the sample campaign through the ORM (audited, as a system actor)."""
    sync_catalogue(db)
    ids = {}
    for a in inputs.areas.itertuples(index=False):
        row = AdminArea(code=a.code, level=a.level, name=a.name, scope_prefix=a.code.rstrip("0")
                        if a.level != "city" else "4408", source="test")
        db.add(row)
        db.flush()
        ids[a.code] = row.id
    for v in inputs.villages.itertuples(index=False):
        row = AdminArea(code=v.code, level="village", name=v.name, scope_prefix=v.code,
                        geom=to_db(v.geometry if v.geometry.geom_type == "MultiPolygon"
                                   else shapely.MultiPolygon([v.geometry])),
                        source="test")
        db.add(row)
        db.flush()
        ids[v.code] = row.id
    sp = Species(name_zh="测试树种", category="tree")
    db.add(sp)
    db.flush()
    planting_ids = {}
    for p in inputs.plantings.itertuples(index=False):
        row = Planting(
            submission_id=f"s{p.id}", village_id=ids.get(_none(p.village_code)),
            village_code=_none(p.village_code),
            claimed_village_id=ids[p.claimed_village_code],
            claimed_village_code=p.claimed_village_code, planted_on=p.planted_on.date(),
            species_id=sp.id, tree_count=int(p.tree_count), site_type=p.site_type,
            party_members=int(p.party_members), villagers=int(p.villagers), status=p.status,
            lon=p.lon, lat=p.lat, location=to_db(shapely.Point(p.lon, p.lat)))
        db.add(row)
        db.flush()
        planting_ids[p.id] = row.id
    for pl in inputs.plans.itertuples(index=False):
        db.add(PlantingPlan(village_id=ids[pl.village_code], village_code=pl.village_code,
                            year=int(pl.year), site_type="road_side", species_id=sp.id,
                            planned_count=int(pl.planned_count),
                            seedlings_secured=int(pl.seedlings_secured)))
    for c in inputs.checks.itertuples(index=False):
        db.add(CareCheck(planting_id=planting_ids[c.planting_id], village_code=c.village_code,
                         kind=c.kind, checked_on=c.checked_on.date(),
                         alive_count=None if pd.isna(c.alive_count) else int(c.alive_count)))
    for t in inputs.teams.itertuples(index=False):
        db.add(GreeningTeam(village_id=ids[t.village_code], village_code=t.village_code,
                            name=t.name, leader_name=t.leader_name, members=int(t.members),
                            party_members=int(t.party_members), active=bool(t.active)))
    for a in inputs.assignments.itertuples(index=False):
        person = Person(kind=a.role, name=a.name, title=_none(a.title))
        db.add(person)
        db.flush()
        db.add(Assignment(person_id=person.id, area_id=ids[a.area_code], area_code=a.area_code,
                          role=a.role, start_on=dt.date(2024, 1, 1)))
    for d in inputs.designations.itertuples(index=False):
        db.add(Designation(kind=d.kind, name=d.name, year=int(d.year), area_id=ids[d.area_code],
                           area_code=d.area_code))
    for a in inputs.attestations.itertuples(index=False):
        db.add(Attestation(measure_id=a.measure_id, area_id=ids[a.area_code],
                           area_code=a.area_code, status=a.status))
    db.flush()


@pytest.fixture
def sample_db(db):
    store(db, sample_inputs())
    return db


def city() -> Actor:
    return Actor(user_id=1, username="city", role=Role.CITY)


def lead(prefix: str) -> Actor:
    role = Role.COUNTY_LEAD if len(prefix) == 6 else Role.TOWN_LEAD
    return Actor(user_id=2, username="lead", role=role, scope_prefix=prefix)


class TestLoad:
    def test_database_and_hand_built_inputs_agree(self, sample_db):
        cat = load_catalogue()
        got = compute_coverage(load_inputs(sample_db.connection(), city(), AS_OF, catalogue=cat),
                               cat, as_of=AS_OF)
        want = compute_coverage(sample_inputs(), cat, as_of=AS_OF)
        cols = ["code", "trees", "trees_verified", "planned", "completion", "survival_rate",
                "care_checks", "outside_plantings", "days_inactive", "measures_satisfied",
                "measures_applicable", "score"]
        pd.testing.assert_frame_equal(pd.DataFrame(got.villages[cols]),
                                      pd.DataFrame(want.villages[cols]), check_dtype=False)
        assert list(got.lagging["code"]) == list(want.lagging["code"])
        assert got.lagging.set_index("code").loc[V2, "city_leader"] == "陈副市长（副市长）"

    def test_deleted_and_rejected_rows_do_not_count(self, sample_db):
        p = sample_db.scalars(select(Planting).where(Planting.submission_id == "s1")).one()
        p.deleted_at = dt.datetime.now(dt.UTC)
        sample_db.flush()
        r = coverage_for(sample_db.connection(), city(), AS_OF)
        assert r.villages.set_index("code").loc[V1, "trees"] == 50

    def test_a_check_of_a_deleted_planting_is_still_a_visit(self, sample_db):
        """V1's latest visit (30 May) checked planting s1: deleting s1 takes its trees out, not the visit."""
        p = sample_db.scalars(select(Planting).where(Planting.submission_id == "s1")).one()
        p.deleted_at = dt.datetime.now(dt.UTC)
        sample_db.flush()
        v1 = coverage_for(sample_db.connection(), city(), AS_OF).villages.set_index("code").loc[V1]
        assert v1.last_activity_on == pd.Timestamp("2024-05-30") and v1.last_care_on == pd.Timestamp("2024-05-28")

    def test_every_planting_and_check_read_column_by_column(self, sample_db):
        """The bulk reads give the kinds the computation expects, with NULLs, on each backend."""
        inputs = load_inputs(sample_db.connection(), city(), AS_OF)
        p = inputs.plantings.set_index("tree_count")  # the sample's tree counts tell its plantings apart
        assert str(p["planted_on"].dtype) == "datetime64[s]" and p.loc[40, "planted_on"] == pd.Timestamp("2024-05-10")
        assert p.loc[5, "claimed_village_code"] == p.loc[50, "claimed_village_code"] and pd.isna(p.loc[5, "village_code"])
        assert inputs.plantings["id"].dtype.kind == "i" and p.loc[5, "status"] == "submitted"
        assert set(p["site_type"].astype(str)) >= {"road_side", "courtyard"}
        c = inputs.checks
        assert c["alive_count"].isna().sum() == 2 and str(c["checked_on"].dtype) == "datetime64[s]"
        assert sorted(c.loc[c["kind"] == "survival", "alive_count"].tolist()) == [10, 36, 40]

    def test_last_activity_reaches_back_over_new_year(self, sample_db):
        r = coverage_for(sample_db.connection(), city(), dt.date(2025, 1, 10))
        v1 = r.villages.set_index("code").loc[V1]
        assert v1.trees == 0 and v1.days_inactive == (dt.date(2025, 1, 10) - dt.date(2024, 5, 30)).days


class TestScope:
    def test_county_lead_sees_only_the_county(self, sample_db):
        r = coverage_for(sample_db.connection(), lead("440823"), AS_OF)
        assert V6 not in set(r.villages["code"])
        assert list(r.counties["code"]) == [COUNTY] and r.city.empty

    def test_town_lead_gets_the_same_answers_for_county_measures(self, sample_db):
        conn = sample_db.connection()
        mine = coverage_for(conn, lead("440823101"), AS_OF)
        everyone = coverage_for(conn, city(), AS_OF)
        assert set(mine.villages["code"]) == {V1, V2, "440823101003"}
        assert mine.measure_status.loc[V1].equals(everyone.measure_status.loc[V1])
        assert list(mine.towns["code"]) == [TOWN_A] and mine.counties.empty

    def test_team_may_not_see_the_lagging_list(self, sample_db):
        team = Actor(user_id=3, username="team", role=Role.TEAM, scope_prefix=V1)
        with pytest.raises(PermissionDenied):
            lagging_for(sample_db.connection(), team, AS_OF)
        assert list(coverage_for(sample_db.connection(), team, AS_OF).villages["code"]) == [V1]

    def test_one_county_computation_serves_its_lead_towns_and_teams(self, sample_db):
        """The county's computation, cut to a town or a village, is what that town's lead or that
        village's team gets from its own (so a server computes it once for all of them)."""
        conn = sample_db.connection()
        cat = load_catalogue()
        shared = area_coverage(conn, lead("440823"), AS_OF, catalogue=cat)
        assert shared.scope_prefix == coverage_context(V1, cat) == "440823"
        for actor in (lead("440823101"), Actor(user_id=3, username="team", role=Role.TEAM, scope_prefix=V1)):
            own = compute_coverage(load_inputs(conn, actor, AS_OF, catalogue=cat), cat, as_of=AS_OF)
            cut = shared.within(actor.scope_prefix)
            for name in ("villages", "towns", "counties", "measure_status", "lagging", "weekly", "outside"):
                pd.testing.assert_frame_equal(pd.DataFrame(getattr(cut, name)), pd.DataFrame(getattr(own, name)))
        team = shared.within(V1)
        assert team.weekly["trees"].sum() == team.villages["trees"].sum() > 0  # counted again for the part
        with pytest.raises(ValueError, match="not inside"):
            team.within("440882")


class TestVillageIndex:
    def test_index_follows_the_transaction(self, sample_db):
        conn = sample_db.connection()
        a = village_index(conn)
        assert a.locate(110.01, 21.005) == V1 and a.locate(110.5, 21.5) is None
        v = sample_db.scalars(select(AdminArea).where(AdminArea.code == V1)).one()
        v.deleted_at = dt.datetime.now(dt.UTC)
        sample_db.flush()
        b = village_index(conn)
        assert b.locate(110.005, 21.005) is None
        assert b.locate(110.01, 21.005) == V2


@pytest.fixture(scope="module")
def demo_result(demo_engine, demo_summary):
    """The demo campaign's coverage for the city, with the default lagging thresholds."""
    with demo_engine.connect() as conn:
        return coverage_for(conn, city(), demo_summary.as_of)


class TestCommands:
    def test_coverage_and_lagging_commands(self, demo_engine, tmp_path, capsys):
        from greening.cli import main
        from greening.config import override_settings
        from greening.demo import calendar as cal

        url = demo_engine.url.render_as_string(hide_password=False)
        with override_settings(database_url=url):
            assert main(["coverage", "--county", "440811", "--as-of", str(cal.AS_OF),
                         "--csv", str(tmp_path / "v.csv"), "--geojson", str(tmp_path / "v.geojson")]) == 0
            assert main(["lagging", "--county", "440811", "--as-of", str(cal.AS_OF), "--limit", "3",
                         "--csv", str(tmp_path / "lag.csv")]) == 0
            assert main(["coverage", "--county", "999999"]) == 2
        out = capsys.readouterr().out
        assert "责任人" in out and "440811" in out
        villages = pd.read_csv(tmp_path / "v.csv", dtype={"code": str})
        assert villages["code"].str.startswith("440811").all()
        assert (tmp_path / "v.geojson").stat().st_size > 1000


class TestDemoCampaign:
    #: the demo's reason -> the lagging reason that must name it
    MATCH = {"no_recent_planting": "inactive", "behind_plan": "behind_pace",
             "low_survival": "low_survival", "team_inactive": "team_inactive",
             "no_cadre": "no_first_secretary", "outside_village": "outside_village",
             "cover_not_visible": "not_visible", "care_overdue": "care_overdue"}

    def test_intended_laggards_are_flagged_with_their_reason(self, demo_result, demo_summary):
        lag = demo_result.lagging.set_index("code")
        assert demo_summary.laggards
        missed = {code: why for code, why in demo_summary.laggards.items()
                  if code not in lag.index or self.MATCH[why] not in lag.loc[code, "reasons"]}
        assert not missed
        # and the generator says nobody else lags: the list is the answer key
        extra = set(lag.index) - set(demo_summary.laggards)
        assert not extra, lag.loc[sorted(extra)[:5], "reasons_zh"].tolist()

    def test_responsible_people_are_named_for_laggards(self, demo_result):
        lag = demo_result.lagging
        assert lag["county_leader"].notna().all() and lag["city_leader"].notna().all()
        assert lag["town_leader"].notna().all()

    def test_demo_coverage_figures(self, demo_result, demo_summary):
        r = demo_result
        assert len(r.villages) == demo_summary.villages
        assert r.city["trees"].iloc[0] == demo_summary.trees_planted
        assert r.villages["coverage"].between(0, 1).all()
        assert len(r.measure_status.columns) == 56
