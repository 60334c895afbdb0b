"""An area's coverage after a write, from the counties that changed alone.

The city's computation (1,722 villages) reads and evaluates every county; after a planting in one
county only that county's figures can have changed, if every measure of the catalogue is judged
within a county (:func:`spliceable`: no rule reads rows beyond a village's county). Then the
city's result is its previous result with that county's villages, towns and county row replaced
by the county's own computation (the one its lead's pages use), and what spans counties made
again from the parts:

- the city row: its counts are the previous row's, less the old county rows' and plus the new
  ones' (a city-level record counts for the city itself and stays); the latest dates and the
  mean activity are taken over the parts; ratios, measure counts and the score are derived again;
- the lagging list: the parts' lists merged and ranked again (most severe first, then code);
- the weekly series and the misplaced plantings: the parts' put together.

:func:`splice` gives the same figures as computing the whole area again
(``tests/test_coverage_splice.py`` compares every frame on both backends).
"""
from __future__ import annotations

from collections.abc import Mapping

import geopandas as gpd
import numpy as np
import pandas as pd

from greening.area_codes import county_prefix
from greening.coverage.compute import CoverageResult, _rollup_measures
from greening.coverage.metrics import DESIGNATION_KINDS, ROLES, PlantingArrays, derive
from greening.coverage.rollup import LATEST_COLUMNS, MEAN_COLUMNS, SUM_COLUMNS

__all__ = ["splice", "spliceable", "counties_of"]

#: the city row's columns that are sums over its counties plus its own records
ADDITIVE = [*SUM_COLUMNS, *[f"people_{r}" for r in ROLES], *[f"des_{k}" for k in DESIGNATION_KINDS]]


def counties_of(result: CoverageResult) -> list[str]:
    """The six-digit prefixes of the counties ``result`` holds villages of, in code order."""
    return sorted({str(c)[:6] for c in result.villages["county_code"]})


def spliceable(catalogue, counties) -> bool:
    """Whether a county's computation gives its villages the figures the whole area's gives:
    every measure of ``catalogue`` is judged on rows within a village's county."""
    from greening.coverage.api import coverage_context

    return all(coverage_context(county, catalogue) == county for county in counties)


def splice(whole: CoverageResult, fresh: Mapping[str, CoverageResult]) -> CoverageResult:
    """``whole`` (a computation of the city, or of several counties) with the counties of
    ``fresh`` (six-digit prefix -> that county's own computation, same report date) computed
    again. Counties not in ``fresh`` keep their figures from ``whole``."""
    counties = counties_of(whole)
    if unknown := sorted(set(fresh) - set(counties)):
        raise ValueError(f"counties {unknown} are not in the computed area {whole.scope_prefix!r}")
    for county, result in fresh.items():
        if result.as_of != whole.as_of:
            raise ValueError(f"county {county} was computed as of {result.as_of}, the area as of {whole.as_of}")
        if result.scope_prefix != county:
            raise ValueError(f"the computation given for county {county} is of {result.scope_prefix!r}")
    if not fresh:
        return whole
    renewed = sorted(fresh)

    def spliced(name: str, col: str = "code", order: tuple[str, ...] = ("code",)) -> pd.DataFrame:
        old = getattr(whole, name)
        keep = ~old[col].astype(str).map(county_prefix).isin(renewed).to_numpy(dtype=bool)
        frame = pd.concat([old[keep], *(getattr(fresh[c], name) for c in renewed)], ignore_index=True)
        return frame.sort_values(list(order), kind="stable").reset_index(drop=True)

    villages = gpd.GeoDataFrame(spliced("villages"), geometry="geometry", crs=whole.villages.crs)
    county_rows = spliced("counties")
    old_status = whole.measure_status
    status = pd.concat([old_status[~old_status.index.map(county_prefix).isin(renewed)],
                        *(fresh[c].measure_status for c in renewed)]).sort_index(kind="stable")
    status.index.name = old_status.index.name
    lagging = spliced("lagging", order=("severity", "code"))
    lagging = lagging.sort_values(["severity", "code"], ascending=[False, True], kind="stable").reset_index(drop=True)
    lagging["rank"] = np.arange(1, len(lagging) + 1)
    return CoverageResult(
        as_of=whole.as_of, scope_prefix=whole.scope_prefix, villages=villages, towns=spliced("towns"),
        counties=county_rows, city=_city_rows(whole, county_rows, villages), measure_status=status,
        weekly=spliced("weekly", "county_code", ("county_code", "week_start")),
        unassigned=spliced("unassigned", "claimed_village_code", ("id",)),
        outside=spliced("outside", "claimed_village_code", ("id",)), lagging=lagging,
        measures=whole.measures, cover_layers=whole.cover_layers,
        _weekly_source=_weekly_source(whole, counties, fresh))


