"""Computed rules, their parameter schemas, and how measure levels apply to villages."""
from __future__ import annotations

from pathlib import Path

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


    # -- one hand-built frame per rule not exercised above --------------------------------
    def test_team_party_members_scale_with_villages(self):
        f = frame(villages=[1, 1, 3], team_party_members=[6, 5, 15])
        assert rule("team_party_members_at_least", f, n=6) == [True, False, False]

    def test_roster_presence_in_every_village(self):
        f = frame(villages=[1, 2, 2, 0], villages_with_first_secretary=[1, 2, 1, 0],
                  villages_with_cadre=[0, 2, 2, 0], villages_with_expert=[1, 1, 2, 0])
        assert rule("has_first_secretary_or_instructor", f) == [True, True, False, False]
        assert rule("has_graded_cadre", f) == [False, True, True, False]
        assert rule("expert_paired", f) == [True, False, True, False]

    def test_plan_exists_in_every_village(self):
        f = frame(villages=[1, 1, 4], villages_with_plan=[1, 0, 3])
        assert rule("plan_exists", f) == [True, False, False]

    def test_survival_rate_and_checked_share(self):
        f = frame(survival_rate=pd.array([0.9, 0.84, pd.NA], dtype="Float64"),
                  survival_checked=[50, 10, 0], trees=[100, 100, 0])
        assert rule("survival_at_least", f, pct=85) == [True, False, pd.NA]
        assert rule("survival_checked_at_least", f, pct=50) == [True, False, pd.NA]

    def test_turnout_adds_party_members_and_villagers(self):
        f = frame(villages=[1, 1, 2], party_turnout=[10, 5, 20], villager_turnout=[10, 14, 19])
        assert rule("turnout_at_least", f, n=20) == [True, False, False]

    def test_trees_and_care_checks_per_village(self):
        f = frame(villages=[1, 2, 2], trees=[500, 999, 1000], care_checks=[2, 4, 3])
        assert rule("trees_at_least", f, n=500) == [True, False, True]
        assert rule("care_checks_at_least", f, n=2) == [True, True, False]

    def test_theme_forest_designated_or_planted(self):
        f = frame(des_theme_forest=[1, 0, 0], site_theme_forest=[0, 30, 0])
        assert rule("theme_forest_exists", f) == [True, True, False]

    def test_trees_per_km2(self):
        f = frame(trees_per_km2=pd.array([120.0, 99.5, pd.NA], dtype="Float64"))
        assert rule("trees_per_km2_at_least", f, n=100) == [True, False, pd.NA]

    def test_green_cover_at_least_and_its_gain(self):
        f = frame(green_cover_judged=pd.array([0.35, 0.31, pd.NA], dtype="Float64"),
                  green_change=pd.array([0.012, 0.004, pd.NA], dtype="Float64"))
        assert rule("green_cover_at_least", f, pct=32) == [True, False, pd.NA]
        assert rule("green_cover_gain_at_least", f, pp=1) == [True, False, pd.NA]

    def test_verified_share(self):
        f = frame(verified_share=pd.array([0.3, 0.29, pd.NA], dtype="Float64"))
        assert rule("verified_share_at_least", f, pct=30) == [True, False, pd.NA]

    def test_leader_in_charge_of_the_given_role(self):
        f = frame(people_city_leader=[1, 0, 0], people_county_leader=[0, 2, 0],
                  people_town_leader=[0, 0, 0])
        assert rule("leader_in_charge", f, role=["city_leader"]) == [True, False, False]
        assert rule("leader_in_charge", f, role=["city_leader", "county_leader"]) == [True, True, False]

    def test_every_rule_has_a_hand_built_frame_test(self):
        source = Path(__file__).read_text(encoding="utf-8")
        untested = [name for name in RULES if f'rule("{name}"' not in source]
        assert not untested, untested


def _sample_params(r):
    """Parameters that pass the rule's own schema: the minimum of numbers, every choice of lists."""
    params = {}
    for p in r.params:
        if p.kind == "choices":
            params[p.name] = list(p.choices)
        else:
            params[p.name] = int(max(p.minimum or 1, 1))
    assert check_params(r.name, params) == [], (r.name, params)
    return params


@pytest.fixture(scope="module")
def frames():
    """The metrics frames of the sample campaign, per level."""
    r = compute_coverage(sample_inputs(), [], as_of=AS_OF)
    return {"village": pd.DataFrame(r.villages.drop(columns="geometry")), "town": r.towns,
            "county": r.counties, "city": r.city}


class TestDeclaredColumns:
    """Each rule says which metric columns it reads; the metrics frames have them, and they suffice."""

    @pytest.mark.parametrize("name", sorted(RULES))
    def test_declared_columns_are_metric_columns(self, name, frames):
        r = RULES[name]
        assert r.reads, f"{name} declares no columns"
        for level, f in frames.items():
            missing = [c for c in r.columns() if c not in f.columns]
            assert not missing, f"{name} reads {missing}, not in the {level} metrics frame"

    @pytest.mark.parametrize("name", sorted(RULES))
    def test_declared_columns_are_all_it_reads(self, name, frames):
        r = RULES[name]
        params = _sample_params(r)
        f = frames["town"]
        only = f[r.columns(params)].copy()
        assert evaluate(name, only, params).tolist() == evaluate(name, f, params).tolist()

    def test_a_frame_without_a_declared_column_is_named(self):
        with pytest.raises(KeyError, match=r"trees_per_km2_at_least reads metric columns the frame lacks: \['trees_per_km2'\]"):
            evaluate("trees_per_km2_at_least", frame(trees=[1]), {"n": 1})


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
        assert problems and fragment in " ".join(map(str, problems))

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
