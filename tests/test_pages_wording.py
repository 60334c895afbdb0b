"""Words and dates on the pages as users read them, in Chinese and in English: column headers,
dates in the project's one format, labels joined with the language's own colon and list marks."""
from __future__ import annotations

import re

from tests.test_pages_apptest import _app, _no_exception, app_db, settings  # noqa: F401


def _run(user: str, page: str, lang: str):
    at = _app(user, page)
    if lang != "zh":
        at.session_state["lang"] = lang
        at.run()
    _no_exception(at)
    return at


def test_the_village_cadres_table_has_headers_in_the_pages_language(settings):  # noqa: F811
    """The 驻村干部与专家 table's third column was headed 「title」 (its field name) in Chinese too."""
    for lang, headers in (("zh", ["姓名", "身份", "职务"]), ("en", ["Name", "Role", "Position"])):
        at = _run("suixi", "pages/village.py", lang)
        tables = [list(df.value.columns) for df in at.dataframe]
        assert headers in tables, tables
        assert not any("title" in cols or "kind" in cols for cols in tables), tables


ISO = re.compile(r"\d{4}-\d{2}-\d{2}")


def test_lagging_reasons_write_dates_as_the_pages_do(settings):  # noqa: F811
    """Lagging reasons said 「最早应于 2024-04-03 完成」 where every other page says 2024年4月3日."""
    at = _run("city", "pages/lagging.py", "zh")
    cards = [m.value for m in at.markdown if "逾期未做" in m.value]
    assert cards and all(re.search(r"最早应于 \d{4}年\d{1,2}月\d{1,2}日 完成", c) for c in cards), cards[:3]
    assert not any(ISO.search(c) for c in cards), cards[:3]
    at = _run("city", "pages/lagging.py", "en")
    cards = [m.value for m in at.markdown if "checks overdue" in m.value]
    assert cards and all(re.search(r"was due on \d{1,2} [A-Z][a-z]{2} \d{4}\\?\)", c) for c in cards), cards[:3]


def test_the_notices_table_writes_the_deadline_as_the_pages_do(settings):  # noqa: F811
    """The 督办单 table's 整改时限 column held 2024-06-24."""
    from tests.test_supervision_pages import _issue

    notice = _issue("440823101204")
    deadline = notice.deadline
    for lang, want in (("zh", f"{deadline.year}年{deadline.month}月{deadline.day}日"),
                       ("en", f"{deadline.day} {deadline:%b} {deadline.year}")):
        at = _run("suixi", "pages/notices.py", lang)
        col = "整改时限" if lang == "zh" else "Deadline"
        table = next(df.value for df in at.dataframe if col in df.value.columns)
        assert want in set(table[col]), set(table[col])
        assert not table[col].astype(str).str.contains(ISO).any(), set(table[col])


ROLE_EN = ("Team leader", "First secretary / instructor", "Town leader in charge", "County leader in charge",
           "City leader in charge")


def test_english_labels_take_an_english_colon_and_list(settings):  # noqa: F811
    """English cards read 「Team leader：张玉」 (a full-width colon) and joined people with 、."""
    at = _run("city", "pages/lagging.py", "en")
    lines = [line for c in at.caption for line in c.value.split("  \n") if line.startswith(ROLE_EN)]
    # (markdown-escaped: the colon is written \: and shown as ":")
    assert lines and all(re.match(r"^[A-Za-z /]+\\?: \S", line) for line in lines), lines[:5]
    assert not any("：" in line.split("（")[0] for line in lines), lines[:5]
    # people joined with ", " (a post in English closes with ")": 蔡婷（示例） (Town Party Secretary))
    several = [line for line in lines if re.search(r"[)）], ", line)]
    assert several and not any(re.search(r"[)）]、\S", line) for line in lines), lines[:5]
    at = _run("city", "pages/lagging.py", "zh")
    lines = [line for c in at.caption for line in c.value.split("  \n") if line.startswith("护绿队长")]
    assert lines and all(line.startswith("护绿队长：") for line in lines), lines[:3]


def test_one_lagging_village_is_counted_in_the_singular(settings):  # noqa: F811
    """English said 「1 lagging villages」."""
    import ui.data
    from greening.actor import Actor

    lag = ui.data.lagging(Actor.system("tests"))
    towns = lag.groupby("town_name").size()
    town = towns[towns == 1].index[0]
    from greening.area_codes import prefix_codes

    county = prefix_codes(lag.loc[lag["town_name"] == town, "code"], "county").iloc[0]
    at = _run("city", "pages/lagging.py", "en")
    at.selectbox(key="lag_county").set_value(county).run()
    at.selectbox(key="lag_town").set_value(town).run()
    _no_exception(at)
    counts = [c.value for c in at.caption if "lagging village" in c.value]
    assert counts == ["1 lagging village"], counts


def test_lagging_cards_are_numbered_within_the_list_shown(settings):  # noqa: F811
    """A town lead's page said 「共 3 个落后村」 and numbered the cards 8., 10., 13. (their city ranks)."""
    at = _run("suixi-town", "pages/lagging.py", "zh")
    count = next(c.value for c in at.caption if c.value.startswith("共 ") and "落后村" in c.value)
    n = int(re.search(r"共 ([\d,]+) 个", count).group(1).replace(",", ""))
    numbers = [int(m.group(1)) for m in (re.match(r"\*\*(\d+)\. ", x.value) for x in at.markdown) if m]
    assert n >= 2 and numbers == list(range(1, min(n, 20) + 1)), (count, numbers)


def test_rejected_plantings_in_the_inbox_are_headed_by_their_planting_date(settings):  # noqa: F811
    """The inbox's table of rejected plantings headed the planting date 「应查日期」 (the due date of a check)."""
    from sqlalchemy import select

    from greening.actor import Actor
    from greening.db import make_engine, session_scope
    from greening.models import Planting, User
    from greening.models.enums import PlantingStatus, Role
    from greening.permissions import install_scope
    from greening.services.review import reject

    with session_scope(make_engine()) as s:
        u = s.scalar(select(User).where(User.username == "suixi"))
        lead = Actor(user_id=u.id, username="suixi", role=Role.COUNTY_LEAD, scope_prefix="440823")
        install_scope(s, Actor.system("tests"))
        p = s.scalars(select(Planting).where(Planting.claimed_village_code == "440823101001",
                                             Planting.deleted_at.is_(None)).order_by(Planting.id)).first()
        p.status = PlantingStatus.SUBMITTED.value  # waiting for review, then rejected by the county
        s.flush()
        planted = p.planted_on
        install_scope(s, lead)
        reject(s, lead, p.id, expected_version=p.version, reason="照片模糊（测试）")
    for lang, col, want in (("zh", "种植日期", f"{planted.year}年{planted.month}月{planted.day}日"),
                            ("en", "Planted on", f"{planted.day} {planted:%b} {planted.year}")):
        at = _run("team-suixi", "pages/inbox.py", lang)
        table = next(df.value for df in at.dataframe if ("退回原因" if lang == "zh" else "Reason") in df.value.columns)
        assert col in table.columns and "应查日期" not in table.columns and "Due" not in table.columns, list(table.columns)
        assert want in set(table[col]), set(table[col])
