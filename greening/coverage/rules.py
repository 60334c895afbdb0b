"""Computed rules: the named tests a catalogue measure can use, with their parameter schemas.

A rule is a function of an area metrics frame (one row per village, town, county or the city;
the columns are those of :mod:`greening.coverage.metrics`) returning a nullable boolean Series:
True satisfied, False not, NA not applicable (e.g. a completion rate when nothing is planned).

Level semantics. A rule runs on the frame of the measure's level. Counts in a town, county or
city row are sums over its villages (``villages`` is how many), so a "village has X" rule on a
higher level reads "every village has X", and a "at least n per village" rule reads "at least
n × villages in total". Roster counts (``people_*``, ``des_*``) at a higher level count the
records attached to the area itself or to anything inside it. Rules that only make sense per
village say so in ``levels``; the catalogue check refuses them elsewhere.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from greening.models.enums import DesignationKind, MeasureLevel, PersonKind, SiteType
from greening.validation.errors import Refusal

__all__ = ["Param", "Rule", "RULES", "check_params", "evaluate", "FOUR_SIDES"]

ALL_LEVELS = frozenset(MeasureLevel)
_PLACEHOLDER = re.compile(r"\{(\w+)\}")
VILLAGE = frozenset({MeasureLevel.VILLAGE})
FOUR_SIDES = ("village_side", "house_side", "road_side", "water_side")  # 四旁


@dataclass(frozen=True)
class Param:
    """A rule parameter: ``kind`` is "int", "number" or "choices" (a list of allowed strings)."""

    name: str
    kind: str
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] = ()
    required: bool = True
    default: object = None
    doc: str = ""

    def check(self, value) -> Refusal | None:
        """The problem with ``value`` (a catalogue refusal, not raised), or None."""
        if self.kind in ("int", "number"):
            ok = isinstance(value, int) if self.kind == "int" else isinstance(value, (int, float))
            if isinstance(value, bool) or not ok:
                code = "rule_param_not_integer" if self.kind == "int" else "rule_param_not_number"
                return Refusal.of(code, name=self.name, value=value)
            if self.minimum is not None and value < self.minimum or \
                    self.maximum is not None and value > self.maximum:
                return Refusal.of("rule_param_out_of_range", name=self.name, value=value, minimum=self.minimum,
                                  maximum=self.maximum)
            return None
        items = value if isinstance(value, list) else None
        if not items or not all(isinstance(v, str) for v in items):
            return Refusal.of("rule_param_not_text_list", name=self.name, value=value)
        bad = [v for v in items if v not in self.choices]
        if bad:
            return Refusal.of("rule_param_values_unknown", name=self.name, bad=bad, choices=list(self.choices))
        return None


@dataclass(frozen=True)
class Rule:
    name: str
    func: Callable[..., pd.Series]
    params: tuple[Param, ...]
    levels: frozenset
    uses: str  # "activity": plantings, plans, checks, teams; "roster": people and designations
    doc: str
    #: the metric columns the rule reads; ``"site_{types}"`` stands for one column per value of
    #: the list parameter ``types`` (every allowed value when the parameter is left out)
    reads: tuple[str, ...] = ()

    def columns(self, params: dict | None = None) -> list[str]:
        """The metric columns read with ``params`` (with None: every column it may read)."""
        params = params or {}
        out: list[str] = []
        for template in self.reads:
            name = _PLACEHOLDER.search(template)
            if name is None:
                out.append(template)
                continue
            param = next(p for p in self.params if p.name == name.group(1))
            values = params.get(param.name) or param.choices
            out.extend(_PLACEHOLDER.sub(str(v), template) for v in values)
        return out


RULES: dict[str, Rule] = {}


def _rule(*params: Param, levels=ALL_LEVELS, uses="activity", reads: tuple[str, ...]):
    def register(func):
        RULES[func.__name__] = Rule(func.__name__, func, params, frozenset(levels), uses,
                                    (func.__doc__ or "").strip(), reads)
        return func
    return register


def check_params(rule_name: str, params: dict) -> list[Refusal]:
    """Problems with ``params`` for ``rule_name``, as catalogue refusals (empty when fine)."""
    rule = RULES[rule_name]
    known = {p.name: p for p in rule.params}
    problems = [Refusal.of("rule_param_unknown", rule=rule_name, name=k) for k in params if k not in known]
    for p in rule.params:
        if p.name not in params:
            if p.required:
                problems.append(Refusal.of("rule_param_missing", rule=rule_name, name=p.name))
            continue
        problem = p.check(params[p.name])
        if problem:
            problems.append(problem)
    return problems


def evaluate(rule_name: str, frame: pd.DataFrame, params: dict) -> pd.Series:
    """Run a rule on an area frame: a nullable boolean Series indexed like ``frame``."""
    rule = RULES[rule_name]
    full = {p.name: p.default for p in rule.params if not p.required}
    full.update(params)
    missing = [c for c in rule.columns(params) if c not in frame.columns]
    if missing:
        raise KeyError(f"rule {rule_name} reads metric columns the frame lacks: {missing}")
    return rule.func(frame, **full).astype("boolean")


# -- helpers ------------------------------------------------------------------------------
def _at_least(values: pd.Series, threshold) -> pd.Series:
    """values >= threshold, NA where values is NA."""
    v = values.astype("Float64")
    return v.ge(threshold)


def _share(num: pd.Series, den: pd.Series) -> pd.Series:
    den = den.astype("Float64")
    return num.astype("Float64") / den.where(den > 0)


def _every_village(frame: pd.DataFrame, column: str) -> pd.Series:
    return frame[column].ge(frame["villages"]) & frame["villages"].gt(0)


_PCT = Param("pct", "number", 0, 200, doc="percent")
_N = Param("n", "int", 1, 1_000_000)


# -- rules --------------------------------------------------------------------------------
@_rule(reads=("villages", "active_teams"))
def has_active_team(frame):
    """The village has an active Party-member greening team (higher levels: every village)."""
    return _every_village(frame, "active_teams")


@_rule(_N, reads=("villages", "team_party_members"))
def team_party_members_at_least(frame, n):
    """The village's active team has at least n Party members (higher: n × villages in total)."""
    return frame["team_party_members"].ge(n * frame["villages"])


