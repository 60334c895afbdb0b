"""Per-village metrics, roll-ups, the weekly series and the score, on hand-built inputs."""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from greening.coverage import ScoreWeights, compute_coverage
from greening.coverage.metrics import score
from greening.coverage.samples import AS_OF, COUNTY, TOWN_A, TOWN_B, V1, V2, V3, V4, V5, sample_inputs
from greening.measures import load_catalogue


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


@pytest.fixture(scope="module")
def result(catalogue):
    return compute_coverage(sample_inputs(), catalogue, as_of=AS_OF)


def row(frame, code):
    return frame.set_index("code").loc[code]


class TestVillageMetrics:
    def test_trees_count_for_the_claimed_village_and_skip_rejected_and_last_year(self, result):
        v1 = row(result.villages, V1)
        assert (v1.plantings, v1.trees, v1.trees_verified) == (3, 90, 70)
        assert row(result.villages, V2).trees == 20  # its point is in V1, the claim is V2's

    def test_plan_and_completion(self, result):
        v1 = row(result.villages, V1)
        assert v1.planned == 100 and v1.completion == pytest.approx(0.9)

    def test_plan_of_zero_is_not_applicable_not_a_division_by_zero(self, result):
        v3 = row(result.villages, V3)
        assert v3.planned == 0 and pd.isna(v3.completion)
        assert pd.isna(result.measure_status.loc[V3, "M37"])  # 种植计划完成率达到90%
        assert v3.villages_with_plan == 0

    def test_village_with_no_plantings(self, result):
        v5 = row(result.villages, V5)
        assert v5.trees == 0 and pd.isna(v5.days_inactive) and pd.isna(v5.verified_share)
        assert pd.isna(v5.survival_rate) and v5.activity == 0

    def test_survival_uses_the_latest_check_of_each_planting(self, result):
        v1 = row(result.villages, V1)
        assert (v1.survival_checked, v1.survival_alive) == (40, 36)
        assert v1.survival_rate == pytest.approx(0.9)
        assert row(result.villages, V2).survival_rate == pytest.approx(0.5)

    def test_last_activity_is_planting_or_care(self, result):
        v1 = row(result.villages, V1)
        assert v1.last_activity_on == pd.Timestamp("2024-05-30")
        assert v1.days_inactive == 2
        assert v1.care_checks == 2

    def test_planted_area_and_site_types(self):
        inputs = sample_inputs()
        inputs.plantings.loc[inputs.plantings["id"] == 1, "area_m2"] = 120.5
        r = compute_coverage(inputs, load_catalogue(), as_of=AS_OF)
        v1 = row(r.villages, V1)
        assert v1.planted_area_m2 == pytest.approx(120.5)
        assert (v1.site_road_side, v1.site_house_side, v1.site_water_side) == (40, 30, 20)

    def test_people_and_team(self, result):
        v1, v2, v4 = (row(result.villages, c) for c in (V1, V2, V4))
        assert v1.active_teams == 1 and v1.team_party_members == 6 and v1.team_leader == "张队长"
        assert v2.teams == 1 and v2.active_teams == 0
        assert v1.villages_with_first_secretary == 1 and v4.villages_with_cadre == 1
        # the expert is paired with town A: all its villages count as paired
        assert v2.villages_with_expert == 1 and v4.villages_with_expert == 0

    def test_outside_claimed_village_is_counted(self, result):
        assert row(result.villages, V2).outside_plantings == 1
        assert row(result.villages, V4).outside_trees == 5
        assert list(result.outside["id"]) == [4]
        assert result.outside["located_village_code"].iloc[0] == V1
        assert list(result.unassigned["id"]) == [7]

    def test_area_from_geometry_when_not_stored(self, result):
        assert row(result.villages, V1).area_km2 == pytest.approx(1.15, rel=0.02)
        assert row(result.villages, V3).area_km2 == pytest.approx(3.45, rel=0.02)


