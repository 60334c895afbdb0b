"""The lagging list (reason kinds, cards with every reason and each person's role, the export's own
columns) and the language switch on the review, administration and log-in pages, headless on a
small demo database."""
from __future__ import annotations

import io

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from greening.auth import DEMO_ACCOUNTS, authenticate
from greening.config import REPO_ROOT
from greening.db import make_engine, session_scope
from tests.fixtures.demo_db import demo_copy_fixtures

APP = str(REPO_ROOT / "app.py")
PASSWORDS = {a.username: a.password for a in DEMO_ACCOUNTS}
KINDS_ZH = {"进度落后", "无种植计划", "长期无活动", "措施落实率低", "成活率低", "无护绿队", "护绿队停用",
            "无驻村干部", "记录点位在村外", "上报植树未见成效", "管护核查逾期"}


demo_url, settings = demo_copy_fixtures("langdb")


def _app(username: str | None, page: str | None = None, lang: str = "zh", *, direct: bool = False) -> AppTest:
    at = AppTest.from_file(str(REPO_ROOT / page) if direct else APP, default_timeout=90)
    if username:
        with session_scope(make_engine()) as s:
            at.session_state["greening_token"] = authenticate(s, username, PASSWORDS[username]).token
    at.session_state["basemap"] = "none"
    at.session_state["lang"] = lang
    at.run()
    if page and not direct:
        at.switch_page(page)
        at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


class TestLagging:
    def test_the_reason_filter_offers_reason_kinds(self, settings):
        at = _app("city", "pages/lagging.py")
        box = at.multiselect(key="lag_reasons")
        shown = set(box.options)
        assert shown <= KINDS_ZH and len(shown) >= 3, shown
        assert not any("%" in o or "株" in o for o in shown)
        from ui.lagging_view import REASON_KINDS, kind_name

        def count() -> int:
            text = next(c.value for c in at.caption if "落后村" in c.value)
            return int("".join(ch for ch in text if ch.isdigit()))

        before = count()
        counts = {}
        for kind in (k for k in REASON_KINDS if kind_name(k) in shown):
            at.multiselect(key="lag_reasons").set_value([kind]).run()
            counts[kind] = count()
        assert all(0 < n <= before for n in counts.values()) and min(counts.values()) < before, counts

    @pytest.mark.parametrize("lang", ["en", "zh"])
    def test_the_county_picker_names_counties_in_the_tab_language(self, settings, lang):
        from greening.geo.boundaries import COUNTIES

        at = _app("city", "pages/lagging.py", lang=lang, direct=True)
        box = at.selectbox(key="lag_county")
        names = box.options[1:]
        assert box.options[0] == ("All" if lang == "en" else "全部")
        wanted = {en if lang == "en" else zh for zh, en in COUNTIES.values()}
        assert len(names) > 1 and set(names) <= wanted, names
        if lang == "en":
            assert not any("\u4e00" <= ch <= "\u9fff" for ch in "".join(names)), names
        # choosing one (by its code) keeps only that county's villages
        code = next(c for c, (zh, en) in COUNTIES.items() if (en if lang == "en" else zh) == names[0])
        box.set_value(code).run()
        assert not at.exception
        heads = [m.value for m in at.markdown if m.value.startswith("**")]
        assert heads and all(names[0] in h for h in heads), heads[:3]

    def test_cards_show_every_reason_and_each_person_with_a_role(self, settings):
        at = _app("city", "pages/lagging.py")
        texts = [m.value for m in at.markdown]
        assert any(t.startswith("**1. ") for t in texts)
        reasons = [t for t in texts if t.startswith("- ")]
        assert reasons and any("完成" in t and "株" in t for t in reasons)  # the full sentence
        people = [c.value for c in at.caption if "：" in c.value and ("护绿队长" in c.value or "包镇领导" in c.value)]
        assert people, "responsible people are listed with their roles"
        first = people[0].split("  \n")[0]
        assert first.split("：")[0] in {"护绿队长", "第一书记/党建指导员", "包镇领导", "包县领导", "市级挂点领导"}

    def test_english_cards_name_each_persons_post_in_english(self, settings):
        """落后村预警 in English listed every responsible person's post in Chinese: 张三（副处级干部）."""
        import re

        at = _app("city", "pages/lagging.py", "en")
        people = [c.value.replace("\\", "") for c in at.caption  # the markdown's escapes dropped
                  if "Team leader" in c.value or "in charge" in c.value]
        assert people, [c.value for c in at.caption]
        posts = [post for text in people for post in re.findall(r"\(([^()]+(?:\([^()]*\))?)\)", text)]
        assert len(posts) >= 5, people[:3]
        assert not [p for p in posts if re.search(r"[\u4e00-\u9fff]", p)], posts
        assert any("(Town Party Secretary)" in t or "(Subdistrict Party Working Committee Secretary)" in t
                   for t in people), people[:3]

    def test_the_export_has_numeric_columns_and_the_village_code(self, settings):
        import ui.data
        from greening.actor import Actor
        from greening.exports import to_xlsx_bytes
        from ui.lagging_view import export_frame

        actor = Actor.system("tests")
        frame = export_frame(ui.data.lagging(actor), ui.data.villages(actor))
        for column in ("村代码", "计划完成率（%）", "计划株数", "已种株数", "措施覆盖率（%）", "成活率（%）",
                       "无活动天数", "原因类别", "护绿队长", "包镇领导"):
            assert column in frame.columns, column
        assert frame["村代码"].str.fullmatch(r"4408\d{8}").all()
        care = frame[frame["原因类别"].str.contains("管护核查逾期")]  # the care schedule's reason kind
        assert len(care) and care["原因"].str.contains("逾期未做").all()
        assert pd.api.types.is_numeric_dtype(frame["计划完成率（%）"])
        assert pd.api.types.is_numeric_dtype(frame["已种株数"])
        assert frame["计划完成率（%）"].between(0, 1000).all()
        back = pd.read_excel(io.BytesIO(to_xlsx_bytes(frame)), dtype={"村代码": str})
        assert back["村代码"].iloc[0] == frame["村代码"].iloc[0]
        assert pd.api.types.is_numeric_dtype(back["计划完成率（%）"])


