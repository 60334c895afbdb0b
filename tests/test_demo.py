"""The demo campaign: real counties tiled by generated towns and villages, the article's figures,
a tree total independent of the record count, deliberate laggards, determinism, and the load."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import shapely
from sqlalchemy import func, select

from greening.demo import REASONS, generate_campaign, geography, intended_laggards, load_demo
from greening.demo import calendar as cal
from greening.demo.geography import COUNTY_PLANS, generate_geography
from greening.demo.load import check_plantings
from greening.demo.names import DEMO_MARK
from greening.demo.plans import tree_total
from greening.demo.plantings import OUTSIDE_FLAG, generate_plantings, minimum_records
from greening.geo.crs import area_m2
from greening.geodb import read_gdf, wkb_column
from greening.models import AdminArea, AuditLog, Designation, GreeningTeam, Institution, Person, Planting
from tests.conftest import DEMO_TEST_PLANTINGS, DEMO_TEST_SEED

SEED = DEMO_TEST_SEED


@pytest.fixture(scope="module")
def areas():
    return generate_geography(SEED)


@pytest.fixture(scope="module")
def campaign():
    return generate_campaign(SEED, DEMO_TEST_PLANTINGS)


def level(frame, name):
    return frame[frame["level"] == name].reset_index(drop=True)


class TestGeography:
    def test_counts_and_codes(self, areas):
        assert len(level(areas, "city")) == 1 and len(level(areas, "county")) == 9
        assert 110 <= len(level(areas, "town")) <= 130
        villages = level(areas, "village")
        assert len(villages) == 1722
        assert areas["code"].is_unique and areas["code"].str.fullmatch(r"\d{12}").all()
        per_county = villages["code"].str[:6].value_counts().to_dict()
        assert per_county == {adcode: plan.units for adcode, plan in COUNTY_PLANS.items()}

    def test_code_structure_and_scope_prefixes(self, areas):
        towns, villages = level(areas, "town"), level(areas, "village")
        assert (towns["code"].str[9:] == "000").all()
        assert (towns["code"].str[:6] + "000000").eq(towns["parent_code"]).all()
        assert (villages["code"].str[:9] + "000").eq(villages["parent_code"]).all()
        serial = towns["code"].str[6:9].astype(int)
        assert (serial[towns["kind"] == "street"] < 100).all()
        assert (serial[towns["kind"] == "town"] > 100).all()
        tail = villages["code"].str[9:].astype(int)
        assert (tail[villages["kind"] == "community"] < 200).all()
        assert (tail[villages["kind"] == "village"] > 200).all()
        lengths = areas["scope_prefix"].str.len().groupby(areas["level"]).unique()
        assert {k: list(v) for k, v in lengths.items()} == {
            "city": [4], "county": [6], "town": [9], "village": [12]}
        assert all(code.startswith(prefix) for code, prefix in zip(areas["code"], areas["scope_prefix"], strict=False))

    def test_every_area_is_a_valid_multipolygon(self, areas):
        assert (areas.geometry.geom_type == "MultiPolygon").all()
        assert shapely.is_valid(areas.geometry.values).all()
        villages = level(areas, "village")
        parts = shapely.get_num_geometries(villages.geometry.values)
        assert (parts > 1).any(), "coastal counties with islands give some multi-part villages"

    @pytest.mark.parametrize("adcode", sorted(COUNTY_PLANS))
    def test_villages_tile_their_county(self, areas, adcode):
        county = areas.loc[areas["code"] == adcode + "000000"].geometry.iloc[0]
        villages = level(areas, "village")
        cells = villages.loc[villages["code"].str.startswith(adcode)].geometry.values
        whole = area_m2(county)
        total = area_m2(cells).sum()
        assert total == pytest.approx(whole, rel=1e-3)  # no gaps
        assert area_m2(shapely.union_all(cells)) == pytest.approx(total, rel=1e-6)  # no overlaps
        assert shapely.coverage_is_valid(cells)

    def test_each_village_lies_in_exactly_one_town_and_county(self, areas):
        villages, towns, counties = level(areas, "village"), level(areas, "town"), level(areas, "county")
        pts = shapely.points(villages["label_lon"], villages["label_lat"])
        county_codes = villages["code"].str[:6] + "000000"
        for parents, key in ((towns, villages["parent_code"]), (counties, county_codes)):
            tree = shapely.STRtree(parents.geometry.values)
            pairs = tree.query(pts, predicate="within")
            counts = np.bincount(pairs[0], minlength=len(pts))
            assert (counts == 1).all()
            found = parents["code"].to_numpy()[pairs[1][np.argsort(pairs[0])]]
            assert (found == key.to_numpy()).all()

    def test_towns_and_city_add_up(self, areas):
        villages, towns = level(areas, "village"), level(areas, "town")
        by_town = villages.groupby("parent_code")["area_m2"].sum()
        assert np.allclose(by_town.reindex(towns["code"]).to_numpy(), towns["area_m2"], rtol=1e-6)
        city = level(areas, "city")["area_m2"].iloc[0]
        assert villages["area_m2"].sum() == pytest.approx(city, rel=1e-3)

    def test_generated_names_are_marked_and_sourced(self, areas):
        generated = areas["level"].isin(["town", "village"])
        assert areas.loc[generated, "name"].str.endswith(DEMO_MARK).all()
        assert not areas.loc[~generated, "name"].str.contains("示例").any()
        assert (areas.loc[generated, "source"] == "demo (generated)").all()
        assert areas.loc[~generated, "source"].str.contains("cnmaps").all()
        assert areas.groupby(areas["code"].str[:6])["name"].apply(lambda s: s.is_unique).all()


class TestFigures:
    def test_the_articles_figures(self, campaign):
        s = campaign.summary()
        assert (s.teams, s.demo_towns, s.demo_villages, s.industry_models) == (1722, 18, 376, 12)
        assert (s.graded_cadres, s.first_secretaries + s.instructors) == (1857, 514)
        assert (s.experts, s.institutions, s.worthies_mobilised) == (122, 28, 43_000)
        assert s.courtyards > 0 and s.theme_forests > 0 and s.demo_belts > 0
        assert 0 < s.worthies_named < 43_000
        assert "1,722" in str(s) and "示例" in str(s)

    def test_people_and_teams_are_plausible(self, campaign):
        teams, people = campaign.teams, campaign.people
        assert teams["village_code"].is_unique
        assert teams["members"].between(8, 30).all() and teams["party_members"].between(3, 15).all()
        assert (teams["party_members"] < teams["members"]).all()
        founded = pd.to_datetime(teams["founded_on"])
        assert founded.dt.year.eq(cal.YEAR).all() and founded.dt.month.le(3).all()
        assert people["name"].str.endswith(DEMO_MARK).all()
        assert teams["name"].str.endswith(DEMO_MARK).all()
        assert teams["leader_name"].str.endswith(DEMO_MARK).all()
        experts = people[people["kind"] == "expert"]
        assert experts["institution"].notna().all() and experts["institution"].nunique() == 28
        assert campaign.institutions["name"].str.contains("示例").all()

    def test_leaders_in_charge_cover_every_county_and_town(self, campaign, areas):
        a = campaign.assignments
        city = a[a["role"] == "city_leader"]["area_code"]
        assert set(level(areas, "county")["code"]) <= set(city)
        assert set(a[a["role"] == "town_leader"]["area_code"]) == set(level(areas, "town")["code"])
        assert a.groupby("area_code")["role"].apply(lambda r: (r == "county_leader").sum()).max() == 2

    def test_designations(self, campaign, areas):
        d = campaign.designations
        assert d["name"].str.endswith(DEMO_MARK).all()
        villages = level(areas, "village").set_index("code")
        pts = d[d["kind"].isin(["industry_model", "courtyard"])]
        inside = [villages.geometry[c].contains(g) for c, g in zip(pts["area_code"], pts.geometry, strict=False)]
        assert all(inside)
        assert not set(d.loc[d["kind"] == "demo_village", "area_code"]) & set(campaign.laggards)
        assert d.loc[d["kind"] == "industry_model", "name"].str.contains("产业\\+绿化").all()


class TestPlantings:
    def test_tree_total_does_not_depend_on_the_record_count(self, campaign, areas):
        villages = level(areas, "village")
        totals = []
        for n in (minimum_records(1722, len(campaign.laggards)), 20_000):
            p = generate_plantings(SEED, villages, campaign.targets, campaign.plans, n)
            assert len(p) == n
            ok = p[p["status"] != "rejected"]
            totals.append(ok.groupby("claimed_village_code")["tree_count"].sum())
        assert totals[0].sum() == totals[1].sum() == tree_total(SEED)
        assert 1_500_000 < tree_total(SEED) < 1_600_000
        pd.testing.assert_series_equal(totals[0], totals[1])

    def test_impossible_record_counts_are_refused(self, campaign, areas):
        villages = level(areas, "village")
        with pytest.raises(ValueError, match="1,000"):
            generate_plantings(SEED, villages, campaign.targets, campaign.plans, 1_000)
        assert generate_plantings(SEED, villages, campaign.targets, campaign.plans, 0).empty
        check_plantings(0, SEED)
        check_plantings(30_000, SEED)
        with pytest.raises(ValueError, match="2,233"):
            check_plantings(100, SEED)

    def test_points_fall_in_their_village(self, campaign, areas):
        p = campaign.plantings
        geoms = level(areas, "village").set_index("code").geometry
        ok = [shapely.contains_xy(geoms[c], x, y) for c, x, y in zip(p["village_code"], p["lon"], p["lat"], strict=False)]
        assert all(ok)
        outside = p["flags"].apply(lambda f: OUTSIDE_FLAG in f)
        assert (p.loc[outside, "village_code"] != p.loc[outside, "claimed_village_code"]).all()
        assert (p.loc[~outside, "village_code"] == p.loc[~outside, "claimed_village_code"]).all()

    def test_season_statuses_and_sites(self, campaign):
        p = campaign.plantings
        days = pd.to_datetime(p["planted_on"])
        assert days.min() >= pd.Timestamp(cal.SEASON_START) and days.max() <= pd.Timestamp(cal.LAST_PLANTING)
        months = days.dt.month.value_counts()
        assert months[3] > months[1] and months[3] > months[2]
        share = p["status"].value_counts(normalize=True)
        assert share["verified"] > 0.6 and 0.01 < share["rejected"] < 0.05
        assert p.loc[p["status"] == "rejected", "reject_reason"].notna().all()
        assert p["site_type"].nunique() == 9
        lines = campaign.plans
        ratio = lines["seedlings_secured"] / lines["planned_count"]
        assert ratio[lines["planned_count"] >= 100].between(0.94, 1.06).all()

    def test_survival_checks_are_realistic(self, campaign):
        s = campaign.summary()
        assert 0.85 <= s.survival_rate <= 0.98
        c = campaign.checks
        surv = c[c["kind"] == "survival"]
        planted = campaign.plantings["tree_count"].to_numpy()[surv["planting_index"]]
        assert (surv["alive_count"].to_numpy() <= planted).all()
        checked = campaign.plantings["planted_on"].to_numpy()[c["planting_index"]]
        assert (c["checked_on"].to_numpy() > checked).all()


class TestCareSchedule:
    """The demo's checks follow the care schedule as of the report date."""

    @pytest.fixture(scope="class")
    @classmethod
    def states(cls, campaign):
        from greening.supervision.care_schedule import schedule_frame

        p = campaign.plantings.reset_index(names="planting_id")
        verified = p[p["status"] == "verified"].rename(columns={"claimed_village_code": "code"})
        checks = campaign.checks.rename(columns={"planting_index": "planting_id"})
        return schedule_frame(verified[["planting_id", "code", "planted_on"]], checks, cal.AS_OF), checks

    def test_checks_fall_at_the_scheduled_offsets(self, campaign, states):
        frame, checks = states
        due = frame[frame["state"].isin(["done", "overdue", "missed"])]
        assert (due["state"] == "done").mean() > 0.8  # most due checks were logged
        # every check counts for a scheduled check of its planting (none off the schedule)
        assert (frame["state"] == "done").sum() >= checks["planting_id"].nunique()
        first = frame[(frame["months"] == 1) & (frame["state"] == "done")].set_index("planting_id")["due_on"]
        on = checks.groupby("planting_id")["checked_on"].min().reindex(first.index)
        late = (pd.to_datetime(on) - pd.to_datetime(first)).dt.days
        assert late.between(-7, 3).mean() > 0.75 and (late > 3).any()  # most on time, some late
        assert (checks["checked_on"] < np.datetime64(cal.AS_OF)).all()

    def test_a_minority_of_villages_has_several_overdue(self, campaign, states):
        from greening.config import get_settings

        frame, _checks = states
        overdue = frame[frame["state"] == "overdue"].groupby("code").size()
        limit = get_settings().lag_max_overdue_care
        stale = {c for c, why in campaign.laggards.items() if why == "no_recent_planting"}
        many = set(overdue[overdue > limit].index)
        assert campaign.care_laggards and set(campaign.care_laggards) <= many
        assert many - stale == set(campaign.care_laggards)  # everyone else has at most one
        assert overdue.drop(sorted(many), errors="ignore").max() <= 1
        assert len(many) < 0.1 * 1722