class TestRollups:
    def test_towns_sum_counts_and_recompute_ratios(self, result):
        a = row(result.towns, TOWN_A)
        assert a.villages == 3 and a.trees == 120 and a.planned == 300
        assert a.completion == pytest.approx(0.4)  # weighted by plan, not a mean of rates
        assert a["name"] == "甲镇"

    def test_county_and_city(self, result):
        c = row(result.counties, COUNTY)
        assert (c.villages, c.trees, c.planned) == (5, 175, 350)
        city = result.city.iloc[0]
        assert city.code == "440800000000" and city.trees == 185 and city.villages == 6

    def test_roster_counts_include_the_area_itself(self, result):
        assert row(result.towns, TOWN_A).people_expert == 1
        assert row(result.towns, TOWN_B).des_demo_village == 1
        assert row(result.counties, COUNTY).des_demo_town == 1
        assert row(result.counties, COUNTY).people_city_leader == 2

    def test_measure_counts_roll_up(self, result):
        v = result.villages
        a = row(result.towns, TOWN_A)
        mine = v[v["town_code"] == TOWN_A]
        assert a.measures_satisfied == mine["measures_satisfied"].sum()
        assert a.coverage == pytest.approx(a.measures_satisfied / a.measures_applicable)
        assert a.score == pytest.approx(round(mine["score"].mean(), 1))

    def test_weekly_trees_per_iso_week_and_county(self, result):
        w = result.weekly.set_index(["county_code", "iso_week"])
        assert w.loc[(COUNTY, "2024-W05"), "trees"] == 20
        assert w.loc[(COUNTY, "2024-W21"), "trees"] == 75
        assert w.loc[(COUNTY, "2024-W21"), "week_start"] == pd.Timestamp("2024-05-20")
        assert result.weekly["trees"].sum() == 185


class TestScope:
    def test_results_are_limited_to_the_scope(self, catalogue):
        r = compute_coverage(sample_inputs(scope_prefix="440823101"), catalogue, as_of=AS_OF)
        assert set(r.villages["code"]) == {V1, V2, V3}
        assert list(r.towns["code"]) == [TOWN_A]
        assert r.counties.empty and r.city.empty
        assert set(r.lagging["code"]) <= {V1, V2, V3}
        assert r.unassigned.empty  # the unassigned planting belongs to V4

    def test_a_village_reads_the_same_whoever_asks(self, catalogue, result):
        r = compute_coverage(sample_inputs(scope_prefix="440823101"), catalogue, as_of=AS_OF)
        assert row(r.villages, V1).coverage == row(result.villages, V1).coverage


class TestRecompute:
    def test_recompute_joins_points_again(self, catalogue):
        inputs = sample_inputs()
        inputs.plantings["village_code"] = None  # as if nothing had been joined on write
        r = compute_coverage(inputs, catalogue, as_of=AS_OF, recompute=True)
        assert list(r.outside["id"]) == [4]
        assert list(r.unassigned["id"]) == [7]
        assert row(r.villages, V1).trees == 90


class TestScore:
    def test_undefined_components_drop_out_with_their_weight(self):
        f = pd.DataFrame({"completion": pd.array([pd.NA, 0.5], dtype="Float64"),
                          "coverage": pd.array([1.0, 1.0], dtype="Float64"),
                          "survival_rate": pd.array([pd.NA, 1.0], dtype="Float64"),
                          "verified_share": pd.array([pd.NA, 1.0], dtype="Float64"),
                          "activity": [1.0, 1.0]})
        s = score(f, ScoreWeights(completion=1, coverage=1, survival=0, verified=0, activity=0))
        assert list(s) == [100.0, 75.0]

    def test_weights_are_configurable(self, catalogue):
        w = ScoreWeights(completion=1, coverage=0, survival=0, verified=0, activity=0)
        r = compute_coverage(sample_inputs(), catalogue, as_of=AS_OF, weights=w)
        assert row(r.villages, V1).score == 90.0
        assert row(r.villages, V4).score == 100.0  # capped at 100 %

    def test_negative_weights_are_refused(self):
        with pytest.raises(ValueError, match="weights"):
            ScoreWeights(completion=-1)


def test_no_data_at_all(catalogue):
    from greening.coverage.samples import sample_villages

    r = compute_coverage(sample_inputs(plantings=None, plans=None, checks=None, teams=None,
                                       assignments=None, designations=None, attestations=None,
                                       villages=sample_villages([V5])),
                         catalogue, as_of=dt.date(2024, 3, 1))
    assert r.villages["trees"].tolist() == [0]
    assert r.weekly.empty and r.unassigned.empty
    assert list(r.lagging["code"]) == [V5]
    assert np.isfinite(r.villages["score"].astype(float)).all()