@_rule(uses="roster", reads=("villages", "villages_with_first_secretary"))
def has_first_secretary_or_instructor(frame):
    """A resident first secretary or Party-building instructor serves the village."""
    return _every_village(frame, "villages_with_first_secretary")


@_rule(uses="roster", reads=("villages", "villages_with_cadre"))
def has_graded_cadre(frame):
    """A graded cadre has been sent down to the village."""
    return _every_village(frame, "villages_with_cadre")


@_rule(uses="roster", reads=("villages", "villages_with_expert"))
def expert_paired(frame):
    """An institution expert is paired with the village or with its town."""
    return _every_village(frame, "villages_with_expert")


@_rule(reads=("villages", "villages_with_plan"))
def plan_exists(frame):
    """The village has a planting plan for the year (site, species, number) with trees in it."""
    return _every_village(frame, "villages_with_plan")


@_rule(_PCT, reads=("completion",))
def plan_completion_at_least(frame, pct):
    """Trees planted / trees planned ≥ pct %; not applicable when nothing is planned."""
    return _at_least(frame["completion"], pct / 100)


@_rule(_PCT, reads=("seedlings_secured", "planned"))
def seedlings_secured_at_least(frame, pct):
    """Seedlings secured / trees planned ≥ pct %; not applicable when nothing is planned."""
    return _at_least(_share(frame["seedlings_secured"], frame["planned"]), pct / 100)


@_rule(Param("pct", "number", 0, 100), reads=("survival_rate",))
def survival_at_least(frame, pct):
    """Survival rate (alive / planted, over checked plantings) ≥ pct %; NA before any check."""
    return _at_least(frame["survival_rate"], pct / 100)


@_rule(Param("pct", "number", 0, 100), reads=("survival_checked", "trees"))
def survival_checked_at_least(frame, pct):
    """Share of this year's trees covered by a survival check ≥ pct %; NA with no trees."""
    return _at_least(_share(frame["survival_checked"], frame["trees"]), pct / 100)


@_rule(Param("k", "int", 1, len(SiteType)),
       Param("types", "choices", choices=tuple(SiteType), required=False), reads=("site_{types}",))
def site_types_at_least(frame, k, types=None):
    """Trees planted on at least k kinds of site (of ``types``, default all), e.g. 四旁."""
    cols = [f"site_{t}" for t in (types or list(SiteType))]
    return frame[cols].gt(0).sum(axis=1).ge(k)


