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
    several = [line for line in lines if "）, " in line]
    assert several and not any(re.search(r"）、\S", line) for line in lines), lines[:5]
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