def village_metrics(campaign) -> pd.DataFrame:
    """Per-village facts a lagging check looks at, computed from the generated frames."""
    p, t = campaign.plantings, campaign.targets.set_index("code")
    ok = p[p["status"] != "rejected"]
    c = campaign.checks[campaign.checks["kind"] == "survival"]
    c = c.sort_values("checked_on", kind="stable").drop_duplicates("planting_index", keep="last")  # the latest counts
    checked = p["tree_count"].to_numpy()[c["planting_index"]]
    surv = pd.DataFrame({"v": c["village_code"], "alive": c["alive_count"].astype(float), "n": checked})
    surv = surv.groupby("v").sum()
    cadres = campaign.assignments[campaign.assignments["role"].isin(
        ["graded_cadre", "first_secretary", "instructor"])]["area_code"]
    return pd.DataFrame({
        "last": pd.to_datetime(ok.groupby("claimed_village_code")["planted_on"].max()),
        "completion": ok.groupby("claimed_village_code")["tree_count"].sum() / t["planned"],
        "survival": surv["alive"] / surv["n"],
        "active": campaign.teams.set_index("village_code")["active"],
        "cadre": pd.Series(True, index=cadres.unique()),
        "outside": ok["flags"].apply(bool).groupby(ok["claimed_village_code"]).sum(),
    }).fillna({"cadre": False, "outside": 0})