class TestEnglishSwitch:
    @pytest.mark.parametrize("page, user, title, title_zh", [
        ("pages/review.py", "suixi", "Review", "核查审核"),
        ("pages/admin_users.py", "admin", "Users", "用户管理"),
        ("pages/admin_audit.py", "admin", "Audit log", "审计日志"),
    ])
    def test_pages_follow_the_switch(self, settings, page, user, title, title_zh):
        en = _app(user, page, lang="en", direct=True)
        assert title in [s.value for s in en.subheader]
        words = " ".join([*(s.value for s in en.subheader),
                          *(w.label for w in en.text_input), *(b.label for b in en.button)])
        assert not any("\u4e00" <= ch <= "\u9fff" for ch in words), words
        zh = _app(user, page, lang="zh", direct=True)
        assert title_zh in [s.value for s in zh.subheader]
        zh_words = " ".join([*(s.value for s in zh.subheader), *(w.label for w in zh.text_input),
                             *(b.label for b in zh.button)])
        assert " / " not in zh_words and not any(w in zh_words for w in ("Review", "User", "Log", "Record")), zh_words

    def test_the_log_in_form_follows_the_switch(self, settings):
        at = _app(None)
        assert at.text_input(key="login_username").label == "用户名"
        at.radio(key="_lang_switch").set_value("en").run()
        assert at.text_input(key="login_username").label == "User name"
        assert at.text_input(key="login_password").label == "Password"
        assert any(b.label == "Log in" for b in at.button)
        assert any(s.value == "Log in" for s in at.subheader)


