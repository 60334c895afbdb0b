"""Every page, headless (streamlit.testing AppTest), as the roles that use it, on a small demo database.

The database is this module's own (it is written to), built once: the demo campaign with the
fewest plantings the generator allows, plus the demo accounts.
"""
from __future__ import annotations

import pytest
from sqlalchemy import func, select
from streamlit.testing.v1 import AppTest

from greening.auth import DEMO_ACCOUNTS, authenticate
from greening.config import REPO_ROOT, get_settings, override_settings
from greening.db import make_engine, session_scope
from greening.i18n import t
from greening.models import Planting
from greening.services.area_views import area_frame

APP = str(REPO_ROOT / "app.py")
TIMEOUT = 60
PASSWORDS = {a.username: a.password for a in DEMO_ACCOUNTS}

# page file -> roles (demo account names) that open it
PAGES = {
    "pages/overview.py": ["city", "suixi", "suixi-town", "admin"],
    "pages/county.py": ["city", "suixi"],
    "pages/village.py": ["team-suixi", "suixi", "city"],
    "pages/log_planting.py": ["team-suixi", "suixi"],
    "pages/teams.py": ["team-suixi", "city"],
    "pages/designations.py": ["city", "leizhou"],
    "pages/lagging.py": ["city", "suixi"],
    "pages/measures.py": ["city", "suixi-town"],
    # registered in the navigation, written elsewhere
    "pages/review.py": ["suixi"],
    "pages/admin_users.py": ["admin"],
    "pages/admin_audit.py": ["admin"],
    "pages/admin_rasters.py": ["admin"],
}


@pytest.fixture(scope="module")
def app_db(tmp_path_factory, demo_db_template):
    """A copy of the small demo database (2,300 plantings) with the demo accounts; yields its URL."""
    url = demo_db_template.copy(tmp_path_factory.mktemp("appdb"))
    # Cheap password hashing: the tests log in many times; production keeps the OWASP defaults.
    extra = {**demo_db_template.extra, "default_basemap": "none"}
    with override_settings(database_url=url, extra=extra):
        yield url


@pytest.fixture
def settings(app_db):
    with override_settings(database_url=app_db, extra=get_settings().extra):
        yield get_settings()


def _token(username: str) -> str:
    with session_scope(make_engine()) as s:
        result = authenticate(s, username, PASSWORDS[username])
    assert result.ok, result.message
    return result.token