@_rule(_N, reads=("villages", "party_plantings"))
def party_plantings_at_least(frame, n):
    """At least n plantings with Party members taking part (higher: n × villages)."""
    return frame["party_plantings"].ge(n * frame["villages"])


@_rule(_N, reads=("villages", "party_turnout", "villager_turnout"))
def turnout_at_least(frame, n):
    """At least n person-times of villagers and Party members planting (higher: n × villages)."""
    return (frame["party_turnout"] + frame["villager_turnout"]).ge(n * frame["villages"])


@_rule(_N, reads=("villages", "trees"))
def trees_at_least(frame, n):
    """At least n trees planted this year (higher: n × villages)."""
    return frame["trees"].ge(n * frame["villages"])


@_rule(_N, reads=("villages", "care_checks"))
def care_checks_at_least(frame, n):
    """At least n care visits (管护) this year (higher: n × villages)."""
    return frame["care_checks"].ge(n * frame["villages"])


@_rule(Param("days", "int", 1, 3650), levels=VILLAGE, reads=("days_inactive",))
def active_within_days(frame, days):
    """A planting or care record within the last ``days`` days."""
    return frame["days_inactive"].astype("Float64").le(days).fillna(False)


@_rule(Param("kinds", "choices", choices=tuple(DesignationKind)),
       Param("at_least", "int", 1, 100_000, required=False, default=1), uses="roster", reads=("des_{kinds}",))
def has_designation(frame, kinds, at_least=1):
    """At least ``at_least`` designations of the given kinds in the area (own or inside it)."""
    return frame[[f"des_{k}" for k in kinds]].sum(axis=1).ge(at_least)


@_rule(reads=("des_theme_forest", "site_theme_forest"))
def theme_forest_exists(frame):
    """A theme forest (主题林): designated, or trees planted on a theme-forest site."""
    return (frame["des_theme_forest"] + frame["site_theme_forest"]).gt(0)


@_rule(Param("n", "number", 0, 1_000_000), reads=("trees_per_km2",))
def trees_per_km2_at_least(frame, n):
    """Trees planted this year per km² of area ≥ n."""
    return _at_least(frame["trees_per_km2"], n)


@_rule(_PCT, reads=("verified_share",))
def verified_share_at_least(frame, pct):
    """Verified trees / reported trees ≥ pct %; NA with nothing reported."""
    return _at_least(frame["verified_share"], pct / 100)


@_rule(_PCT, reads=("trees", "outside_trees"))
def located_share_at_least(frame, pct):
    """Trees whose point lies inside the claimed village / reported trees ≥ pct %."""
    inside = frame["trees"] - frame["outside_trees"]
    return _at_least(_share(inside, frame["trees"]), pct / 100)


@_rule(Param("role", "choices", choices=tuple(PersonKind)), _N, uses="roster", reads=("people_{role}",))
def people_at_least(frame, role, n):
    """At least n people serving in ``role`` (a list; counts are added) in the area."""
    return frame[[f"people_{r}" for r in role]].sum(axis=1).ge(n)


@_rule(Param("role", "choices", choices=("city_leader", "county_leader", "town_leader")),
       levels=frozenset({MeasureLevel.TOWN, MeasureLevel.COUNTY, MeasureLevel.CITY}),
       uses="roster", reads=("people_{role}",))
def leader_in_charge(frame, role):
    """A leader in charge (包抓领导) of the given role is named for the area or inside it."""
    return frame[[f"people_{r}" for r in role]].sum(axis=1).gt(0)


@_rule(Param("pct", "number", 0, 100), reads=("green_cover_judged",))
def green_cover_at_least(frame, pct):
    """村庄绿化覆盖率 (tree and shrub canopy over the area, from the latest raster) ≥ pct %;
    higher levels: area-weighted; NA without a raster or with too much of the area missing."""
    return _at_least(frame["green_cover_judged"], pct / 100)


@_rule(Param("pp", "number", -100, 100), reads=("green_change",))
def green_cover_gain_at_least(frame, pp):
    """Green cover rose by at least pp percentage points since the earlier raster (较上年提高);
    NA unless both rasters judge the area."""
    return _at_least(frame["green_change"], pp / 100 - 1e-12)
