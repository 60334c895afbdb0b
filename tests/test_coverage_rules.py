"""Computed rules, their parameter schemas, and how measure levels apply to villages."""
from __future__ import annotations

import pandas as pd
import pytest

from greening.coverage import compute_coverage
from greening.coverage.rules import RULES, check_params, evaluate
from greening.coverage.samples import AS_OF, TOWN_A, V1, V2, V3, V4, V5, sample_inputs
from greening.measures import MeasureSpec


def frame(**cols):
    n = len(next(iter(cols.values())))
    base = {"villages": [1] * n}
    base.update(cols)
    return pd.DataFrame(base)


def rule(name, f, **params):
    return evaluate(name, f, params).tolist()


class TestRules:
    def test_every_village_rules_at_village_and_town_level(self):
        f = frame(villages=[1, 3, 3], active_teams=[1, 3, 2])
        assert rule("has_active_team", f) == [True, True, False]

    def test_ratio_rule_is_not_applicable_when_undefined(self):
        f = frame(completion=pd.array([0.95, 0.5, pd.NA], dtype="Float64"))
        assert rule("plan_completion_at_least", f, pct=90) == [True, False, pd.NA]

    def test_seedlings_secured_share(self):
        f = frame(seedlings_secured=[100, 10, 0], planned=[100, 100, 0])
        assert rule("seedlings_secured_at_least", f, pct=100) == [True, False, pd.NA]

    def test_site_types_restricted_to_four_sides(self):
        sites = {f"site_{s}": [0, 0] for s in ("village_side", "house_side", "road_side",
                                               "water_side", "courtyard", "idle_land",
                                               "village_park", "theme_forest", "other")}
        sites["site_road_side"] = [5, 5]
        sites["site_water_side"] = [5, 0]
        sites["site_courtyard"] = [0, 9]
        f = frame(**sites)
        four = ["village_side", "house_side", "road_side", "water_side"]
        assert rule("site_types_at_least", f, k=2, types=four) == [True, False]
        assert rule("site_types_at_least", f, k=2) == [True, True]

    def test_per_village_counts_scale_with_villages(self):
        f = frame(villages=[1, 4], party_plantings=[3, 8])
        assert rule("party_plantings_at_least", f, n=3) == [True, False]

    def test_active_within_days_never_active_is_false(self):
        f = frame(days_inactive=pd.array([10, 40, pd.NA], dtype="Float64"))
        assert rule("active_within_days", f, days=30) == [True, False, False]

    def test_designations_and_people(self):
        f = frame(des_demo_village=[0, 1], des_courtyard=[2, 0],
                  people_expert=[3, 1], people_local_worthy=[0, 0])
        assert rule("has_designation", f, kinds=["demo_village"]) == [False, True]
        assert rule("has_designation", f, kinds=["demo_village", "courtyard"], at_least=2) == \
            [True, False]
        assert rule("people_at_least", f, role=["expert"], n=3) == [True, False]

    def test_located_share(self):
        f = frame(trees=[100, 100, 0], outside_trees=[4, 10, 0])
        assert rule("located_share_at_least", f, pct=95) == [True, False, pd.NA]


class TestParamSchemas:
    @pytest.mark.parametrize("name,params,fragment", [
        ("plan_completion_at_least", {}, "pct"),
        ("plan_completion_at_least", {"pct": "90"}, "pct"),
        ("plan_completion_at_least", {"pct": True}, "pct"),
        ("survival_at_least", {"pct": 120}, "120"),
        ("party_plantings_at_least", {"n": 2.5}, "n"),
        ("has_designation", {"kinds": ["demo_vilage"]}, "demo_vilage"),
        ("has_designation", {"kinds": "demo_village"}, "kinds"),
        ("has_active_team", {"n": 1}, "n"),
    ])
    def test_bad_params_are_named(self, name, params, fragment):
        problems = check_params(name, params)
        assert problems and fragment in " ".join(problems)

    def test_good_params(self):
        assert check_params("site_types_at_least", {"k": 3, "types": ["road_side"]}) == []
        assert check_params("has_designation", {"kinds": ["courtyard"]}) == []

    def test_every_rule_is_documented(self):
        assert all(r.doc for r in RULES.values())


class TestLevels:
    """A town measure is evaluated on the town and applies to each of its villages."""

    def spec(self, level, rule, **params):
        return MeasureSpec(id="M01", plan=1, level=level, title_zh="t", title_en="t",
                           evaluation="rule", rule=rule, params=params)

    def test_town_measure_applies_to_all_its_villages(self):
        cat = [self.spec("town", "has_active_team")]
        r = compute_coverage(sample_inputs(), cat, as_of=AS_OF)
        s = r.measure_status["M01"]
        # town A: V1 active, V2 inactive, V3 none -> not every village: False for all three
        assert s[[V1, V2, V3]].tolist() == [False, False, False]
        assert r.villages.set_index("code").loc[V1, "measures_applicable"] == 1

    def test_town_plan_completion_is_weighted(self):
        cat = [self.spec("town", "plan_completion_at_least", pct=100)]
        r = compute_coverage(sample_inputs(), cat, as_of=AS_OF)
        assert r.measure_status.loc[[V4, V5], "M01"].tolist() == [True, True]  # 55/50

    def test_attestation_counts_only_when_confirmed_at_the_measures_level(self):
        cat = [MeasureSpec("M03", 1, "town", "t", "t", "attestation"),
               MeasureSpec("M07", 1, "village", "t", "t", "attestation"),
               MeasureSpec("M09", 1, "village", "t", "t", "attestation")]
        r = compute_coverage(sample_inputs(), cat, as_of=AS_OF)
        st = r.measure_status
        assert st.loc[[V1, V2, V4], "M03"].tolist() == [True, True, False]
        assert st.loc[V1, "M07"] == False  # noqa: E712 - claimed, not yet confirmed
        assert st.loc[V1, "M09"] == True  # noqa: E712
        assert r.towns.set_index("code").loc[TOWN_A, "measures_satisfied"] == 4
