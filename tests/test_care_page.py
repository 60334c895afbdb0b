"""The care-check page headless, as the team of a demo village: the checks due this week and
overdue, one picked from that list and recorded once (pressed twice), and one matched by position."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from greening.actor import Actor
from greening.coverage.load import report_date
from greening.db import make_engine, read_session, session_scope
from greening.i18n import fmt_weekday_date, t
from greening.models import CareCheck, Planting
from greening.supervision.care_schedule import due_checks
from tests.test_pages_apptest import _app, _no_exception, _texts, app_db, settings  # noqa: F401

TEAM_VILLAGE = "440823101001"  # team-suixi's village in the demo


def _due():
    with read_session(make_engine()) as s:
        return due_checks(s, Actor.system("tests"), report_date(s.connection()), village_code=TEAM_VILLAGE)


def report_date_of() -> dt.date:
    with read_session(make_engine()) as s:
        return report_date(s.connection())


def _planted(sub: str, lon_shift: float = 0.0) -> int:
    """A verified planting of the team's village from 1 March 2024: its 3-month check (due 1 June)
    is overdue on the demo's report date (10 June)."""
    import datetime as dt

    from greening.auth import actor_from_token
    from greening.permissions import install_scope
    from greening.services.plantings import PlantingInput, create_planting
    from tests.test_pages_apptest import _team_village, _token

    village = _team_village("team-suixi")
    with session_scope(make_engine()) as s:
        actor = actor_from_token(s, _token("team-suixi"))
        install_scope(s, actor)
        made = create_planting(s, actor, PlantingInput(
            submission_id=sub, village_code=TEAM_VILLAGE, planted_on=dt.date(2024, 3, 1), species="樟树",
            tree_count=12, site_type="路旁", lon=village["label_lon"] + lon_shift, lat=village["label_lat"]))
        pid = made.planting.id
    with session_scope(make_engine()) as s:
        install_scope(s, Actor.system("tests"))
        s.get(Planting, pid).status = "verified"
    return pid


def _checks(**where) -> int:
    with read_session(make_engine()) as s:
        stmt = select(func.count()).select_from(CareCheck)
        for k, v in where.items():
            stmt = stmt.where(getattr(CareCheck, k) == v)
        return s.scalar(stmt)


def _submit(at):
    next(b for b in at.button if b.label in ("提交核查", "Submit the check")).click().run()
    _no_exception(at)



def _pick_by_position(at, planting_id: int) -> None:
    """The check's planting found by position: typed at the point of ``planting_id``, its species."""
    with read_session(make_engine()) as s:
        p = s.get(Planting, planting_id)
        lon, lat, species_id = p.lon, p.lat, p.species_id
    at.segmented_control(key="care_pick_how").set_value("position").run()
    at.segmented_control(key="care_how").set_value("typed").run()
    at.text_input(key="care_coords").set_value(f"{lon:.7f}, {lat:.7f}").run()
    at.selectbox(key="care_species").set_value(species_id).run()

def test_a_due_check_is_picked_from_the_list_and_saved_once(settings):  # noqa: F811
    _planted("care-page-1")
    due = _due()
    at = _app("team-suixi", "pages/care_check.py")
    _no_exception(at)
    assert at.subheader[0].value == "管护与成活率核查"
    assert f"本周到期与逾期 · {len(due)}" in _texts(at)
    box = at.selectbox(key="care_pick")
    first = int(due["planting_id"].iloc[0])
    assert box.options[0].startswith(f"#{first} ") and "第 " in box.options[0]
    box.set_value(first).run()
    trees = int(due["tree_count"].iloc[0])
    at.number_input(key="care_alive").set_value(trees)
    at.multiselect(key="care_tasks").set_value(["water", "weed"])
    before = _checks(planting_id=first)
    _submit(at)
    assert any(f"已保存植树记录 #{first} 的成活率核查" in s.value for s in at.success), _texts(at)
    assert _checks(planting_id=first) == before + 1
    sid = at.session_state["care_submission_id"]
    with read_session(make_engine()) as s:
        stored = s.scalar(select(CareCheck).where(CareCheck.submission_id == sid))
        assert (stored.kind, stored.alive_count, stored.note) == ("survival", trees, "浇水、除草")

    # the checked planting's due check is gone from the list
    rest = _due()
    assert not ((rest["planting_id"] == first) & (rest["months"] == due["months"].iloc[0])).any()

    # sent again (the confirmation never reached the phone; the planting is no longer due, so
    # found by position): the same submission id, nothing recorded twice
    del at.session_state["care_done"]
    at.run()
    _pick_by_position(at, first)
    at.number_input(key="care_alive").set_value(trees)
    at.multiselect(key="care_tasks").set_value(["water", "weed"])
    _submit(at)
    assert any("已保存过" in i.value for i in at.info), _texts(at)
    assert _checks(submission_id=sid) == 1 and _checks(planting_id=first) == before + 1


