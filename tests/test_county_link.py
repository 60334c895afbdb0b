"""A link to the county dashboard (``?county=``) naming a county the user may not open says so, in
the page's language, as a village's link does, and the user's own area is shown; a city-wide user's
link opens the county it names. Headless on a small demo database."""
from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from greening.i18n import t
from tests.fixtures.demo_db import demo_copy_fixtures
from tests.fixtures.pages import signed_in_page

demo_url, settings = demo_copy_fixtures("countylinkdb")


def _county_page(username: str, lang: str, county: str | None) -> AppTest:
    return signed_in_page(username, "pages/county.py", lang, query={"county": county} if county else None)


def _warnings(at: AppTest) -> list[str]:
    return [w.value for w in at.warning if "示例数据 / demo data" not in w.value]


def _title(at: AppTest) -> str:
    return "\n".join(h.value for h in (*at.title, *at.header, *at.subheader)) + "\n".join(
        m.value for m in at.markdown)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_county_lead_given_another_countys_link_is_told_and_sees_their_own(settings, lang):
    at = _county_page("suixi", lang, "440882")  # 雷州市, not 遂溪县's lead's
    own = "Suixi County" if lang == "en" else "遂溪县"
    assert _warnings(at) == [t("county.only_own", lang, code="440882", own=own)]
    assert t("county.title", lang, name=own) in _title(at)
    assert at.query_params["county"] == "440823"  # the address names what is shown
    at.run()  # the next run of the page: told once, not again
    assert _warnings(at) == []


def test_a_town_lead_is_told_their_own_town_is_shown(settings):
    at = _county_page("suixi-town", "zh", "440882000000")
    [warning] = _warnings(at)
    assert warning.startswith("链接中的县区（440882）不在您的管辖范围内") and "遂溪县 · " in warning, warning


def test_a_county_leads_own_county_in_the_link_says_nothing(settings):
    at = _county_page("suixi", "zh", "440823")
    assert _warnings(at) == []


def test_a_city_users_link_opens_the_county_and_the_picker_still_chooses(settings):
    at = _county_page("city", "zh", "440882")
    assert _warnings(at) == [] and at.selectbox(key="county_pick").value == "440882"
    assert t("county.title", name="雷州市") in _title(at)
    at.selectbox(key="county_pick").set_value("440823").run()
    assert at.selectbox(key="county_pick").value == "440823"  # not snapped back to the link's county
    assert t("county.title", name="遂溪县") in _title(at) and at.query_params["county"] == "440823"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_link_naming_no_county_says_so(settings, lang):
    from greening.geo.boundaries import COUNTIES

    at = _county_page("city", lang, "999999")
    shown = at.selectbox(key="county_pick").value
    name = COUNTIES[shown][1 if lang == "en" else 0]
    assert _warnings(at) == [t("county.unknown", lang, code="999999", own=name)]
    assert t("county.title", lang, name=name) in _title(at)
