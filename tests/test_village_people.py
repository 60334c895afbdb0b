"""The village page's cadres and experts (驻村干部与专家): each person once, with every role they
serve the village's areas in, and their post in the page's language; headless on a small demo database."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select
from streamlit.testing.v1 import AppTest

from greening.area_codes import county_of
from greening.db import make_engine
from greening.i18n import STRINGS, label, position, t
from greening.models import AdminArea, Assignment, Person
from greening.models.enums import PersonKind
from tests.fixtures.demo_db import demo_copy_fixtures
from tests.fixtures.pages import signed_in_page

demo_url, settings = demo_copy_fixtures("villagepeopledb")


def _app(username: str, lang: str, village: str) -> AppTest:
    return signed_in_page(username, "pages/village.py", lang, state={"village_code": village})


def _leader_of_county_and_town() -> tuple[str, str, str]:
    """(name, title, a village of the town) of a city leader in charge of a county and of a town in it."""
    with make_engine().connect() as conn:
        rows = conn.execute(select(Person.id, Person.name, Person.title, Assignment.area_code)
                            .join(Assignment, Assignment.person_id == Person.id)
                            .where(Person.kind == "city_leader").order_by(Person.id)).all()
        by_person: dict[int, list] = {}
        for pid, name, title, area in rows:
            by_person.setdefault(pid, [name, title, []])[2].append(area)
        for name, title, areas in by_person.values():
            town = next((a for a in areas if a.endswith("000") and not a.endswith("000000")), None)
            if town and county_of(town) in areas:
                village = conn.execute(select(func.min(AdminArea.code)).where(
                    AdminArea.level == "village", AdminArea.code.startswith(town[:9]))).scalar_one()
                return name, title, village
    raise AssertionError("the demo has a city leader in charge of a county and a town")


def _people_table(at: AppTest, lang: str):
    heading = t("village.people.name", lang)
    return next(df.value for df in at.dataframe if heading in df.value.columns)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_leader_of_the_county_and_the_town_is_listed_once_with_the_post_in_the_page_language(settings, lang):
    name, title, village = _leader_of_county_and_town()
    at = _app("city", lang, village)
    people = _people_table(at, lang)
    mine = people[people[t("village.people.name", lang)] == name]
    assert len(mine) == 1, people
    assert mine[t("village.people.kind", lang)].iloc[0] == label(PersonKind, "city_leader", lang)
    assert mine[t("village.people.title", lang)].iloc[0] == position(title, lang)
    if lang == "en":
        # every post in English (the demo's posts are the campaign's fixed set)
        shown = "".join(people[t("village.people.title", lang)])
        assert not any("\u4e00" <= ch <= "\u9fff" for ch in shown), shown
        assert position(title, lang) != title


def test_one_person_in_two_roles_is_one_row_with_both_roles():
    import pandas as pd

    from greening.services.village_detail import _people

    rows = pd.DataFrame([(1, "甲", "city_leader", "副市长", "city_leader", "440823101000"),
                         (2, "乙", "graded_cadre", "四级调研员", "graded_cadre", "440823101001"),
                         (1, "甲", "city_leader", "副市长", "county_leader", "440823000000"),
                         (1, "甲", "city_leader", "副市长", "city_leader", "440823000000")],
                        columns=["id", "name", "kind", "title", "role", "area_code"]).assign(start_on=None, end_on=None)
    out = _people(rows)
    assert out["name"].tolist() == ["甲", "乙"]
    assert out.iloc[0]["role"] == ["city_leader", "county_leader"]
    assert out.iloc[0]["area_code"] == ["440823101000", "440823000000"]


def test_every_post_of_the_demo_rosters_has_english(settings):
    with make_engine().connect() as conn:
        titles = {x for (x,) in conn.execute(select(Person.title).distinct()) if x}
    assert titles and all(f"position.{x}" in STRINGS for x in titles), sorted(
        x for x in titles if f"position.{x}" not in STRINGS)
    assert position("未列出的职务", "en") == "未列出的职务" and position(None, "en") == ""