class TestCountyTowns:
    def test_town_figures_are_the_weighted_roll_up(self, settings):
        import ui.data
        from greening.actor import Actor
        from greening.i18n import fmt_pct
        from greening.models.enums import Role

        at = _app("suixi", "pages/county.py")
        frames = [d.value for d in at.dataframe]
        table = next((f for f in frames if list(f.columns)[:1] == ["镇（街道）"]), None)
        assert table is not None, [list(f.columns) for f in frames]
        lead = Actor(None, "t", Role.COUNTY_LEAD, scope_prefix="440823")
        towns = ui.data.coverage(lead)["towns"]
        towns = towns[towns["code"].str.startswith("440823")].set_index("name")
        villages = ui.data.villages(lead)
        plain = villages.groupby("town_name")["coverage"].mean()
        differs = 0
        for row in table.to_dict("records"):
            town = towns.loc[row["镇（街道）"]]
            assert row["措施覆盖率"] == fmt_pct(town["coverage"]), row
            assert row["成活率"] == fmt_pct(town["survival_rate"]), row
            differs += fmt_pct(plain[row["镇（街道）"]]) != row["措施覆盖率"]
        assert differs, "the weighted figures differ from plain means for some town"


    @pytest.mark.parametrize("lang", ["zh", "en"])
    def test_counts_have_thousands_separators_in_every_table(self, settings, lang):
        """The towns' table showed 35294 trees (the headline figures and charts say 35,294): every
        column of whole numbers above 999 on the page is drawn with separators, and stays numbers
        (a column of text would sort 9 after 10,000). Years are not counts."""
        import json

        at = _app("suixi", "pages/county.py", lang=lang)
        checked = []
        for frame in at.dataframe:
            config = json.loads(frame.proto.columns or "{}")
            table = frame.value
            for col in table.columns:
                values = pd.to_numeric(table[col], errors="coerce").dropna()
                if col in ("年度", "Year") or not len(values) or values.max() < 1000 or \
                        not (values == values.round()).all():
                    continue
                assert pd.api.types.is_numeric_dtype(table[col]), (col, table[col].dtype)
                assert config.get(col, {}).get("type_config", {}).get("format") == "localized", (col, config)
                checked.append(col)
        planned, planted = ("计划株数", "已种株数") if lang == "zh" else ("Planned", "Planted")
        assert checked.count(planned) == 2 and checked.count(planted) == 2, checked  # towns and villages


class TestEnglishNames:
    def test_counties_and_species_in_english_tables(self, settings):
        from greening.geo.boundaries import COUNTIES

        english = {en for _zh, en in COUNTIES.values()}
        at = _app("city", "pages/teams.py", lang="en", direct=True)
        table = next(d.value for d in at.dataframe if "County" in d.value.columns)
        assert set(table["County"]) <= english and len(set(table["County"])) > 1, set(table["County"])
        at = _app("city", "pages/lagging.py", lang="en", direct=True)
        heads = [m.value for m in at.markdown if m.value.startswith("**1. ")]
        assert heads and any(en in heads[0] for en in english), heads
        assert not any(zh in heads[0] for zh, _en in COUNTIES.values()), heads


class TestEnglishPageSwitch:
    """Moving from page to page in English: a widget's labels (its ``format_func``) stay English
    when Streamlit reads them again after the run; they used to fall back to Chinese there and
    ``AppTest`` raised ``ValueError: '措施覆盖率' is not in list`` on the next page."""

    @pytest.mark.parametrize("user, pages", [
        ("city", [("pages/overview.py", "City overview"), ("pages/county.py", "County dashboard: "),
                  ("pages/lagging.py", "Lagging villages"), ("pages/designations.py", "Demonstration sites"),
                  ("pages/overview.py", "City overview")]),
        ("admin", [("pages/admin_audit.py", "Audit log"), ("pages/admin_users.py", "Users"),
                   ("pages/admin_rasters.py", "Land-cover and canopy rasters"), ("pages/admin_audit.py", "Audit log")]),
    ])
    def test_switching_pages_in_english(self, settings, user, pages):
        at = _app(user, lang="en")
        for page, title in pages:
            at.switch_page(page)
            at.run()
            assert not at.exception, (page, [e.value for e in at.exception])
            heads = [s.value for s in at.subheader]
            assert any(h.startswith(title) for h in heads), (page, heads)
            labels = [w.label for w in (*at.selectbox, *at.multiselect)]
            assert labels and not any("\u4e00" <= ch <= "\u9fff" for ch in " ".join(labels)), (page, labels)


@pytest.fixture
def tab_language():
    """Set the tab's language for code that reads it outside a page run; Chinese again afterwards."""
    import streamlit as st

    def choose(lg: str) -> None:
        st.session_state["lang"] = lg

    yield choose
    st.session_state.pop("lang", None)