@pytest.mark.parametrize(("lang", "said"), [("zh", "所选日期：2024年5月28日 星期二"),
                                            ("en", "Date picked: Tuesday, 28 May 2024")])
def test_the_date_picked_is_said_in_the_pages_language_with_its_weekday(settings, lang, said):  # noqa: F811
    """As on 种植登记: the calendar's month and day names are the browser's language's
    (st.date_input has no locale), so the line under the field says the date picked in the page's
    words, as soon as it is picked (a line inside the form would keep the first date until 提交)."""
    at = _app("team-suixi", None)
    at.session_state["lang"] = lang
    at.switch_page("pages/care_check.py")
    at.run()
    _no_exception(at)
    first = t("log.date_picked", lang).format(date=fmt_weekday_date(report_date_of(), lang))
    assert first in [c.value for c in at.caption], _texts(at)
    at.date_input(key="care_date").set_value(dt.date(2024, 5, 28))
    at.run()
    _no_exception(at)
    captions = [c.value for c in at.caption]
    assert said in captions and first not in captions, captions


@pytest.mark.parametrize(("lang", "said"), [("zh", "核查日期 2024年5月28日 星期二"),
                                            ("en", "checked on Tuesday, 28 May 2024")])
def test_the_confirmation_says_the_date_saved(settings, lang, said):  # noqa: F811
    """The confirmation says the date the check was saved with, in the page's language with its
    weekday, so that the team can check it on the spot; a second sending of it says it too."""
    pid = _planted(f"care-page-date-{lang}", lon_shift=0.004 if lang == "zh" else 0.006)
    at = _app("team-suixi", None)
    at.session_state["lang"] = lang
    at.switch_page("pages/care_check.py")
    at.run()
    at.selectbox(key="care_pick").set_value(pid).run()
    at.date_input(key="care_date").set_value(dt.date(2024, 5, 28))
    at.run()
    at.number_input(key="care_alive").set_value(10)
    _submit(at)
    saved = [m.value for m in at.success]
    assert len(saved) == 1 and said in saved[0], _texts(at)
    # the kind inside the sentence as a sentence says it ("Saved the Survival check" before)
    assert ("的成活率核查，" if lang == "zh" else "Saved the survival check of planting") in saved[0], saved
    # sent again (the confirmation lost): the check already saved, with its date
    del at.session_state["care_done"]
    at.run()
    at.segmented_control(key="care_pick_how").set_value("position").run()
    at.segmented_control(key="care_how").set_value("typed").run()
    with read_session(make_engine()) as s:
        p = s.get(Planting, pid)
        lon, lat, species_id = p.lon, p.lat, p.species_id
    at.text_input(key="care_coords").set_value(f"{lon:.7f}, {lat:.7f}").run()
    at.selectbox(key="care_species").set_value(species_id).run()
    _submit(at)
    assert any(said in i.value for i in at.info), _texts(at)


def test_a_check_logged_by_position_is_matched_to_the_planting(settings):  # noqa: F811
    pid = _planted("care-page-2", lon_shift=0.002)  # about 200 m from the other one
    with read_session(make_engine()) as s:
        p = s.get(Planting, pid)
        lon, lat, species_id, trees = p.lon, p.lat, p.species_id, p.tree_count
    at = _app("team-suixi", "pages/care_check.py")
    at.segmented_control(key="care_pick_how").set_value("position").run()
    at.segmented_control(key="care_how").set_value("typed").run()
    at.text_input(key="care_coords").set_value(f"{lon + 0.00005:.7f}, {lat:.7f}").run()
    at.selectbox(key="care_species").set_value(species_id).run()
    _no_exception(at)
    assert any(f"匹配到记录 #{pid}" in s.value and "相距 5 米" in s.value for s in at.success), _texts(at)
    at.segmented_control(key="care_kind").set_value("care")
    before = _checks(planting_id=pid)
    _submit(at)
    assert any(f"已保存植树记录 #{pid} 的管护" in s.value for s in at.success), _texts(at)
    assert _checks(planting_id=pid) == before + 1
    assert trees > 0


