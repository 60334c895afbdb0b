"""Every interface string exists in Chinese and English; every vocabulary value has a label."""
from __future__ import annotations

import datetime as dt
import re
import string
from pathlib import Path

import pytest

from greening.i18n import (
    ENUM_LABELS,
    PLAN_NAMES,
    STRINGS,
    fmt_count,
    fmt_date,
    fmt_int,
    fmt_pct,
    fmt_weekday_date,
    label,
    labels,
    t,
)
from greening.models import enums

ROOT = Path(__file__).resolve().parent.parent


def _fields(text: str) -> set[str]:
    return {name for _lit, name, _spec, _conv in string.Formatter().parse(text) if name}


class TestStrings:
    def test_every_key_has_chinese_and_english(self):
        missing = [k for k, (zh, en) in STRINGS.items() if not zh.strip() or not en.strip()]
        assert not missing

    @pytest.mark.parametrize("key", sorted(STRINGS))
    def test_both_languages_take_the_same_placeholders(self, key):
        zh, en = STRINGS[key]
        assert _fields(zh) == _fields(en), key

    def test_every_key_the_interface_uses_exists(self):
        pattern = re.compile(r"""\b(?:tr|t)\(\s*f?["']([a-z_]+\.[a-z_.{}]+)["']""")
        used = set()
        for folder in ("pages", "ui", "greening"):
            for path in (ROOT / folder).rglob("*.py"):
                used |= set(pattern.findall(path.read_text(encoding="utf-8")))
        used |= {"app.title"}
        for key in sorted(used):
            if "{" in key:  # f-string keys: every expansion the code can produce must exist
                prefix = key.split("{")[0]
                assert any(k.startswith(prefix) for k in STRINGS), key
            else:
                assert key in STRINGS, f"{key} is used but not defined in greening/i18n.py"

    def test_unknown_key_is_an_error(self):
        with pytest.raises(KeyError):
            t("no.such.key")

    def test_english_is_chosen_by_prefix_and_chinese_is_the_default(self):
        assert t("nav.overview", "en-GB") == "City overview"
        assert t("nav.overview", None) == "全市总览"


class TestVocabularies:
    ENUMS = [getattr(enums, name) for name in enums.__all__]

    @pytest.mark.parametrize("enum_cls", ENUMS, ids=lambda e: e.__name__)
    def test_every_value_is_labelled_in_both_languages(self, enum_cls):
        assert enum_cls in ENUM_LABELS, enum_cls.__name__
        for member in enum_cls:
            zh, en = ENUM_LABELS[enum_cls][member.value]
            assert zh and en and zh != member.value

    def test_site_types_use_the_campaigns_words(self):
        assert list(labels(enums.SiteType).values()) == ["村旁", "宅旁", "路旁", "水旁", "庭院", "闲置地",
                                                        "村级公园", "主题林", "其他"]

    def test_six_plans(self):
        assert sorted(PLAN_NAMES) == [1, 2, 3, 4, 5, 6]
        assert PLAN_NAMES[1][0] == "能力提升兴绿"

    def test_unknown_value_shows_as_itself(self):
        assert label(enums.SiteType, "orchard") == "orchard"


class TestFormats:
    @pytest.mark.parametrize("value, zh, en", [
        (1_503_000, "150.3万株", "1.5 million"),
        (1_500_000, "150万株", "1.5 million"),
        # as many figures as the Chinese gives: 1,536,675 trees are not the 1.5 million aimed at
        (1_536_675, "153.7万株", "1.54 million"),
        (8_612, "8,612株", "8,612"),
        (250_000_000, "2.5亿株", "250 million"),
        (None, "—", "—"),
    ])
    def test_counts(self, value, zh, en):
        assert fmt_count(value, "zh", unit_zh="株") == zh
        assert fmt_count(value, "en") == en

    def test_dates(self):
        assert fmt_date(dt.date(2024, 3, 12)) == "2024年3月12日"
        assert fmt_date(dt.datetime(2024, 3, 12, 9, 30), "en") == "12 Mar 2024"
        assert fmt_date("2024-03-12") == "2024年3月12日"

    def test_dates_with_the_day_of_the_week(self):
        # named in the language, whatever the machine's locale (strftime's %A follows it)
        assert fmt_weekday_date(dt.date(2024, 3, 12)) == "2024年3月12日 星期二"
        assert fmt_weekday_date(dt.date(2024, 3, 17), "zh") == "2024年3月17日 星期日"
        assert fmt_weekday_date(dt.datetime(2024, 3, 12, 9, 30), "en") == "Tuesday, 12 Mar 2024"
        assert fmt_weekday_date("2024-03-18", "en") == "Monday, 18 Mar 2024"
        assert fmt_weekday_date(None) == "—"

    def test_numbers_and_shares(self):
        assert fmt_int(1722) == "1,722"
        assert fmt_pct(0.953) == "95.3%"
        assert fmt_pct(float("nan")) == "—"
