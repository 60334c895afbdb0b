"""A greening team's flow on its own screens, headless (AppTest): the GPS reading, no made-up
species or number, typed coordinates, rejected records with the reviewer's reason, photos and
their flags, another village's page by URL, the form's date against the report date, and the
measures tabs by role. (The same in a real browser: tests/test_browser_team.py.)"""
from __future__ import annotations

import datetime as dt
import io

import pytest
from PIL import Image
from sqlalchemy import select

from greening.config import override_settings
from greening.data_version import bump, scope_of
from greening.db import make_engine, session_scope
from greening.i18n import fmt_weekday_date, t
from greening.models import Planting
from tests.test_pages_apptest import (  # noqa: F401 - app_db and settings are fixtures
    _app,
    _count,
    _no_exception,
    _team_village,
    _texts,
    _token,
    app_db,
    settings,
)


def _submit(at):
    next(b for b in at.button if b.label in ("提交登记", "Submit")).click().run()


def _actor(username: str):
    from greening.auth import actor_from_token

    with session_scope(make_engine()) as s:
        return actor_from_token(s, _token(username))


def _gps(at, lat, lon, accuracy, t):
    at.session_state["log_gps"] = {"lat": lat, "lon": lon, "accuracy": accuracy, "t": t}
    at.run()
    _no_exception(at)


@pytest.mark.usefixtures("settings")
class TestGps:
    def test_the_fix_is_the_browsers_position_with_its_accuracy_on_every_basemap(self):
        village = _team_village("team-suixi")
        at = _app("team-suixi", "pages/log_planting.py")
        lon, lat = village["label_lon"], village["label_lat"]
        _gps(at, lat, lon, 12.4, 1)
        assert at.session_state["log_point"] == (lon, lat)
        assert any("精度约 ±12 米" in c.value for c in at.caption), _texts(at)
        assert any(village["name"] in s.value for s in at.success)
        # Over Amap (GCJ-02 tiles) the GPS position is still stored as the browser gave it.
        at.session_state["basemap"] = "amap"
        _gps(at, lat + 0.001, lon + 0.001, 30, 2)
        assert at.session_state["log_point"] == (lon + 0.001, lat + 0.001)
        # The same reading again (a rerun) changes nothing; a coarse fix is said to be coarse.
        at.session_state["log_point"] = (lon, lat)
        at.run()
        assert at.session_state["log_point"] == (lon, lat)
        _gps(at, lat, lon, 850, 3)
        assert any("定位精度较差" in w.value for w in at.warning), _texts(at)

    @pytest.mark.parametrize(("error", "words"), [("denied", "拒绝了定位权限"), ("timeout", "秒内未获得定位"),
                                                  ("unavailable", "未能获得定位"), ("unsupported", "不能定位")])
    def test_no_fix_says_why_and_sets_no_point(self, error, words):
        at = _app("team-suixi", "pages/log_planting.py")
        at.session_state["log_gps"] = {"error": error, "message": "x", "t": 7}
        at.run()
        _no_exception(at)
        assert any(words in e.value for e in at.error), _texts(at)
        assert "log_point" not in at.session_state

    def test_a_nonsense_reading_is_refused_by_name(self):
        at = _app("team-suixi", "pages/log_planting.py")
        _gps(at, 123.0, 110.0, 5, 9)
        assert any("位置无效" in e.value for e in at.error), _texts(at)
        assert "log_point" not in at.session_state


@pytest.mark.usefixtures("settings")
class TestNoMadeUpDefaults:
    def test_tap_and_submit_without_choosing_saves_nothing(self):
        village = _team_village("team-leizhou")
        before = _count(claimed_village_code=village["code"])
        at = _app("team-leizhou", "pages/log_planting.py")
        at.session_state["log_map"] = {"last_clicked": {"lat": village["label_lat"], "lng": village["label_lon"]}}
        at.run()
        assert at.number_input(key="log_count").value is None
        _submit(at)
        _no_exception(at)
        assert any("请填写株数" in e.value for e in at.error), _texts(at)
        assert _count(claimed_village_code=village["code"]) == before

    def test_the_species_is_the_teams_last_one_and_says_so(self):
        village = _team_village("team-leizhou")
        at = _app("team-leizhou", "pages/log_planting.py")
        species = at.selectbox(key="log_species")
        with make_engine().connect() as conn:
            last = conn.execute(select(Planting.species_id).where(Planting.claimed_village_code == village["code"])
                                .order_by(Planting.created_at.desc(), Planting.id.desc()).limit(1)).scalar()
        assert species.value == last
        assert any("沿用本队上一条记录" in c.value for c in at.caption), _texts(at)

    def test_the_carried_species_note_goes_once_another_species_is_chosen(self):
        """The note 「树种沿用本队上一条记录：…（可改）」 stayed after the team chose another species."""
        at = _app("team-leizhou", "pages/log_planting.py")
        species = at.selectbox(key="log_species")
        carried = species.value
        assert any("沿用本队上一条记录" in c.value for c in at.caption), _texts(at)
        import ui.data

        other = next(int(i) for i in ui.data.species()["id"] if int(i) != carried)
        species.set_value(other).run()
        _no_exception(at)
        assert at.selectbox(key="log_species").value not in (None, carried)
        assert not any("沿用本队上一条记录" in c.value for c in at.caption), _texts(at)

    def test_a_team_without_records_must_choose_the_species(self):
        village = _team_village("team-leizhou")
        with session_scope(make_engine()) as s:
            ids = s.scalars(select(Planting.id).where(Planting.claimed_village_code == village["code"])).all()
            s.query(Planting).filter(Planting.id.in_(ids)).update({"team_id": None}, synchronize_session=False)
            bump(s.connection(), [scope_of(village["code"])])  # a bulk write outside the audit: say so
        try:
            at = _app("team-leizhou", "pages/log_planting.py")
            assert at.selectbox(key="log_species").value is None
            at.session_state["log_map"] = {"last_clicked": {"lat": village["label_lat"], "lng": village["label_lon"]}}
            at.run()
            at.number_input(key="log_count").set_value(5)
            before = _count(claimed_village_code=village["code"])
            _submit(at)
            assert any("请选择树种" in e.value for e in at.error), _texts(at)
            assert _count(claimed_village_code=village["code"]) == before
        finally:
            team = _actor("team-leizhou").team_id
            with session_scope(make_engine()) as s:
                s.query(Planting).filter(Planting.id.in_(ids)).update({"team_id": team}, synchronize_session=False)
                bump(s.connection(), [scope_of(village["code"])])


