"""What a demo load produced: counts by table and the campaign's headline figures."""
from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field

__all__ = ["DemoSummary"]


@dataclass(frozen=True)
class DemoSummary:
    """Counts of the demo campaign. ``str()`` gives a one-line Chinese/English summary.

    ``worthies_named`` persons are stored; ``worthies_mobilised`` is the article's count of
    people mobilised (a figure, not persons). ``laggards`` maps each deliberately lagging
    village's code to its reason (see :mod:`greening.demo.lagging_truth`).
    """

    seed: int
    year: int
    as_of: dt.date
    counties: int
    towns: int
    streets: int
    villages: int
    communities: int
    teams: int
    teams_active: int
    demo_towns: int
    demo_villages: int
    industry_models: int
    demo_belts: int
    courtyards: int
    theme_forests: int
    graded_cadres: int
    first_secretaries: int
    instructors: int
    experts: int
    institutions: int
    worthies_named: int
    worthies_mobilised: int
    city_leaders: int
    county_leaders: int
    town_leaders: int
    species: int
    plan_lines: int
    trees_planned: int
    seedlings_secured: int
    planting_records: int
    plantings_rejected: int
    trees_planted: int
    trees_verified: int
    survival_checks: int
    care_checks: int
    survival_rate: float | None
    attestations: int
    laggards: dict[str, str] = field(default_factory=dict, repr=False)
    seconds: float = 0.0

    @classmethod
    def of(cls, campaign, seconds: float = 0.0) -> DemoSummary:
        from greening.demo import calendar as cal
        from greening.demo.people import WORTHIES_MOBILISED

        a, p, d = campaign.areas, campaign.people, campaign.designations
        rec, chk = campaign.plantings, campaign.checks
        kinds = a["kind"].value_counts()
        people = p["kind"].value_counts()
        desig = d["kind"].value_counts()
        ok = rec["status"] != "rejected"
        # the survival rate counts each planting's latest survival check (as the totals do:
        # greening.services.totals), of plantings not rejected
        surv = chk[(chk["kind"] == "survival") & chk["alive_count"].notna()]
        surv = surv.drop_duplicates("planting_index", keep="last")
        surv = surv[ok.to_numpy()[surv["planting_index"].to_numpy()]]
        checked = rec["tree_count"].to_numpy()[surv["planting_index"].to_numpy()].sum() if len(surv) else 0
        n = lambda s, k: int(s.get(k, 0))  # noqa: E731
        return cls(
            seed=campaign.seed, year=cal.YEAR, as_of=cal.AS_OF,
            counties=n(kinds, "county"), towns=n(kinds, "town") + n(kinds, "street"),
            streets=n(kinds, "street"), villages=n(kinds, "village") + n(kinds, "community"),
            communities=n(kinds, "community"), teams=len(campaign.teams),
            teams_active=int(campaign.teams["active"].sum()),
            demo_towns=n(desig, "demo_town"), demo_villages=n(desig, "demo_village"),
            industry_models=n(desig, "industry_model"), demo_belts=n(desig, "demo_belt"),
            courtyards=n(desig, "courtyard"), theme_forests=n(desig, "theme_forest"),
            graded_cadres=n(people, "graded_cadre"), first_secretaries=n(people, "first_secretary"),
            instructors=n(people, "instructor"), experts=n(people, "expert"),
            institutions=len(campaign.institutions), worthies_named=n(people, "local_worthy"),
            worthies_mobilised=WORTHIES_MOBILISED, city_leaders=n(people, "city_leader"),
            county_leaders=n(people, "county_leader"), town_leaders=n(people, "town_leader"),
            species=len(campaign.species), plan_lines=len(campaign.plans),
            trees_planned=int(campaign.plans["planned_count"].sum()),
            seedlings_secured=int(campaign.plans["seedlings_secured"].sum()),
            planting_records=len(rec), plantings_rejected=int((~ok).sum()),
            trees_planted=int(rec.loc[ok, "tree_count"].sum()),
            trees_verified=int(rec.loc[rec["status"] == "verified", "tree_count"].sum()),
            survival_checks=int((chk["kind"] == "survival").sum()), care_checks=int((chk["kind"] == "care").sum()),
            survival_rate=(round(float(surv["alive_count"].sum()) / float(checked), 4) if checked else None),
            attestations=len(campaign.attestations), laggards=campaign.all_laggards,
            seconds=round(seconds, 1),
        )

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)

    def __str__(self) -> str:
        return (f"示例活动（种子 {self.seed}）：{self.counties} 区县、{self.towns} 镇街、"
                f"{self.villages:,} 村（社区）、{self.teams:,} 支护绿队、{self.demo_towns} 示范镇、"
                f"{self.demo_villages} 示范村、{self.planting_records:,} 条植树记录、"
                f"植树 {self.trees_planted:,} 株、{len(self.laggards)} 个后进村 / "
                f"demo campaign (seed {self.seed}): {self.counties} counties, {self.towns} towns, "
                f"{self.villages:,} villages, {self.teams:,} teams, "
                f"{self.trees_planted:,} trees in {self.planting_records:,} records, "
                f"{len(self.laggards)} lagging villages, {self.seconds:.1f} s")
