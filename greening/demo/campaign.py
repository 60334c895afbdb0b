"""The whole demo campaign as plain frames, generated without a database.

:func:`generate_campaign` is pure and deterministic: the same seed gives the same codes,
names, geometries and totals. :mod:`greening.demo.load` writes the result.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import geopandas as gpd
import pandas as pd

from greening.area_codes import county_prefix, town_of
from greening.demo import calendar as cal
from greening.demo.attestations import generate_attestations
from greening.demo.catalogue import load_species_catalogue
from greening.demo.checks import generate_checks
from greening.demo.designations import generate_designations
from greening.demo.geography import VILLAGE_TOTAL, generate_geography
from greening.demo.lagging_truth import LAGGARD_COUNTS, choose_laggards
from greening.demo.people import generate_institutions, generate_people, generate_teams
from greening.demo.plans import generate_plans, tree_total
from greening.demo.plantings import check_record_count, generate_plantings
from greening.demo.summary import DemoSummary

__all__ = ["DemoCampaign", "generate_campaign"]


@dataclass
class DemoCampaign:
    """Every row the demo writes, by table, before ids exist (rows refer to areas by code)."""

    seed: int
    areas: gpd.GeoDataFrame
    species: pd.DataFrame
    teams: pd.DataFrame
    institutions: pd.DataFrame
    people: pd.DataFrame
    assignments: pd.DataFrame
    designations: gpd.GeoDataFrame
    targets: pd.DataFrame
    plans: pd.DataFrame
    plantings: pd.DataFrame
    checks: pd.DataFrame
    attestations: pd.DataFrame
    laggards: dict[str, str] = field(default_factory=dict)
    #: villages left with several overdue care checks (``care_overdue``), chosen from the checks
    care_laggards: dict[str, str] = field(default_factory=dict)

    @property
    def all_laggards(self) -> dict[str, str]:
        """Every village the generator makes lag: :attr:`laggards` and :attr:`care_laggards`."""
        return {**self.laggards, **self.care_laggards}

    def summary(self, seconds: float = 0.0) -> DemoSummary:
        """The counts of this campaign (what :func:`greening.demo.load_demo` reports)."""
        return DemoSummary.of(self, seconds)


def generate_campaign(seed: int, plantings: int, *, measures: pd.DataFrame | None = None,
                      progress: Callable[[str], None] | None = None) -> DemoCampaign:
    """Generate the demo campaign for ``seed`` with ``plantings`` planting records.

    ``measures`` (id, level, title_zh of attestation-type measures) adds demo attestations.
    Raises ValueError when ``plantings`` is impossible (see
    :func:`greening.demo.plantings.minimum_records`).
    """
    say = progress or (lambda _msg: None)
    seed = int(seed)
    check_record_count(int(plantings), VILLAGE_TOTAL, sum(LAGGARD_COUNTS.values()), tree_total(seed))
    say("生成镇村区划 / generating towns and villages")
    areas = generate_geography(seed)
    villages = areas[areas["level"] == "village"].reset_index(drop=True)
    laggards = choose_laggards(seed, villages)
    by_reason = _invert(laggards)
    species = load_species_catalogue()

    say("生成护绿队、干部与示范点 / generating teams, people and designations")
    teams = generate_teams(seed, villages, by_reason.get("team_inactive", set()), cal.YEAR)
    institutions = generate_institutions(seed)
    lagging_towns = _lagging_towns(laggards)
    people, assignments = generate_people(seed, areas, institutions, by_reason.get("no_cadre", set()),
                                          lagging_towns, cal.YEAR)
    designations = generate_designations(seed, areas, set(laggards), cal.YEAR)

    say(f"生成种植计划与 {plantings:,} 条植树记录 / generating plans and {plantings:,} plantings")
    targets, plans = generate_plans(seed, villages, laggards, set(species["name_zh"]), cal.YEAR)
    records = generate_plantings(seed, villages, targets, plans, plantings)
    leaders = teams.set_index("village_code")["leader_name"]
    demo_codes = set(designations.loc[designations["kind"].isin(["demo_town", "demo_village"]), "area_code"])
    in_demo_town = {c for c in villages["code"] if town_of(c) in demo_codes}
    checks, care = generate_checks(seed, records, targets, leaders, exclude=demo_codes | in_demo_town)
    attestations = generate_attestations(seed, measures, areas, demo_codes)
    return DemoCampaign(seed=seed, areas=areas, species=species, teams=teams,
                        institutions=institutions, people=people, assignments=assignments,
                        designations=designations, targets=targets, plans=plans, plantings=records,
                        checks=checks, attestations=attestations, laggards=laggards,
                        care_laggards=care)


def _invert(laggards: dict[str, str]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for code, reason in laggards.items():
        out.setdefault(reason, set()).add(code)
    return out


def _lagging_towns(laggards: dict[str, str]) -> dict[str, list[str]]:
    """county adcode -> its towns with lagging villages, most laggards first (then by code)."""
    towns = pd.Series([town_of(c) for c in laggards]).value_counts()
    ranked = sorted(((str(town), int(n)) for town, n in towns.items()), key=lambda kv: (-kv[1], kv[0]))
    out: dict[str, list[str]] = {}
    for town, _n in ranked:
        out.setdefault(county_prefix(town), []).append(town)
    return out