class TestLaggards:
    def test_answer_key(self, campaign):
        key = intended_laggards(SEED)
        assert key == campaign.laggards
        assert campaign.summary().laggards == {**key, **campaign.care_laggards}
        assert set(campaign.care_laggards.values()) == {"care_overdue"} and not set(campaign.care_laggards) & set(key)
        assert set(key.values()) == set(REASONS)
        assert 0.08 <= len(key) / 1722 <= 0.10

    def test_each_laggard_lags_in_its_own_way_and_no_other_village_does(self, campaign):
        m = village_metrics(campaign)
        reason = pd.Series(campaign.laggards).reindex(m.index)
        recent = pd.Timestamp(cal.AS_OF) - pd.Timedelta(days=40)
        stale = reason == "no_recent_planting"
        assert (m.loc[stale, "last"] <= pd.Timestamp(cal.STALE_LAST)).all()
        assert (m.loc[~stale, "last"] >= recent).all()
        behind = reason == "behind_plan"
        assert (m.loc[behind, "completion"] <= 0.41).all() and (m.loc[~behind, "completion"] >= 0.6).all()
        low = reason == "low_survival"
        assert m.loc[low, "survival"].notna().all() and (m.loc[low, "survival"] <= 0.75).all()
        assert (m.loc[~low, "survival"].dropna() >= 0.85).all()
        assert (~m["active"]).eq(reason == "team_inactive").all()
        assert (~m["cadre"].astype(bool)).eq(reason == "no_cadre").all()
        assert (m["outside"] > 0).eq(reason == "outside_village").all()