def test_the_point_picked_for_a_planting_is_not_the_care_checks(settings):  # noqa: F811
    """A team that picked a place on 种植登记 and then opened 管护核查 found that point already
    pinned on the care map and matched to a planting, before choosing anything there."""
    pid = _planted("care-page-3", lon_shift=0.004)
    with read_session(make_engine()) as s:
        p = s.get(Planting, pid)
        lon, lat, species_id = p.lon, p.lat, p.species_id
    at = _app("team-suixi", "pages/care_check.py")
    at.session_state["log_point"] = (lon, lat)  # picked on the planting page, this session
    at.session_state["log_point_source"] = {"kind": "gps", "accuracy": 8.0}
    at.segmented_control(key="care_pick_how").set_value("position").run()
    at.selectbox(key="care_species").set_value(species_id).run()
    _no_exception(at)
    assert not any("匹配到记录" in s.value for s in at.success), _texts(at)
    assert "care_point" not in at.session_state
    assert at.session_state["log_point"] == (lon, lat)  # the planting page's point is kept for it


def test_typed_coordinates_say_which_village_like_a_tapped_point(settings):  # noqa: F811
    """Coordinates typed on 管护核查 showed no 「该点位于…」 line (a tapped point on 种植登记 does),
    and with no species chosen the page said nothing until 提交核查 answered 「请选择一条植树记录」,
    a list the team was not picking from."""
    pid = _planted("care-page-4", lon_shift=0.001)
    with read_session(make_engine()) as s:
        p = s.get(Planting, pid)
        lon, lat, species_id = p.lon, p.lat, p.species_id
    at = _app("team-suixi", "pages/care_check.py")
    at.segmented_control(key="care_pick_how").set_value("position").run()
    at.segmented_control(key="care_how").set_value("typed").run()
    # nothing typed yet: the hint is about typing, not about GPS or the map
    assert any(i.value == "请先输入核查位置的坐标" for i in at.info), _texts(at)
    assert not any("定位" in i.value for i in at.info), _texts(at)
    at.text_input(key="care_coords").set_value(f"{lon:.7f}, {lat:.7f}").run()
    _no_exception(at)
    assert any(s.value.startswith("该点位于：北寮社区（示例）") for s in at.success), _texts(at)
    assert any(c.value.startswith("位置：经度") for c in at.caption), _texts(at)
    # no species yet: the page asks for the species, and so does the press
    assert any(i.value.startswith("请选择树种") for i in at.info), _texts(at)
    _submit(at)
    assert [e.value for e in at.error] == [t("care.need_species")], _texts(at)
    at.selectbox(key="care_species").set_value(species_id).run()
    assert any(f"匹配到记录 #{pid}" in s.value for s in at.success), _texts(at)
    assert not any(i.value.startswith("请选择树种") for i in at.info), _texts(at)


def test_english_typed_coordinates_name_the_village(settings):  # noqa: F811
    at = _app("team-suixi", "pages/care_check.py")
    at.session_state["lang"] = "en"
    at.run()
    at.segmented_control(key="care_pick_how").set_value("position").run()
    at.segmented_control(key="care_how").set_value("typed").run()
    village = _team_village_point()
    at.text_input(key="care_coords").set_value(f"{village[0]:.7f}, {village[1]:.7f}").run()
    _no_exception(at)
    line = next(s.value for s in at.success if s.value.startswith("This point is in "))
    # the county in English as other pages say it: it read 「(金岭镇（示例）, 遂溪县)」
    assert line.endswith(", Suixi County)") and "遂溪县" not in line, line
    assert any(i.value == t("care.need_species", "en") for i in at.info), _texts(at)


def _team_village_point() -> tuple[float, float]:
    from tests.test_pages_apptest import _team_village

    village = _team_village("team-suixi")
    return village["label_lon"], village["label_lat"]