@pytest.mark.usefixtures("settings")
class TestTypedCoordinates:
    def test_abc_leaves_no_older_point_on_screen(self):
        village = _team_village("team-suixi")
        at = _app("team-suixi", "pages/log_planting.py")
        at.session_state["log_map"] = {"last_clicked": {"lat": village["label_lat"], "lng": village["label_lon"]}}
        at.run()
        assert any("该点位于" in s.value for s in at.success)
        at.segmented_control(key="log_how").set_value("typed").run()
        at.text_input(key="log_coords").set_value("abc").run()
        _no_exception(at)
        assert at.error, "the bad entry is named"
        assert not any("该点位于" in s.value for s in at.success), _texts(at)
        assert not any("位置：经度" in c.value for c in at.caption), _texts(at)
        assert "log_point" not in at.session_state


def _reject_one_of(username: str, reason: str) -> int:
    """The team logs a record; the town lead (suixi-town) rejects it with ``reason``."""
    import uuid

    from greening.permissions import install_scope
    from greening.services import review
    from greening.services.plantings import PlantingInput, create_planting

    village = _team_village(username)
    team, lead = _actor(username), _actor("suixi-town")
    with session_scope(make_engine()) as s:
        install_scope(s, team)
        p = create_planting(s, team, PlantingInput(
            submission_id=uuid.uuid4().hex, village_code=village["code"], planted_on="2024-06-01", species="榕树",
            tree_count=3, site_type="road_side", lon=village["label_lon"], lat=village["label_lat"],
            team_id=team.team_id)).planting
        pid = p.id
    with session_scope(make_engine()) as s:
        install_scope(s, lead)
        p = s.get(Planting, pid)
        review.reject(s, lead, pid, expected_version=p.version, reason=reason)
    return pid


@pytest.mark.usefixtures("settings")
class TestRejectedRecords:
    def test_the_team_sees_the_reviewers_reason(self):
        reason = "照片看不到树苗 <b>请重拍</b>"
        pid = _reject_one_of("team-suixi", reason)
        at = _app("team-suixi", "pages/log_planting.py")
        _no_exception(at)
        notice = [w.value for w in at.warning if "被退回的记录" in w.value]
        assert notice and f"记录号 {pid}" in notice[0] and "照片看不到树苗" in notice[0], _texts(at)
        assert "<b>" not in notice[0]  # escaped
        at = _app("team-suixi", "pages/village.py")
        _no_exception(at)
        assert any("被退回的记录" in w.value for w in at.warning)
        frames = [df.value for df in at.dataframe if "退回原因" in df.value]
        assert frames and frames[0]["退回原因"].str.contains("照片看不到树苗").any()


def _jpeg(exif_gps: tuple[float, float] | None) -> bytes:
    image = Image.new("RGB", (64, 48), (40, 120, 40))
    out = io.BytesIO()
    if exif_gps is None:
        image.save(out, "JPEG")
    else:
        exif = Image.Exif()
        lon, lat = exif_gps
        gps = {1: "N", 2: (abs(int(lat)), int(abs(lat) * 60) % 60, 0.0), 3: "E",
               4: (abs(int(lon)), int(abs(lon) * 60) % 60, 0.0)}
        exif[0x8825] = gps
        image.save(out, "JPEG", exif=exif)
    return out.getvalue()