class TestDeterminism:
    def test_same_seed_same_geography(self, areas):
        geography._generate.cache_clear()
        again = generate_geography(SEED)
        pd.testing.assert_frame_equal(areas.drop(columns="geometry"), again.drop(columns="geometry"))
        assert list(shapely.to_wkb(areas.geometry.values)) == list(shapely.to_wkb(again.geometry.values))

    def test_same_seed_same_campaign(self, campaign):
        again = generate_campaign(SEED, DEMO_TEST_PLANTINGS)
        for name in ("teams", "people", "assignments", "plans", "plantings", "checks", "targets"):
            pd.testing.assert_frame_equal(getattr(campaign, name), getattr(again, name), obj=name)
        assert campaign.designations.geometry.to_wkb().equals(again.designations.geometry.to_wkb())

    def test_another_seed_another_campaign(self, areas):
        other = generate_geography(SEED + 1)
        assert len(other) == len(areas)
        assert not level(other, "village")["name"].equals(level(areas, "village")["name"])
        assert not level(other, "village").geometry.iloc[0].equals(level(areas, "village").geometry.iloc[0])


class TestLoad:
    def test_rows_counts_and_demo_marks(self, demo_engine, demo_summary):
        with demo_engine.connect() as conn:
            count = lambda m, *w: conn.scalar(select(func.count()).select_from(m).where(*w))  # noqa: E731
            assert count(AdminArea) == 1 + 9 + demo_summary.towns + 1722
            assert count(GreeningTeam) == 1722 and count(Planting) == DEMO_TEST_PLANTINGS
            for model in (AdminArea, GreeningTeam, Institution, Person, Designation, Planting):
                assert count(model, model.is_demo.is_(False)) == 0, model.__tablename__
            trees = conn.scalar(select(func.sum(Planting.tree_count)).where(Planting.status != "rejected"))
            assert trees == demo_summary.trees_planted == tree_total(SEED)
            assert count(Planting, Planting.source != "demo") == 0

    def test_a_record_was_submitted_the_evening_it_was_planted_before_its_review(self, demo_engine):
        """Every demo planting was stamped as submitted at the moment of the load (2026 beside
        plantings and reviews of 2024): the review queue said a record planted in March 2024 was
        submitted in December 2026, and reviewed two years before it was submitted."""
        with demo_engine.connect() as conn:
            rows = pd.DataFrame(conn.execute(select(Planting.planted_on, Planting.created_at,
                                                    Planting.reviewed_at)).all(),
                                columns=["planted_on", "created_at", "reviewed_at"])
        submitted = pd.to_datetime(rows["created_at"], utc=True).dt.tz_convert("Asia/Shanghai")
        assert (submitted.dt.date == pd.to_datetime(rows["planted_on"]).dt.date).all()
        evening = submitted.dt.hour.between(17, 20)  # after the day's work, 17:00-21:00
        assert evening.mean() > 0.95, evening.mean()  # (the season's last day was reviewed the same day)
        reviewed = pd.to_datetime(rows["reviewed_at"], utc=True)
        done = reviewed.notna()
        assert done.sum() > 0 and (reviewed[done] > submitted[done].dt.tz_convert("UTC")).all()

    def test_geometry_round_trip(self, demo_engine, areas):
        with demo_engine.connect() as conn:
            got = read_gdf(conn, select(AdminArea.code, wkb_column(AdminArea.geom)).order_by(AdminArea.code))
        want = areas.sort_values("code").reset_index(drop=True)
        assert got["code"].tolist() == want["code"].tolist()
        assert got.geometry.geom_equals_exact(want.geometry, tolerance=1e-9).all()

    def test_parents_and_labels(self, demo_engine):
        with demo_engine.connect() as conn:
            rows = conn.execute(select(AdminArea.code, AdminArea.parent_id, AdminArea.id,
                                       AdminArea.label_lon, AdminArea.level)).all()
        by_id = {r.id: r.code for r in rows}
        for r in rows:
            if r.level == "village":
                assert by_id[r.parent_id] == r.code[:9] + "000"
            assert r.label_lon is not None

    def test_one_summary_audit_row_per_table(self, demo_engine):
        with demo_engine.connect() as conn:
            tables = conn.execute(select(AuditLog.table_name, func.count())
                                  .where(AuditLog.action == "demo_load").group_by(AuditLog.table_name)).all()
        tables = dict(tables)
        assert set(tables.values()) == {1}
        assert {"admin_areas", "greening_teams", "people", "plantings", "care_checks"} <= set(tables)

    @pytest.mark.spatialite_only
    def test_spatialite_bulk_mode_leaves_index_and_triggers_intact(self, demo_engine, backend):
        from sqlalchemy import text

        with demo_engine.connect() as conn:
            indexed = conn.execute(text("SELECT count(*) FROM idx_plantings_location")).scalar()
            triggers = set(conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger' "
                                             "AND tbl_name = 'plantings'")).scalars())
            box = conn.execute(text(
                "SELECT count(*) FROM plantings WHERE rowid IN (SELECT rowid FROM SpatialIndex "
                "WHERE f_table_name = 'plantings' AND search_frame = BuildMbr(110.0, 21.0, 110.5, 21.5)) "
                "AND lon BETWEEN 110.0 AND 110.5 AND lat BETWEEN 21.0 AND 21.5")).scalar()
            plain = conn.execute(text("SELECT count(*) FROM plantings WHERE lon BETWEEN 110.0 AND 110.5 "
                                      "AND lat BETWEEN 21.0 AND 21.5")).scalar()
        assert indexed == DEMO_TEST_PLANTINGS
        assert {"ggi_plantings_location", "tmi_plantings_location", "gii_plantings_location"} <= triggers
        assert box == plain > 0

    def test_refuses_a_database_with_areas(self, demo_engine):
        with pytest.raises(ValueError, match="empty database"):
            load_demo(demo_engine, plantings=DEMO_TEST_PLANTINGS, seed=SEED)