def test_a_double_press_is_confirmed_once(settings, monkeypatch):  # noqa: F811
    """提交核查 pressed twice, the second press arriving while the first press's run goes on after its
    check is saved: one check, confirmed as saved, not 「这次核查已保存过」 (as if sent before)."""
    import greening.services.care as care
    from tests.fixtures.double_press import press_again_after

    _planted("care-double-1")
    due = _due()
    at = _app("team-suixi", "pages/care_check.py")
    first = int(due["planting_id"].iloc[0])
    at.selectbox(key="care_pick").set_value(first).run()
    at.number_input(key="care_alive").set_value(int(due["tree_count"].iloc[0]))
    before = _checks(planting_id=first)
    saves = press_again_after(monkeypatch, care, "record_check")
    _submit(at)
    sid = at.session_state["care_submission_id"]
    assert _checks(submission_id=sid) == 1 and _checks(planting_id=first) == before + 1
    saved = [s.value for s in at.success if f"已保存植树记录 #{first} 的" in s.value]
    assert len(saved) == 1, _texts(at)
    assert not [i.value for i in at.info if "已保存过" in i.value], _texts(at)
    assert saves[0][1] is True  # the first press saved the check


def test_submit_is_disabled_with_the_reason_when_no_planting_is_within_reach(settings):  # noqa: F811
    """By position, with no verified planting of the species within reach (「30 米内没有同树种的已核实
    植树记录」 said above the form), 提交核查 stayed active and its press answered 「请选择一条植树
    记录」. It is disabled, the reason under it; once a planting matches, it can be pressed."""
    from sqlalchemy import select

    from greening.models import Species

    pid = _planted("care-page-nomatch", lon_shift=0.002)
    with read_session(make_engine()) as s:
        p = s.get(Planting, pid)
        lon, lat, species_id = p.lon, p.lat, p.species_id
        planted = select(Planting.species_id).where(Planting.species_id.is_not(None),
                                                    Planting.claimed_village_code == p.claimed_village_code)
        unplanted = s.scalar(select(Species.id).where(Species.id.not_in(planted)).order_by(Species.id))
    assert unplanted is not None
    at = _app("team-suixi", "pages/care_check.py")
    at.segmented_control(key="care_pick_how").set_value("position").run()
    at.segmented_control(key="care_how").set_value("typed").run()
    at.text_input(key="care_coords").set_value(f"{lon:.7f}, {lat:.7f}").run()
    at.selectbox(key="care_species").set_value(unplanted).run()  # none of it in the village
    _no_exception(at)
    assert at.selectbox(key="care_species").value == unplanted != species_id, (unplanted, species_id)
    assert any("米内没有同树种的已核实植树记录" in e.value for e in at.error), _texts(at)
    button = next(b for b in at.button if b.label == "提交核查")
    assert button.disabled, "提交核查 is active with nothing it could record"
    assert t("care.no_match") in [c.value for c in at.caption], _texts(at)
    at.selectbox(key="care_species").set_value(species_id).run()
    assert any("匹配到记录 #" in s.value for s in at.success), _texts(at)  # ours, or another test's there
    assert not next(b for b in at.button if b.label == "提交核查").disabled
    assert t("care.no_match") not in [c.value for c in at.caption]


def test_a_survival_check_sent_again_the_same_day_as_a_new_check_is_refused(settings):  # noqa: F811
    """成活率核查 saved, 再记一条 pressed (a new submission id) and the same planting's survival
    check sent again for the same day: it was stored as a second check, counted twice. The page
    says the planting was checked that day, naming the check kept, and nothing is recorded."""
    first = _planted("care-page-again", lon_shift=0.003)  # its own point: found by position below
    at = _app("team-suixi", "pages/care_check.py")
    _no_exception(at)
    at.selectbox(key="care_pick").set_value(first).run()
    at.number_input(key="care_alive").set_value(11)
    _submit(at)
    assert any(f"已保存植树记录 #{first} 的成活率核查" in s.value for s in at.success), _texts(at)
    kept = at.session_state["care_done"]["id"]
    day = at.session_state["care_done"]["checked_on"]
    at.button(key="care_another").click().run()
    _no_exception(at)
    # no longer due: found by position, as a team at the planting would
    _pick_by_position(at, first)
    at.number_input(key="care_alive").set_value(10)
    _submit(at)
    from ui.layout import md_escape

    assert [e.value for e in at.error] == [md_escape(
        f"植树记录 #{first} 在 {day} 已有成活率核查（核查编号 {kept}，成活 11 株）；同一天不再记第二次，原核查保留")], _texts(at)
    assert not any("已保存" in s.value for s in at.success), _texts(at)
    assert _checks(planting_id=first, kind="survival") == 1