class TestExportSeparators:
    """The export's reason columns are lists joined in the tab's language: 、 and ； in Chinese, "; " in
    English (the English export joined its English reasons with ； and its kinds with 、)."""

    ROW = {"rank": 1, "code": "440823101001", "name": "甲村", "town_name": "乙镇", "county_name": "遂溪县",
           "severity": 3.0, "completion": 0.1, "expected_pace": 0.5, "coverage": 0.2, "survival_rate": 0.5,
           "days_inactive": 92, "team_leader": "王五", "town_leader": "李四（副镇长）",
           "reason_list": [("behind_pace", "种植进度落后：完成 10%", "behind the seasonal pace: 10% done"),
                           ("inactive", "已连续 92 天无植绿或管护记录", "no planting or care for 92 days")]}

    @pytest.mark.parametrize("lg, kinds, reasons, leader", [
        ("en", "Behind the seasonal pace; Inactive", "behind the seasonal pace: 10% done; no planting or care for 92 days",
         "Town leader in charge"),
        ("zh", "进度落后、长期无活动", "种植进度落后：完成 10%；已连续 92 天无植绿或管护记录", "包镇领导"),
    ])
    def test_reasons_are_joined_in_the_language_of_the_tab(self, tab_language, lg, kinds, reasons, leader):
        from ui.lagging_view import export_frame

        tab_language(lg)
        frame = export_frame(pd.DataFrame([self.ROW]))
        kinds_col, reasons_col = ("Reason kinds", "Reasons") if lg == "en" else ("原因类别", "原因")
        assert frame[kinds_col].iloc[0] == kinds
        assert frame[reasons_col].iloc[0] == reasons
        assert frame[leader].iloc[0] == "李四（副镇长）"  # a person's name as typed, in both languages

    @pytest.mark.parametrize("lg, column, people", [
        ("en", "County leader in charge", "全梅文 (Deputy district head in charge), 邬英国 (District Party Secretary)"),
        ("zh", "包县领导", "全梅文（分管副区长）、邬英国（区委书记）"),
    ])
    def test_several_people_of_one_role_are_joined_in_the_language_of_the_tab(self, tab_language, lg, column, people):
        """The English export joined two county leads with 、."""
        from ui.lagging_view import export_frame

        tab_language(lg)
        row = {**self.ROW, "county_leader": "全梅文（分管副区长）、邬英国（区委书记）"}
        assert export_frame(pd.DataFrame([row]))[column].iloc[0] == people



class TestLanguageSwitchKeepsTheList:
    """Streamlit keeps a keyed box's choice as its label: after switching from English to Chinese the
    browser sends the county and town boxes' "All" back, which is no county or town of the Chinese
    page; the list showed 0 villages. A choice that is not among the options is no filter."""

    @pytest.mark.parametrize("box", ["lag_county", "lag_town"])
    def test_a_label_left_from_the_other_language_filters_nothing(self, settings, box):
        at = _app("city", "pages/lagging.py")
        full = next(c.value for c in at.caption if c.value.startswith("共 ") and c.value.endswith("个落后村"))
        assert full != "共 0 个落后村"
        _send_stale_label(at.selectbox(key=box), "All")  # what the browser sends after the switch
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        assert full in [c.value for c in at.caption]


def _send_stale_label(box, label: str) -> None:
    """Make ``box`` send ``label`` on the next run, as the browser does after a language switch
    (AppTest itself only sends one of the current options)."""
    from streamlit.proto.WidgetStates_pb2 import WidgetState

    class Stale(type(box)):
        @property
        def _widget_state(self) -> WidgetState:
            state = WidgetState(id=self.id)
            state.string_value = label
            return state

    box.__class__ = Stale


class TestTranslatedBoxesFollowTheSwitch:
    """A keyed box keeps its value across a language switch; Streamlit sent the value again only when
    it changed, so the browser went on showing the old label (the Chinese overview's metric box read
    "Measure coverage") and sent it back. On the first run in the new language the box must send its
    choice's label in that language."""

    @pytest.mark.parametrize("page, key, pick, zh_label, en_label", [
        ("pages/overview.py", "ov_metric", "survival", "成活率", "Survival"),
        ("pages/county.py", "county_metric", "survival", "成活率", "Survival"),
    ])
    def test_the_box_sends_its_label_in_the_new_language(self, settings, page, key, pick, zh_label, en_label):
        at = _app("city" if page.endswith("overview.py") else "suixi", page, lang="en")
        at.selectbox(key=key).select(pick).run()
        assert at.selectbox(key=key).value == pick
        for lg, shown in (("zh", zh_label), ("en", en_label), ("zh", zh_label)):
            at.radio(key="_lang_switch").set_value(lg).run()
            assert not at.exception, [e.value for e in at.exception]
            box = at.selectbox(key=key)
            assert box.value == pick and shown in box.options
            assert box.proto.set_value and box.proto.raw_value == shown, (lg, box.proto.raw_value)
            at.run()  # a further run in the same language sends nothing new, and keeps the choice
            assert at.selectbox(key=key).value == pick and not at.selectbox(key=key).proto.set_value
