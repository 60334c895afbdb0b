"""Campaign totals: the article's figures from the demo data, the same on both backends, and
scoped to the actor's area."""
from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from greening.actor import Actor
from greening.commands.demo import format_totals
from greening.demo import generate_campaign
from greening.models import Planting
from greening.models.enums import Role
from greening.permissions import PermissionDenied, install_scope
from greening.services.totals import TOTAL_LINES, campaign_totals
from tests.conftest import DEMO_TEST_PLANTINGS, DEMO_TEST_SEED

ADDITIVE = ["villages", "towns", "teams", "teams_active", "demo_towns", "demo_villages",
            "industry_models", "courtyards", "trees_planted", "trees_verified", "planting_records",
            "plantings_rejected", "plan_total", "seedlings_secured"]


@pytest.fixture(scope="module")
def campaign():
    return generate_campaign(DEMO_TEST_SEED, DEMO_TEST_PLANTINGS)


def expected(campaign, prefix: str = "") -> dict:
    """Totals computed from the generated frames, without a database."""
    def inside(codes):
        return pd.Series(codes).astype(str).str.startswith(prefix).to_numpy()

    a, d, p = campaign.areas, campaign.designations, campaign.plantings
    a = a[inside(a["code"])]
    d = d[inside(d["area_code"])]
    p = p[inside(p["claimed_village_code"])]
    t = campaign.teams[inside(campaign.teams["village_code"])]
    plans = campaign.plans[inside(campaign.plans["village_code"])]
    serving = campaign.assignments[inside(campaign.assignments["area_code"])]
    people = campaign.people.set_index("key").loc[serving["person_key"].unique()]
    kinds = people["kind"].value_counts()
    ok = p["status"] != "rejected"
    return {
        "counties": int((a["level"] == "county").sum()), "towns": int((a["level"] == "town").sum()),
        "villages": int((a["level"] == "village").sum()), "teams": len(t),
        "teams_active": int(t["active"].sum()),
        **{key: int((d["kind"] == kind).sum()) for key, kind in [
            ("demo_towns", "demo_town"), ("demo_villages", "demo_village"),
            ("industry_models", "industry_model"), ("courtyards", "courtyard"),
            ("demo_belts", "demo_belt"), ("theme_forests", "theme_forest")]},
        "graded_cadres": int(kinds.get("graded_cadre", 0)),
        "first_secretaries_instructors": int(kinds.get("first_secretary", 0) + kinds.get("instructor", 0)),
        "experts": int(kinds.get("expert", 0)),
        "institutions": int(people.loc[people["kind"] == "expert", "institution"].nunique()),
        "local_worthies": int(kinds.get("local_worthy", 0)),
        "plan_total": int(plans["planned_count"].sum()),
        "seedlings_secured": int(plans["seedlings_secured"].sum()),
        "trees_planted": int(p.loc[ok, "tree_count"].sum()),
        "trees_verified": int(p.loc[p["status"] == "verified", "tree_count"].sum()),
        "planting_records": len(p), "plantings_rejected": int((~ok).sum()),
    }


def county_lead(adcode: str) -> Actor:
    return Actor(user_id=None, username=f"lead-{adcode}", role=Role.COUNTY_LEAD, scope_prefix=adcode)


def totals_for(engine, actor) -> dict:
    with Session(engine) as session:
        install_scope(session, actor)
        return campaign_totals(session, actor)


