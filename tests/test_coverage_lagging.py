"""Lagging villages: reasons in Chinese and English, the ranking, and who is responsible."""
from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from greening.config import get_settings
from greening.coverage import compute_coverage
from greening.coverage.lagging import SEASONAL_PACE, lagging_villages, seasonal_pace
from greening.coverage.samples import AS_OF, V1, V2, V3, V4, V5, V6, sample_inputs
from greening.measures import load_catalogue


@pytest.fixture(scope="module")
def catalogue():
    """The sample campaign computed once; each test re-ranks it with its own thresholds."""
    inputs = sample_inputs()
    return inputs, compute_coverage(inputs, load_catalogue(), as_of=AS_OF)


def lagging(catalogue, **settings):
    inputs, result = catalogue
    s = dataclasses.replace(get_settings(), **settings)
    return lagging_villages(result.villages, result.measure_status, inputs, s,
                            AS_OF).set_index("code")


class TestSeasonalPace:
    @pytest.mark.parametrize("day,expected", [
        (dt.date(2024, 1, 1), 0.10 / 31), (dt.date(2024, 1, 31), 0.10),
        (dt.date(2024, 3, 31), 0.55), (dt.date(2024, 6, 30), 1.0), (dt.date(2024, 11, 5), 1.0),
    ])
    def test_curve(self, day, expected):
        assert seasonal_pace(day) == pytest.approx(expected)

    def test_curve_never_decreases(self):
        assert all(a <= b for a, b in zip(SEASONAL_PACE, SEASONAL_PACE[1:], strict=False))


class TestReasons:
    def test_the_laggard_has_every_reason_it_deserves(self, catalogue):
        lag = lagging(catalogue)
        v2 = lag.loc[V2]
        assert {"behind_pace", "inactive", "low_survival", "team_inactive",
                "no_first_secretary", "outside_village"} <= set(v2.reasons)
        assert "种植进度落后：完成 10%（20/200 株）" in v2.reasons_zh
        assert "已连续 92 天无植绿或管护记录" in v2.reasons_zh
        assert "成活率 50%，低于 80%" in v2.reasons_zh
        assert "1 条植树记录（20 株）点位不在本村范围内" in v2.reasons_zh
        assert "Behind the seasonal pace" in v2.reasons_en

    def test_reason_list_pairs_codes_with_texts(self, catalogue):
        v2 = lagging(catalogue).loc[V2]
        assert [c for c, _zh, _en in v2.reason_list] == v2.reasons
        assert v2.reason_list[0][1] in v2.reasons_zh and v2.reason_list[0][2] in v2.reasons_en
        assert (v2.town_name, v2.county_name) == ("甲镇", "遂溪县")

    def test_no_plan_and_no_team(self, catalogue):
        lag = lagging(catalogue)
        assert {"no_plan", "no_team", "inactive"} <= set(lag.loc[V5].reasons)
        assert "未制定本年度种植计划（一村一图）" in lag.loc[V5].reasons_zh
        assert "behind_pace" not in lag.loc[V3].reasons  # plan of zero: no pace to compare

    def test_a_village_on_track_is_not_flagged_when_coverage_is_not_required(self, catalogue):
        lag = lagging(catalogue, lag_min_coverage=0.0)
        assert V1 not in lag.index
        assert lag.loc[V4].reasons == ["outside_village"]

    def test_thresholds_come_from_settings(self, catalogue):
        assert "inactive" not in lagging(catalogue, lag_inactive_days=100).loc[V2].reasons
        assert "low_survival" not in lagging(catalogue, lag_min_survival=0.4).loc[V2].reasons
        assert "behind_pace" not in lagging(catalogue, lag_pace_ratio=0.1).loc[V2].reasons
        assert "low_survival" in lagging(catalogue, lag_min_survival=0.95).loc[V1].reasons


class TestCareOverdue:
    def _with_overdue(self, catalogue, n, **settings):
        import pandas as pd

        inputs, result = catalogue
        care = pd.DataFrame({"village_code": [V1], "overdue": [n], "oldest_due": [pd.Timestamp("2024-04-01")]})
        inputs = dataclasses.replace(inputs, care_overdue=care)
        s = dataclasses.replace(get_settings(), lag_min_coverage=0.0, **settings)
        return lagging_villages(result.villages, result.measure_status, inputs, s, AS_OF).set_index("code")

    def test_more_overdue_checks_than_the_setting_is_a_reason(self, catalogue):
        lag = self._with_overdue(catalogue, 5)
        v1 = lag.loc[V1]
        assert v1.reasons == ["care_overdue"]
        # the date as every page writes it (greening.i18n.fmt_date), not ISO
        assert "5 次管护/成活率核查逾期未做（最早应于 2024年4月1日 完成）" in v1.reasons_zh
        assert "5 care or survival checks overdue (the oldest was due on 1 Apr 2024)" in v1.reasons_en
        assert (v1.care_overdue, v1.care_oldest_due) == (5, dt.date(2024, 4, 1))
        from greening.supervision.notices import draft_from_lagging

        assert "逾期未做" in draft_from_lagging(v1.to_dict() | {"code": V1}).reasons

    def test_the_threshold_comes_from_settings(self, catalogue):
        assert V1 not in self._with_overdue(catalogue, 2).index  # at the default (2): not more than it
        assert V1 not in self._with_overdue(catalogue, 5, lag_max_overdue_care=5).index
        assert "care_overdue" in self._with_overdue(catalogue, 1, lag_max_overdue_care=0).loc[V1].reasons