@pytest.mark.usefixtures("settings")
class TestPhotoFlags:
    def test_the_villages_page_shows_photos_with_their_flags_in_words(self, tmp_path):
        from greening.permissions import install_scope
        from greening.photos import store_photo

        village = _team_village("team-suixi")
        team = _actor("team-suixi")
        with override_settings(data_dir=tmp_path), session_scope(make_engine()) as s:
            install_scope(s, team)
            p = s.scalars(select(Planting).where(Planting.claimed_village_code == village["code"])
                          .order_by(Planting.planted_on.desc(), Planting.id.desc()).limit(1)).one()
            store_photo(s, team, p.id, _jpeg(None), "no-gps.jpg")
        with override_settings(data_dir=tmp_path):
            at = _app("team-suixi", "pages/village.py")
            _no_exception(at)
            assert at.get("image"), "the photo's thumbnail is shown"
            assert any("照片没有 GPS 位置信息" in w.value for w in at.warning), _texts(at)


@pytest.mark.usefixtures("settings")
class TestAnotherVillage:
    def test_a_team_opening_another_village_by_url_is_told(self):
        other = _team_village("team-leizhou")
        own = _team_village("team-suixi")
        at = _app("team-suixi")
        at.query_params["village"] = other["code"]
        at.switch_page("pages/village.py")
        at.run()
        _no_exception(at)
        assert any("不是本队所在村" in w.value and own["name"] in w.value for w in at.warning), _texts(at)
        assert other["name"] not in _texts(at)
        # The title comes first, above everything else on the page.
        assert at.subheader[0].value.endswith(own["name"])


@pytest.mark.usefixtures("settings")
class TestDates:
    def test_with_demo_data_the_form_defaults_to_the_report_date(self):
        from greening.demo.calendar import AS_OF

        at = _app("team-suixi", "pages/log_planting.py")
        assert at.date_input(key="log_date").value == AS_OF
        assert any("种植日期默认取该日" in c.value for c in at.caption), _texts(at)

    @pytest.mark.parametrize(("lang", "said"), [("zh", "所选日期：2024年3月12日 星期二"),
                                                ("en", "Date picked: Tuesday, 12 Mar 2024")])
    def test_the_date_picked_is_said_in_the_pages_language_with_its_weekday(self, lang, said):
        """The calendar's month and day names are the browser's language's (st.date_input has no
        locale): the line under the field says the date picked in the page's words, as soon as it
        is picked (a line inside the form would keep saying the first date until 提交)."""
        from greening.demo.calendar import AS_OF

        at = _app("team-suixi", None)
        at.session_state["lang"] = lang
        at.switch_page("pages/log_planting.py")
        at.run()
        first = t("log.date_picked", lang).format(date=fmt_weekday_date(AS_OF, lang))
        assert first in [c.value for c in at.caption], _texts(at)
        at.date_input(key="log_date").set_value(dt.date(2024, 3, 12))
        at.run()
        _no_exception(at)
        captions = [c.value for c in at.caption]
        assert said in captions and first not in captions, captions

    @pytest.mark.parametrize(("lang", "said"), [("zh", "种植日期 2024年3月12日 星期二"),
                                                ("en", "planted on Tuesday, 12 Mar 2024")])
    def test_the_confirmation_says_the_date_saved(self, lang, said):
        """已登记 says the date the record was saved with, in the page's language with its weekday,
        so that the team can check it on the spot (the calendar's names are the browser's)."""
        village = _team_village("team-suixi")
        at = _app("team-suixi", None)
        at.session_state["lang"] = lang
        at.switch_page("pages/log_planting.py")
        at.run()
        at.session_state["log_map"] = {"last_clicked": {"lat": village["label_lat"], "lng": village["label_lon"]}}
        at.run()
        at.date_input(key="log_date").set_value(dt.date(2024, 3, 12))
        at.run()
        at.number_input(key="log_count").set_value(5)
        _submit(at)
        _no_exception(at)
        saved = [m.value for m in at.success if m.value.startswith(("已登记", "Saved:"))]
        assert len(saved) == 1 and said in saved[0], _texts(at)

    def test_without_a_report_date_before_today_the_form_defaults_to_today(self):
        with override_settings(as_of=dt.date.today().isoformat()):
            at = _app("team-suixi", "pages/log_planting.py")
            assert at.date_input(key="log_date").value == dt.date.today()
            assert not any("种植日期默认取该日" in c.value for c in at.caption)

    def test_the_weekly_series_ends_at_the_report_date(self, demo_engine, system_actor):
        from greening.services.planting_views import weekly_plantings

        until = dt.date(2024, 5, 1)
        with demo_engine.connect() as conn:
            everything = weekly_plantings(conn, system_actor)
            clipped = weekly_plantings(conn, system_actor, until=until)
        assert everything["week"].max() > dt.datetime(2024, 5, 1)  # the demo has later weeks
        assert len(clipped) and clipped["week"].max() <= dt.datetime(2024, 5, 1)


@pytest.mark.usefixtures("settings")
class TestMeasuresTabs:
    @pytest.mark.parametrize(("user", "tabs"), [("city", 2), ("suixi-town", 3)])
    def test_the_attest_tab_only_for_roles_that_attest(self, user, tabs):
        at = _app(user, "pages/measures.py")
        _no_exception(at)
        assert len(at.tabs) == tabs
        assert "您无权查看此页面" not in _texts(at)
