"""A team's 种植登记 map draws its village coloured by its plan completion without computing the
whole county's coverage, shows the same figure that computation gives, and shows a planting
saved through any process on the next rerun."""
from __future__ import annotations

import re
import uuid

import pytest
import streamlit as st

from greening.db import make_engine, session_scope
from greening.i18n import fmt_pct
from tests.replica_app import _component_args
from tests.test_pages_apptest import (  # noqa: F401 - app_db and settings are fixtures
    _app,
    _no_exception,
    _team_village,
    _texts,
    app_db,
    settings,
)
from tests.test_team_flow import _actor


def _completion_shown(at) -> list[str]:
    """The plan-completion lines of the maps' tooltips on the page."""
    found = []
    for args in _component_args(at):
        text = re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), args)
        found += re.findall(r"计划完成率：(?:[0-9.]+%|—)", text)
    return found


def _county_completion(username: str, code: str) -> float:
    """The village's plan completion in its county's full computation."""
    from greening.actor import Actor
    from greening.coverage import coverage_for
    from greening.coverage.load import report_date
    from greening.models.enums import Role

    lead = Actor(user_id=None, username="lead", role=Role.COUNTY_LEAD, scope_prefix=code[:6])
    with make_engine().connect() as conn:
        villages = coverage_for(conn, lead, report_date(conn)).villages
    return float(villages.set_index("code").loc[code, "completion"])


@pytest.fixture
def counting(monkeypatch):
    """Area coverage computations made meanwhile (by scope), caches emptied first."""
    import greening.coverage.api as api

    st.cache_data.clear()
    st.cache_resource.clear()
    computed: list[str] = []
    real = api.area_coverage

    def count(conn, actor, *args, **kwargs):
        if actor.username != "lead":  # not the test's own reference computation
            computed.append(actor.scope_prefix)
        return real(conn, actor, *args, **kwargs)

    monkeypatch.setattr(api, "area_coverage", count)
    return computed


@pytest.mark.usefixtures("settings")
def test_the_team_map_shows_its_villages_completion_without_the_countys_computation(counting):
    village = _team_village("team-leizhou")
    at = _app("team-leizhou", "pages/log_planting.py")
    _no_exception(at)
    assert any("1. 种植地点" in m.value for m in at.markdown) or at.get("component_instance"), _texts(at)
    assert counting == [], "no county coverage computed to draw one village"
    expected = f"计划完成率：{fmt_pct(_county_completion('team-leizhou', village['code']), 'zh')}"
    assert _completion_shown(at) == [expected]
    at.session_state["log_map"] = {"last_clicked": {"lat": village["label_lat"], "lng": village["label_lon"]}}
    at.run()  # the tap: the village it falls in, still nothing of the county computed
    assert any("该点位于" in s.value for s in at.success), _texts(at)
    assert counting == []


@pytest.mark.usefixtures("settings")
def test_a_planting_saved_elsewhere_is_on_the_team_map_at_the_next_rerun(counting):
    from greening.coverage.load import report_date
    from greening.permissions import install_scope
    from greening.services.plantings import PlantingInput, create_planting

    village = _team_village("team-suixi")
    at = _app("team-suixi", "pages/log_planting.py")
    before = _completion_shown(at)
    assert before == [f"计划完成率：{fmt_pct(_county_completion('team-suixi', village['code']), 'zh')}"]
    team = _actor("team-suixi")
    with make_engine().connect() as conn:
        day = report_date(conn)
    with session_scope(make_engine()) as s:  # as another app process would: only the database knows
        install_scope(s, team)
        create_planting(s, team, PlantingInput(
            submission_id=uuid.uuid4().hex, village_code=village["code"], planted_on=day.isoformat(),
            species="榕树", tree_count=900, site_type="road_side", lon=village["label_lon"],
            lat=village["label_lat"], team_id=team.team_id))
    at.run()
    after = _completion_shown(at)
    assert after != before
    assert after == [f"计划完成率：{fmt_pct(_county_completion('team-suixi', village['code']), 'zh')}"]
    assert counting == []


@pytest.mark.usefixtures("settings")
def test_a_renamed_village_is_in_the_names_and_outlines_at_the_next_read(counting):
    """Names and outlines are kept per boundaries' version: a change to an area (through any
    process) is read afresh, by the pickers and the maps alike."""
    from sqlalchemy import select

    from greening.actor import Actor
    from greening.models import AdminArea
    from greening.permissions import install_scope
    from ui import data

    village = _team_village("team-suixi")
    team = _actor("team-suixi")
    assert data.village_shapes(team, village["code"])["name"].tolist() == [village["name"]]
    with session_scope(make_engine()) as s:
        install_scope(s, Actor.system("tests"))
        area = s.scalars(select(AdminArea).where(AdminArea.code == village["code"])).one()
        old, area.name = area.name, f"{area.name}（改）"
    try:
        assert data.village_shapes(team, village["code"])["name"].tolist() == [f"{old}（改）"]
        assert data.village_progress(team, village["code"])["name"].tolist() == [f"{old}（改）"]
    finally:
        with session_scope(make_engine()) as s:
            install_scope(s, Actor.system("tests"))
            s.scalars(select(AdminArea).where(AdminArea.code == village["code"])).one().name = old
    assert counting == []