class TestRanking:
    def test_most_severe_first(self, catalogue):
        lag = lagging(catalogue).reset_index()
        assert lag["rank"].tolist() == list(range(1, len(lag) + 1))
        assert lag["severity"].is_monotonic_decreasing
        assert lag["code"].iloc[0] == V2


class TestResponsible:
    def test_people_named(self, catalogue):
        lag = lagging(catalogue)
        v2 = lag.loc[V2]
        assert v2.team_leader == "李队长"
        assert v2.town_leader == "王镇长（镇长）"
        assert v2.county_leader == "吴县长（副县长）"
        assert v2.city_leader == "陈副市长（副市长）"

    def test_city_leader_of_the_town_wins_over_the_county_one(self, catalogue):
        assert lagging(catalogue).loc[V5].city_leader == "林副市长（副市长）"

    def test_first_secretary_named(self, catalogue):
        lag = lagging(catalogue, lag_min_coverage=1.0)
        assert lag.loc[V1].first_secretary == "刘书记（驻村第一书记）"

    def test_nobody_in_charge_is_empty_not_an_error(self, catalogue):
        v6 = lagging(catalogue).loc[V6]
        assert v6.town_leader is None or v6.town_leader != v6.town_leader  # None or NaN

    def test_unmet_measures_listed(self, catalogue):
        assert "M13" in lagging(catalogue).loc[V5].unmet_measures.split(",")


def test_tree_counts_in_the_pace_reason_have_thousands_separators():
    """A notice said 「完成 31%（451/1478 株）」: the counts of every other page have separators."""
    from greening.coverage.lagging import _reasons

    class Row:  # a village row with only its plan and trees known
        planned, trees, completion = 1478, 451, 451 / 1478
        teams = active_teams = villages_with_cadre = villages_with_first_secretary = 1
        outside_plantings = outside_trees = care_overdue = 0

        def __getattr__(self, name):
            return float("nan")

    row = Row()
    pace = next(r for r in _reasons(row, 0.93, get_settings()) if r.code == "behind_pace")
    assert "（451/1,478 株）" in pace.zh and "(451/1,478 trees)" in pace.en


class TestReadBack:
    """A 督办单 keeps its reasons as the Chinese text it was issued with: the lagging list's
    phrasings are read back in English (greening.coverage.reason_text)."""

    def test_every_reason_of_the_list_reads_back_as_its_english(self, catalogue):
        from greening.coverage.reason_text import reason_in_english

        pairs = [(zh, en) for rs in lagging(catalogue, lag_max_overdue_care=0)["reason_list"] for _c, zh, en in rs]
        assert len(pairs) > 10
        assert [(zh, reason_in_english(zh)) for zh, _en in pairs] == pairs

    @pytest.mark.parametrize("name", ["behind_pace", "no_plan", "low_coverage", "never_active", "inactive",
                                      "low_survival", "no_team", "team_inactive", "no_first_secretary",
                                      "outside_village", "not_visible", "care_overdue"])
    def test_every_phrasing_reads_back(self, name):
        from greening.coverage.reason_text import PHRASES, reason_in_english, reason_texts

        values = {"done": "12%", "trees": "1,200", "planned": "10,000", "pace": "80%", "met": "3",
                  "applicable": "40", "share": "8%", "floor": "30%", "days": "78", "rate": "55%",
                  "plantings": "2", "per_ha": "120", "change": "-0.4", "n": "37", "due": dt.date(2024, 4, 4)}
        zh, en = reason_texts(name, **values)
        assert set(PHRASES) >= {name} and reason_in_english(zh) == en
        assert reason_in_english(zh + "。") == en  # a full stop typed after it

    def test_a_notices_lines_keep_their_numbers_and_a_line_typed_by_hand(self):
        from greening.coverage.reason_text import reasons_in_english

        text = ("1. 已连续 78 天无植绿或管护记录\n2、37 次管护/成活率核查逾期未做（最早应于 2024年4月4日 完成）\n"
                "（3）村委会已承诺月底前补植\n未建立村级党员护绿队；党员护绿队处于停用状态")
        assert reasons_in_english(text) == (
            "1. No planting or care for 78 days\n"
            "2. 37 care or survival checks overdue (the oldest was due on 4 Apr 2024)\n"
            "（3）村委会已承诺月底前补植\n"
            "No Party-member greening team; The greening team is inactive")

    def test_a_phrasing_with_its_figures_changed_by_hand_reads_back_with_the_new_figures(self):
        from greening.coverage.reason_text import reason_in_english

        assert reason_in_english("已连续 100 天无植绿或管护记录") == "No planting or care for 100 days"
        assert reason_in_english("已连续一百天无植绿或管护记录") is None  # not the phrasing: stays as typed
        assert reason_in_english("37 次管护/成活率核查逾期未做（最早应于 2024年2月30日 完成）") is None
