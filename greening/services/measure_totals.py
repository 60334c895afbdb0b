"""The 56 measures under six plans, counted over the actor's area for the totals command.

A measure is *satisfied across the area* when every village it applies to meets it (for a town,
county or city measure: the village's town, county or the city meets it), and it applies to at
least one village. Beside that strict count, ``pairs_met`` / ``pairs_applicable`` is the share of
village × measure pairs met, which is the area's measure coverage (措施覆盖率) on the pages.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from greening.actor import Actor
from greening.permissions import require

__all__ = ["MeasureTotals", "measure_totals", "measure_totals_from"]


@dataclass(frozen=True)
class MeasureTotals:
    measures: int                       # measures in the catalogue in force
    plans: int                          # plans they are grouped in
    satisfied: int                      # measures met in every village they apply to
    applicable: int                     # measures that apply to at least one village
    pairs_met: int                      # village × measure pairs met
    pairs_applicable: int               # village × measure pairs that apply
    by_plan: list[tuple[int, int, int]]  # (plan, measures, satisfied), by plan number

    @property
    def coverage(self) -> float | None:
        return self.pairs_met / self.pairs_applicable if self.pairs_applicable else None


def measure_totals_from(catalogue, status: pd.DataFrame) -> MeasureTotals:
    """Count ``catalogue`` (MeasureSpec list) against ``status`` (village × measure, True/False/NA)."""
    satisfied_ids: set[str] = set()
    applicable_ids: set[str] = set()
    pairs_met = pairs_applicable = 0
    for m in catalogue:
        column = status[m.id] if m.id in status.columns else pd.Series(dtype="boolean")
        known = column.dropna()
        if len(known):
            applicable_ids.add(m.id)
            met = int(known.astype(bool).sum())
            pairs_met += met
            pairs_applicable += len(known)
            if met == len(known):
                satisfied_ids.add(m.id)
    plans = sorted({int(m.plan) for m in catalogue})
    by_plan = [(p, sum(int(m.plan) == p for m in catalogue),
                sum(int(m.plan) == p and m.id in satisfied_ids for m in catalogue)) for p in plans]
    return MeasureTotals(measures=len(catalogue), plans=len(plans), satisfied=len(satisfied_ids),
                         applicable=len(applicable_ids), pairs_met=pairs_met,
                         pairs_applicable=pairs_applicable, by_plan=by_plan)


def measure_totals(conn, actor: Actor) -> MeasureTotals:
    """The catalogue in force counted over ``actor``'s area (runs the coverage computation)."""
    from greening.coverage.api import catalogue_in_force, coverage_for

    require(actor, "village.view")
    catalogue = catalogue_in_force(conn)
    result = coverage_for(conn, actor, catalogue=catalogue)
    return measure_totals_from(catalogue, result.measure_status)