def _app(username: str | None, page: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    if username:
        at.session_state["greening_token"] = _token(username)
    at.session_state["basemap"] = "none"  # the tests never load tiles
    at.session_state["lang"] = "zh"       # whatever language the account saved last
    at.run()
    if page:
        at.switch_page(page)
        at.run()
    return at


def _no_exception(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def _texts(at: AppTest) -> str:
    parts = [m.value for m in (*at.markdown, *at.caption, *at.success, *at.info, *at.warning, *at.error,
                                *at.subheader)]
    return "\n".join(str(p) for p in parts)


class TestGate:
    def test_not_logged_in_sees_only_the_login_form(self, settings):
        at = _app(None)
        _no_exception(at)
        assert at.text_input(key="login_username") is not None
        assert "总览" not in _texts(at)

    def test_demo_data_is_labelled(self, settings):
        at = _app("city")
        _no_exception(at)
        assert any("示例数据 / demo data" in w.value for w in at.warning)


def _labels(at: AppTest) -> list[str]:
    """Labels of the page's inputs, tabs, metrics and column headers (what a user reads)."""
    out = [w.label for kind in ("selectbox", "multiselect", "text_input", "number_input", "radio",
                                "toggle", "checkbox", "button", "tabs", "metric")
           for w in getattr(at, kind)]
    out += [str(c) for df in at.dataframe for c in df.value.columns]
    out += [str(getattr(w.proto, "label", "")) for w in at.get("button_group")]
    return out


def _suixi(at: AppTest) -> bool:
    return "遂溪县" in _texts(at) + "".join(_labels(at)) + "".join(
        str(v) for df in at.dataframe for v in df.value.astype(str).to_numpy().ravel()[:2000])


#: page -> user -> (its own title, one piece of its own content: a label, tab or column it shows)
EXPECTED = {
    "pages/overview.py": {"city": (t("overview.title"), t("map.metric")),
                          "suixi": (t("overview.title_area"), t("map.metric")),
                          "suixi-town": (t("overview.title_area"), t("map.metric")),
                          "admin": (t("overview.title"), t("map.metric"))},
    "pages/county.py": {"city": (t("county.title", name="赤坎区"), t("common.town")),
                        "suixi": (t("county.title", name="遂溪县"), t("common.town"))},
    "pages/village.py": {u: (t("village.title", name=""), t("metric.survival"))
                         for u in ("team-suixi", "suixi", "city")},
    "pages/log_planting.py": {u: (t("log.title"), t("log.how")) for u in ("team-suixi", "suixi")},
    "pages/teams.py": {u: (t("teams.title"), t("teams.search")) for u in ("team-suixi", "city")},
    "pages/designations.py": {u: (t("designations.title"), t("designations.kind")) for u in ("city", "leizhou")},
    "pages/lagging.py": {u: (t("lagging.title"), t("lagging.filter_reason")) for u in ("city", "suixi")},
    "pages/measures.py": {u: (t("measures.title"), t("measures.matrix")) for u in ("city", "suixi-town")},
    "pages/review.py": {"suixi": (t("review.title"), t("review.col.id"))},
    "pages/admin_users.py": {"admin": (t("users.title"), t("users.tab.teams"))},
    "pages/admin_audit.py": {"admin": (t("audit.title"), t("audit.table"))},
    "pages/admin_rasters.py": {"admin": (t("rasters.title"), t("rasters.kind"))},
}


def test_every_page_and_role_has_an_expectation():
    assert {p: sorted(u) for p, u in EXPECTED.items()} == {p: sorted(u) for p, u in PAGES.items()}


@pytest.mark.parametrize("page, user", [(p, u) for p, users in PAGES.items() for u in users])
def test_page_shows_its_own_title_and_content(settings, page, user):
    """Not the log-in form, not another page: this page's title, and something only it shows."""
    at = _app(user, page)
    _no_exception(at)
    title, content = EXPECTED[page][user]
    titles = [w.value for w in (*at.title, *at.header, *at.subheader)]
    assert titles and (titles[0] == title or title.endswith("：") and titles[0].startswith(title)), titles
    assert "login_username" not in [w.key for w in at.text_input], "the log-in form, not the page"
    if content is not None:
        assert content in _labels(at), (content, _labels(at))
    if user in ("suixi", "team-suixi") and page in COUNTY_NAMED:
        assert _suixi(at), "a 遂溪 account sees its own county"


#: pages that name the county of what they list
COUNTY_NAMED = {"pages/county.py", "pages/village.py", "pages/teams.py", "pages/lagging.py"}


def test_english_interface(settings):
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.session_state["greening_token"] = _token("city")
    at.session_state["basemap"] = "none"
    at.session_state["lang"] = "en"
    at.run()
    _no_exception(at)
    assert any("City overview" in s.value for s in at.subheader)
    assert any(m.label.startswith("Trees planted") for m in at.metric)


def test_language_preference_is_saved(settings):
    from greening.auth import actor_from_token
    from greening.services.preferences import get_language, set_language

    engine = make_engine()
    with session_scope(engine) as s:
        actor = actor_from_token(s, _token("suixi"))
    from greening.permissions import install_scope

    with session_scope(engine) as s:
        install_scope(s, actor)
        set_language(s, actor, "en")
    with session_scope(engine) as s:
        install_scope(s, actor)
        assert get_language(s, actor) == "en"
        set_language(s, actor, "zh")
    with pytest.raises(ValueError), session_scope(engine) as s:
        set_language(install_scope(s, actor), actor, "fr")


def _village(code_prefix: str = "440823") -> dict:
    from greening.actor import Actor
    from greening.models.enums import Role

    with make_engine().connect() as conn:
        frame = area_frame(conn, Actor(None, "t", Role.CITY), "village", within=code_prefix)
    return frame.iloc[3].to_dict()


class TestMapClicks:
    def test_tap_on_the_overview_opens_that_village(self, settings):
        village = _village()
        at = _app("city", "pages/overview.py")
        at.session_state["overview_map"] = {"last_clicked": {"lat": village["label_lat"], "lng": village["label_lon"]}}
        at.run()
        _no_exception(at)
        assert at.session_state["village_pick"] == village["code"]
        assert any(village["name"] in s.value for s in at.subheader)

    def test_tap_on_the_lagging_map_opens_a_lagging_village(self, settings):
        from greening.actor import Actor
        from greening.models.enums import Role
        from ui import data

        city = Actor(None, "t", Role.CITY, scope_prefix="4408")
        first = data.lagging(city).iloc[0]["code"]
        with make_engine().connect() as conn:
            village = area_frame(conn, city, "village").set_index("code").loc[first]
        at = _app("city", "pages/lagging.py")
        _no_exception(at)
        at.session_state["lagging_map"] = {"last_clicked": {"lat": village["label_lat"], "lng": village["label_lon"]}}
        at.run()
        _no_exception(at)
        assert at.session_state["village_pick"] == first

    def test_tap_outside_every_village_says_so(self, settings):
        at = _app("city", "pages/overview.py")
        at.session_state["overview_map"] = {"last_clicked": {"lat": 30.0, "lng": 100.0}}
        at.run()
        _no_exception(at)
        assert any("不在任何村界内" in i.value for i in at.info)


def _team_village(username: str) -> dict:
    from greening.auth import actor_from_token

    token = _token(username)
    with session_scope(make_engine()) as s:
        actor = actor_from_token(s, token)
    with make_engine().connect() as conn:
        return area_frame(conn, actor, "village").iloc[0].to_dict()


def _trees(username: str) -> int:
    """Trees planted in the user's area, as the headline totals count them."""
    from greening.auth import actor_from_token
    from greening.permissions import install_scope
    from greening.services.totals import campaign_totals

    with session_scope(make_engine()) as s:
        actor = actor_from_token(s, _token(username))
        install_scope(s, actor)
        return int(campaign_totals(s, actor)["trees_planted"])


def _count(**where) -> int:
    with make_engine().connect() as conn:
        stmt = select(func.count()).select_from(Planting)
        for k, v in where.items():
            stmt = stmt.where(getattr(Planting, k) == v)
        return conn.execute(stmt).scalar()


class TestLogPlanting:
    def test_a_tapped_planting_is_saved_once_and_shows_in_the_village(self, settings):
        village = _team_village("team-suixi")
        before = _count(claimed_village_code=village["code"])
        trees_before = _trees("team-suixi")
        at = _app("team-suixi", "pages/log_planting.py")
        _no_exception(at)
        at.session_state["log_map"] = {"last_clicked": {"lat": village["label_lat"], "lng": village["label_lon"]}}
        at.run()
        _no_exception(at)
        assert any(village["name"] in s.value for s in at.success), "says which village the point is in"
        at.number_input(key="log_count").set_value(37)
        at.text_input(key="log_site_name").set_value("<img src=x onerror=alert(1)> 路口")
        submit = next(b for b in at.button if b.label in ("提交登记", "Submit"))
        submit.click().run()
        _no_exception(at)
        assert any("已登记" in s.value for s in at.success), _texts(at)
        assert _count(claimed_village_code=village["code"]) == before + 1
        sid = at.session_state["log_submission_id"]

        # The confirmation never reached the phone (dropped connection) and the form is sent again:
        del at.session_state["log_done"]
        at.run()
        submit = next(b for b in at.button if b.label in ("提交登记", "Submit"))
        submit.click().run()
        _no_exception(at)
        assert _count(claimed_village_code=village["code"]) == before + 1
        assert _count(submission_id=sid) == 1
        # confirmed in full as the first press was (a double tap showed only 「该登记此前已提交」), and said once
        assert any("已登记" in m.value and "37 株" in m.value for m in at.success), [m.value for m in at.success]
        assert any("未重复保存" in c.value for c in at.caption)

        # It is listed in the village detail, and counted in the totals.
        at = _app("team-suixi", "pages/village.py")
        _no_exception(at)
        frames = [df.value for df in at.dataframe]
        assert any("株数" in f and (f["株数"] == 37).any() for f in frames)
        assert _trees("team-suixi") == trees_before + 37

    def test_typed_gcj02_coordinates_are_converted(self, settings):
        from greening.geo.gcj02 import wgs84_to_gcj02

        village = _team_village("team-suixi")
        glon, glat = wgs84_to_gcj02(village["label_lon"], village["label_lat"])
        at = _app("team-suixi", "pages/log_planting.py")
        at.segmented_control(key="log_how").set_value("typed").run()
        at.selectbox(key="log_datum").set_value("gcj02")
        at.text_input(key="log_coords").set_value(f"{glon:.7f}, {glat:.7f}").run()
        _no_exception(at)
        lon, lat = at.session_state["log_point"]
        assert lon == pytest.approx(village["label_lon"], abs=1e-6)
        assert lat == pytest.approx(village["label_lat"], abs=1e-6)
        assert any(village["name"] in s.value for s in at.success)


class TestScopeAndAttestation:
    def test_two_counties_never_share_a_cached_view(self, settings):
        for user, county in (("suixi", "遂溪县"), ("leizhou", "雷州市"), ("suixi", "遂溪县")):
            at = _app(user, "pages/teams.py")
            _no_exception(at)
            (table,) = [df.value for df in at.dataframe if "县（市、区）" in df.value]
            assert set(table["县（市、区）"]) == {county}

    def test_a_town_lead_attests_a_measure_with_evidence(self, settings):
        from sqlalchemy import select as sa_select

        from greening.models import Attestation, AuditLog, Measure

        at = _app("suixi-town", "pages/measures.py")
        _no_exception(at)
        town = at.session_state["greening_token"] and _town_of("suixi-town")
        with make_engine().connect() as conn:
            taken = set(conn.execute(sa_select(Attestation.measure_id).where(Attestation.area_code == town)).scalars())
            measure = next(m for m in conn.execute(sa_select(Measure.id).where(
                Measure.level == "town", Measure.evaluation == "attestation").order_by(Measure.id)).scalars()
                if m not in taken)
        at.selectbox(key="attest_measure").set_value(measure).run()
        at.selectbox(key="attest_form_0_area").set_value(town)
        at.text_area(key="attest_form_0_evidence").set_value("培训签到表 `${x}` <b>照片</b>")
        next(b for b in at.button if b.label == "提交申报").click().run()
        _no_exception(at)
        assert any("已申报" in s.value for s in at.success), _texts(at)
        with make_engine().connect() as conn:
            row = conn.execute(sa_select(Attestation).where(Attestation.area_code == town,
                                                            Attestation.measure_id == measure)).one()
            assert row.status == "claimed" and row.evidence.startswith("培训签到表")
            audited = conn.execute(sa_select(AuditLog).where(AuditLog.table_name == "attestations",
                                                             AuditLog.record_id == str(row.id))).all()
            assert audited and audited[0].username == "suixi-town"
        # After a saved claim the form starts afresh (a new round, not a browser-side clear).
        at.run()
        assert at.text_area(key="attest_form_1_evidence").value == ""
        # The same measure again for the same town: refused, nothing written.
        at.selectbox(key="attest_form_1_area").set_value(town)
        at.text_area(key="attest_form_1_evidence").set_value("again")
        next(b for b in at.button if b.label == "提交申报").click().run()
        assert any("已申报措施" in e.value for e in at.error)



def test_a_double_press_of_attest_is_confirmed(settings):  # noqa: F811
    """提交申报 pressed twice, the second press arriving as the claim commits: the first run was
    stopped before its confirmation and the fresh form's round were kept, so the second run sent
    the same form again and the page said 「已申报措施…」 (refused as a second claim) instead of 已申报."""
    from sqlalchemy import select as sa_select

    from greening.models import Attestation, Measure
    from tests.fixtures.double_press import press_again_at_commit

    at = _app("suixi-town", "pages/measures.py")
    town = _town_of("suixi-town")
    with make_engine().connect() as conn:
        taken = set(conn.execute(sa_select(Attestation.measure_id).where(Attestation.area_code == town)).scalars())
        measure = next(m for m in conn.execute(sa_select(Measure.id).where(
            Measure.level == "town", Measure.evaluation == "attestation").order_by(Measure.id.desc())).scalars()
            if m not in taken)
    at.selectbox(key="attest_measure").set_value(measure).run()
    at.selectbox(key="attest_form_0_area").set_value(town)
    at.text_area(key="attest_form_0_evidence").set_value("会议纪要")
    with press_again_at_commit() as commits:
        next(b for b in at.button if b.label == "提交申报").click().run()
    _no_exception(at)
    assert commits and not at.error, [e.value for e in at.error]
    assert [s.value for s in at.success if "已申报" in s.value], _texts(at)
    with make_engine().connect() as conn:
        assert len(conn.execute(sa_select(Attestation).where(Attestation.area_code == town,
                                                             Attestation.measure_id == measure)).all()) == 1
    assert at.text_area(key="attest_form_1_evidence").value == ""

def _town_of(username: str) -> str:
    from greening.auth import actor_from_token

    with session_scope(make_engine()) as s:
        actor = actor_from_token(s, _token(username))
    return actor.scope_prefix + "000"


@pytest.mark.parametrize(("language", "date_format", "title"),
                         [("zh", "%-m月%-d日", "累计植树（株）"), ("en", "%b %-d", "Trees to date")])
def test_the_county_pages_weekly_chart_speaks_the_pages_language(settings, language, date_format, title):  # noqa: F811
    """The county page's chart of trees to date by week had Vega's English month names
    ("February March ...") on the Chinese page, under a title that called the running totals weekly."""
    import json

    at = _app("suixi", None)
    at.session_state["lang"] = language
    at.switch_page("pages/county.py")
    at.run()
    _no_exception(at)
    charts = [json.loads(c.proto.spec) for c in at.get("vega_lite_chart")]
    assert charts, "the county page draws its chart"
    encoding = charts[0]["encoding"]
    assert encoding["x"]["axis"]["format"] == date_format
    assert encoding["y"]["title"] == title
    assert any(m.value.endswith(t("county.weekly", lang=language)) for m in at.markdown)