def _city_rows(whole: CoverageResult, counties: pd.DataFrame, villages: pd.DataFrame) -> pd.DataFrame:
    if not len(whole.city):
        return whole.city
    if len(whole.city) > 1:
        raise ValueError("a computation of more than one city cannot be spliced")
    base = whole.city[["code", "name"]].copy()
    before = whole.counties[ADDITIVE].sum()
    after = counties[ADDITIVE].sum()
    for col in ADDITIVE:
        base[col] = (whole.city[col] - before[col] + after[col]).to_numpy()
        base[col] = base[col].astype(whole.city[col].dtype)
    for col in LATEST_COLUMNS:
        base[col] = counties[col].max()
    for col in MEAN_COLUMNS:
        base[col] = villages[col].mean()
    since = (pd.Timestamp(whole.as_of) - pd.to_datetime(base["last_activity_on"])).dt.days
    base["days_inactive"] = since.astype("Float64")
    city = derive(base)
    _rollup_measures(city, villages, "city")
    return city[list(whole.city.columns)]


def _weekly_source(whole: CoverageResult, counties: list[str],
                   fresh: Mapping[str, CoverageResult]) -> tuple | None:
    """The plantings a part of the area counts its weekly series from (see
    :meth:`CoverageResult.within`): each fresh county's own, the others' taken from ``whole``.
    Village positions are the spliced villages' (a point in another county's village: -1, as in
    that county's own computation)."""
    if whole._weekly_source is None or any(fresh[c]._weekly_source is None for c in fresh):
        return None
    pa_all, codes_all, counties_all = whole._weekly_source
    blocks: list[tuple] = []
    for county in counties:
        own = fresh[county]._weekly_source if county in fresh else None
        if own is not None:
            blocks.append(own)
            continue
        inside = np.flatnonzero(np.char.startswith(codes_all.astype(str), county))
        lo, hi = int(inside[0]), int(inside[-1]) + 1  # villages are in code order: one block
        keep = (pa_all.credit >= lo) & (pa_all.credit < hi)

        def local(pos: np.ndarray, lo: int = lo, hi: int = hi) -> np.ndarray:
            return np.where((pos >= lo) & (pos < hi), pos - lo, -1)

        pa = PlantingArrays(pa_all.credit[keep] - lo, local(pa_all.located[keep]), local(pa_all.claimed[keep]),
                            pa_all.day[keep], pa_all.trees[keep], pa_all.rows[keep])
        blocks.append((pa, codes_all[lo:hi], counties_all[lo:hi]))
    offset, parts = 0, []
    for pa, codes, _ in blocks:
        parts.append((pa.credit + offset, np.where(pa.located >= 0, pa.located + offset, -1),
                      np.where(pa.claimed >= 0, pa.claimed + offset, -1), pa.day, pa.trees, pa.rows))
        offset += len(codes)
    merged = PlantingArrays(*(np.concatenate([p[i] for p in parts]) for i in range(6)))
    return (merged, np.concatenate([b[1] for b in blocks]), np.concatenate([b[2] for b in blocks]))