class TestCityTotals:
    def test_the_articles_figures(self, demo_engine, demo_summary):
        t = totals_for(demo_engine, Actor.system("tests"))
        assert (t["teams"], t["demo_towns"], t["demo_villages"], t["industry_models"]) == (1722, 18, 376, 12)
        assert (t["graded_cadres"], t["first_secretaries_instructors"]) == (1857, 514)
        assert (t["experts"], t["institutions"], t["villages"], t["counties"]) == (122, 28, 1722, 9)
        assert t["trees_planted"] == demo_summary.trees_planted > 1_500_000
        assert t["trees_verified"] < t["trees_planted"] < t["plan_total"]
        assert t["survival_rate"] == pytest.approx(demo_summary.survival_rate, abs=1e-4)
        assert t["is_demo"] is True and t["scope"] == "4408"

    def test_identical_on_every_backend(self, demo_engine, campaign):
        # Each backend is compared with the same database-free computation, so they agree.
        t = totals_for(demo_engine, Actor.system("tests"))
        want = expected(campaign)
        assert {k: t[k] for k in want} == want

    def test_deleted_plantings_do_not_count(self, demo_engine):
        actor = Actor.system("tests")
        conn = demo_engine.connect()
        outer = conn.begin()
        try:
            session = Session(bind=conn, join_transaction_mode="create_savepoint")
            install_scope(session, actor)
            before = campaign_totals(session, actor)
            p = session.scalars(select(Planting).where(Planting.status == "verified").limit(1)).one()
            p.deleted_at = dt.datetime.now(dt.UTC)
            session.flush()
            after = campaign_totals(session, actor)
            assert after["trees_planted"] == before["trees_planted"] - p.tree_count
            assert after["planting_records"] == before["planting_records"] - 1
            session.close()
        finally:
            outer.rollback()
            conn.close()


class TestScope:
    @pytest.mark.parametrize("adcode", ["440802", "440882"])
    def test_a_county_lead_sees_only_their_county(self, demo_engine, campaign, adcode):
        t = totals_for(demo_engine, county_lead(adcode))
        want = expected(campaign, adcode)
        assert {k: t[k] for k in want} == want
        assert t["counties"] == 1 and t["scope"] == adcode
        assert t["villages"] < 1722

    def test_counties_add_up_to_the_city(self, demo_engine):
        city = totals_for(demo_engine, Actor.system("tests"))
        parts = [totals_for(demo_engine, county_lead(c)) for c in
                 ["440802", "440803", "440804", "440811", "440823", "440825", "440881", "440882", "440883"]]
        for key in ADDITIVE:
            assert sum(p[key] for p in parts) == city[key], key

    def test_nobody_gets_nothing(self, demo_engine):
        with Session(demo_engine) as session, pytest.raises(PermissionDenied):
            campaign_totals(session, None)


class TestTable:
    def test_table_shows_the_articles_figure_beside_each_total(self, demo_engine):
        text = format_totals(totals_for(demo_engine, Actor.system("tests")))
        line = next(x for x in text.splitlines() if x.startswith("党员护绿队"))
        assert line.split() == ["党员护绿队", "1,722", "(文章:", "1,722)"]
        assert "示例数据" in text
        assert len(text.splitlines()) == len(TOTAL_LINES) + 1

    def test_county_table_leaves_out_the_citywide_figures(self, demo_engine):
        text = format_totals(totals_for(demo_engine, county_lead("440882")))
        assert "文章" not in text and "440882" in text

    def test_cli_prints_the_totals(self, demo_engine, capsys):
        from greening.cli import main
        from greening.config import override_settings
        from greening.db import get_engine

        with override_settings(database_url=demo_engine.url.render_as_string(hide_password=False)):
            assert main([]) == 0
            assert main(["totals", "--county", "440802"]) == 0
            assert main(["totals", "--county", "999999"]) == 2
            get_engine().dispose()
        out = capsys.readouterr()
        assert "党员护绿队" in out.out and "440802" in out.out and "999999" in out.err


def test_cli_totals_on_a_missing_database_says_to_initialise(tmp_path, capsys):
    from greening.cli import main
    from greening.config import override_settings

    path = tmp_path / "none.sqlite"
    with override_settings(database_url=f"sqlite:///{path}"):
        assert main(["totals"]) == 2
    assert "python -m greening init" in capsys.readouterr().err
    assert not path.exists()
