"""Per-village metrics of the campaign year, and the composite score.

The campaign year is the calendar year of ``as_of``: plantings, plans and care checks count from
1 January to ``as_of``; a planting counts for the village it was *claimed* for (the team's work,
and the plan it answers), and is flagged when its point lies elsewhere. Rejected and deleted
records never count.

Columns of the metrics frame (one row per village; towns, counties and the city have the same
columns, see :mod:`greening.coverage.rollup`):

- identity: ``code``, ``name``, ``town_code``, ``county_code``, ``villages`` (1 per village)
- planting: ``plantings`` (records), ``trees`` (reported), ``trees_verified``, ``planted_area_m2``,
  ``site_<type>`` (trees per site type), ``party_plantings`` (records with Party members),
  ``party_turnout``, ``villager_turnout``, ``outside_plantings`` / ``outside_trees`` (point not
  in the claimed village, or in no village)
- plan: ``planned``, ``seedlings_secured``, ``villages_with_plan``, ``completion`` = trees /
  planned (NA when nothing is planned: shown as not applicable, never a division by zero)
- care: ``survival_checked`` (trees of plantings with a survival check), ``survival_alive``
  (latest check per planting, capped at the trees planted), ``survival_rate`` = alive / checked
  (NA before any check), ``care_checks``
- time: ``last_planted_on``, ``last_care_on``, ``last_activity_on``, ``days_inactive`` (NA never)
- people: ``teams``, ``active_teams``, ``team_members``, ``team_party_members``, ``team_leader``,
  ``team_leader_phone``, ``people_<role>`` (assignments on the area), ``villages_with_first_secretary``
  (first secretary or instructor), ``villages_with_cadre``, ``villages_with_expert`` (expert on the
  village or its town)
- designations: ``des_<kind>`` (on the area)
- ratios: ``area_km2``, ``trees_per_km2``, ``verified_share`` (NA with no trees)
- measures: ``measures_applicable``, ``measures_satisfied``, ``coverage`` = satisfied / applicable
- ``activity`` = clip(1 − days_inactive / lag_inactive_days, 0, 1), 0 when never active
- ``score``: the composite score, 0-100.

Composite score. ``score = 100 × Σ wᵢ·cᵢ / Σ wᵢ`` over the components cᵢ that are defined for the
village (an undefined one drops out with its weight), with :class:`ScoreWeights`:

============  =======  ==========================================
component     weight   value
============  =======  ==========================================
completion    0.35     min(completion, 1)
coverage      0.25     measures satisfied / applicable
survival      0.15     min(survival rate, 1)
verified      0.10     verified trees / reported trees
activity      0.15     ``activity`` above
============  =======  ==========================================

A town's, county's or city's score is the plain mean of its villages' scores, so one large
village cannot hide the others.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from greening.area_codes import parent_codes
from greening.coverage.inputs import CoverageInputs
from greening.coverage.join import areas_m2
from greening.models.enums import DesignationKind, PersonKind, SiteType
from greening.validation.errors import Refusal

__all__ = ["ScoreWeights", "village_metrics", "derive", "score", "campaign_start", "positions",
           "planting_arrays", "PlantingArrays", "progress_metrics", "PROGRESS_COLUMNS", "SITE_TYPES", "DESIGNATION_KINDS", "ROLES"]

SITE_TYPES = [str(s) for s in SiteType]
DESIGNATION_KINDS = [str(k) for k in DesignationKind]
ROLES = [str(r) for r in PersonKind]
_NO_DAY = np.iinfo(np.int64).min
#: the figures :func:`progress_metrics` gives (as the pages name them: trees are ``planted``)
PROGRESS_COLUMNS = ["planned", "planted", "plan_completion", "survival", "trees_per_km2"]


@dataclass(frozen=True)
class ScoreWeights:
    """Weights of the composite score (see the module docstring). Any non-negative numbers."""

    completion: float = 0.35
    coverage: float = 0.25
    survival: float = 0.15
    verified: float = 0.10
    activity: float = 0.15

    def __post_init__(self):
        values = [self.completion, self.coverage, self.survival, self.verified, self.activity]
        if any(v < 0 for v in values) or sum(values) <= 0:
            raise Refusal.of("score_weights_bad", weights=str(self))


def campaign_start(as_of: dt.date) -> dt.date:
    return dt.date(as_of.year, 1, 1)


def _day(d: dt.date) -> int:
    return int(np.datetime64(d, "D").astype(np.int64))


def _days(series: pd.Series) -> np.ndarray:
    """Day numbers (since 1970-01-01) of a date column; missing dates -> _NO_DAY."""
    arr = pd.to_datetime(series).to_numpy(dtype="datetime64[D]")
    out = arr.astype(np.int64)
    out[np.isnat(arr)] = _NO_DAY
    return out


def positions(values: pd.Series, codes: pd.Index) -> np.ndarray:
    """Position of each code in ``codes`` (-1 when missing or not found)."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        cat = codes.get_indexer(values.cat.categories.astype(str))
        c = values.cat.codes.to_numpy()
        return np.where(c >= 0, cat[np.maximum(c, 0)], -1)
    return codes.get_indexer(pd.Index(values.astype(object)))


def _to_dates(days: np.ndarray) -> pd.Series:
    out = pd.Series(pd.to_datetime(np.where(days == _NO_DAY, 0, days), unit="D"))
    return out.where(days != _NO_DAY)


def _bincount(pos: np.ndarray, n: int, weights=None) -> np.ndarray:
    return np.bincount(pos, weights=weights, minlength=n)[:n]


def _last(pos: np.ndarray, days: np.ndarray, n: int) -> np.ndarray:
    out = np.full(n, _NO_DAY, dtype=np.int64)
    np.maximum.at(out, pos, days)
    return out


@dataclass
class PlantingArrays:
    """The counted plantings as arrays: credited village, located village, day, trees, row."""

    credit: np.ndarray
    located: np.ndarray
    claimed: np.ndarray
    day: np.ndarray
    trees: np.ndarray
    rows: np.ndarray  # row numbers in inputs.plantings


def planting_arrays(inputs: CoverageInputs, codes: pd.Index, as_of: dt.date,
                    located: np.ndarray | None = None) -> PlantingArrays:
    """The plantings of the campaign year up to ``as_of`` that count (not rejected)."""
    p = inputs.plantings
    day = _days(p["planted_on"])
    keep = (day >= _day(campaign_start(as_of))) & (day <= _day(as_of))
    keep &= (p["status"] != "rejected").to_numpy(dtype=bool, na_value=True)
    claimed = positions(p["claimed_village_code"], codes)
    if located is None:
        located = positions(p["village_code"], codes)
    credit = np.where(claimed >= 0, claimed, located)
    keep &= credit >= 0
    rows = np.flatnonzero(keep)
    return PlantingArrays(credit[rows].astype(np.int64), np.asarray(located)[rows],
                          claimed[rows], day[rows],
                          p["tree_count"].to_numpy(dtype=np.float64)[rows], rows)


def village_metrics(inputs: CoverageInputs, as_of: dt.date, *, located: np.ndarray | None = None,
                    plantings: PlantingArrays | None = None,
                    inactive_days: int = 60) -> pd.DataFrame:
    """The metrics frame of every village of ``inputs`` (see the module docstring).

    ``located``: village positions of the planting points from a fresh join (the "recompute"
    path); by default the ``village_code`` stored with each planting is used. ``plantings``:
    the result of :func:`planting_arrays` when the caller already has it.
    """
    v = inputs.villages
    codes = pd.Index(v["code"].astype(str))
    n = len(codes)
    code = pd.Series(codes.to_numpy(), dtype="str")
    out: dict[str, object] = {"code": code.to_numpy(), "name": v["name"].to_numpy(),
                              "town_code": parent_codes(code, "town").to_numpy(),
                              "county_code": parent_codes(code, "county").to_numpy(),
                              "villages": np.ones(n, dtype=np.int64)}
    out["area_km2"] = _area_km2(v)
    pa = plantings if plantings is not None else planting_arrays(inputs, codes, as_of, located)
    last = _add_plantings(out, inputs.plantings, pa, n)
    _add_plans(out, inputs.plans, codes, as_of)
    last_care = _add_checks(out, inputs, pa, codes, as_of)
    _add_teams(out, inputs.teams, codes)
    _add_roster(out, inputs, codes, as_of)
    prior = np.full(n, _NO_DAY, dtype=np.int64)
    la = inputs.last_activity
    if len(la):
        pos = positions(la["village_code"], codes)
        ok = pos >= 0
        d = np.minimum(_days(la["last_on"])[ok], _day(as_of))
        prior = _last(pos[ok], d, n)
    activity = np.maximum(np.maximum(last, last_care), prior)
    out["last_planted_on"] = _to_dates(last)
    out["last_care_on"] = _to_dates(last_care)
    out["last_activity_on"] = _to_dates(activity)
    since = (_day(as_of) - activity).astype("float64")
    since[activity == _NO_DAY] = np.nan
    out["days_inactive"] = pd.array(since, dtype="Float64")
    out["activity"] = np.clip(1 - np.nan_to_num(since, nan=np.inf) / max(inactive_days, 1), 0, 1)
    _add_green_cover(out, inputs, codes)
    return derive(pd.DataFrame(out))


def _area_km2(v) -> np.ndarray:
    area = v["area_m2"].to_numpy(dtype=float, copy=True)
    if np.isnan(area).any() and "geometry" in v:
        missing = np.isnan(area)
        area[missing] = areas_m2(v.geometry[missing]).to_numpy()
    return area / 1e6


def progress_metrics(inputs: CoverageInputs, as_of: dt.date) -> pd.DataFrame:
    """``code`` and :data:`PROGRESS_COLUMNS` (named as the pages name them) of every village of
    ``inputs``, from the same parts of :func:`village_metrics` (trees credited, plans, latest
    survival checks, area) without the rest: a village's own progress, cheaply."""
    codes = pd.Index(inputs.villages["code"].astype(str))
    n = len(codes)
    pa = planting_arrays(inputs, codes, as_of)
    out: dict[str, object] = {}
    trees = _bincount(pa.credit, n, pa.trees).astype(np.int64)
    _add_plans(out, inputs.plans, codes, as_of)
    _add_checks(out, inputs, pa, codes, as_of)
    figures = {"planned": out["planned"], "planted": trees,
               "plan_completion": _ratio(trees, out["planned"]),
               "survival": _ratio(out["survival_alive"], out["survival_checked"]),
               "trees_per_km2": _ratio(trees, _area_km2(inputs.villages))}
    frame = pd.DataFrame({"code": codes.to_numpy()})
    for col in PROGRESS_COLUMNS:
        frame[col] = pd.to_numeric(pd.Series(np.asarray(figures[col], dtype=object)), errors="coerce").astype(float)
    return frame


def _add_green_cover(out, inputs, codes) -> None:
    """Green cover from rasters (:mod:`greening.greencover.change`), NaN without any."""
    from greening.greencover.change import cover_columns

    raw = inputs.green_cover
    raw = cover_columns(codes, None, None) if raw is None else raw.reindex(codes)
    out.update({k: raw[k].to_numpy(dtype=float) for k in raw.columns})


def _add_plantings(out, p, pa: PlantingArrays, n) -> np.ndarray:
    c, rows = pa.credit, pa.rows
    out["plantings"] = _bincount(c, n).astype(np.int64)
    out["trees"] = _bincount(c, n, pa.trees).astype(np.int64)
    verified = (p["status"] == "verified").to_numpy(dtype=bool, na_value=False)[rows]
    out["trees_verified"] = _bincount(c, n, pa.trees * verified).astype(np.int64)
    area = np.nan_to_num(p["area_m2"].to_numpy(dtype=np.float64, na_value=np.nan)[rows])
    out["planted_area_m2"] = _bincount(c, n, area)
    party = p["party_members"].to_numpy(dtype=np.float64, na_value=0)[rows]
    out["party_plantings"] = _bincount(c, n, (party > 0).astype(float)).astype(np.int64)
    out["party_turnout"] = _bincount(c, n, party).astype(np.int64)
    out["villager_turnout"] = _bincount(
        c, n, p["villagers"].to_numpy(dtype=np.float64, na_value=0)[rows]).astype(np.int64)
    site = pd.Categorical(p["site_type"].iloc[rows] if len(rows) < len(p) else p["site_type"],
                          categories=SITE_TYPES).codes
    ok = site >= 0
    per_site = _bincount(c[ok] * len(SITE_TYPES) + site[ok], n * len(SITE_TYPES),
                         pa.trees[ok]).reshape(n, len(SITE_TYPES))
    for i, s in enumerate(SITE_TYPES):
        out[f"site_{s}"] = per_site[:, i].astype(np.int64)
    outside = pa.located != pa.credit
    out["outside_plantings"] = _bincount(c[outside], n).astype(np.int64)
    out["outside_trees"] = _bincount(c[outside], n, pa.trees[outside]).astype(np.int64)
    return _last(c, pa.day, n)


def _add_plans(out, plans, codes, as_of) -> None:
    n = len(codes)
    plans = plans[plans["year"] == as_of.year]
    pos = positions(plans["village_code"], codes)
    ok = pos >= 0
    out["planned"] = _bincount(pos[ok], n, plans["planned_count"].to_numpy(float)[ok]).astype(np.int64)
    out["seedlings_secured"] = _bincount(
        pos[ok], n, plans["seedlings_secured"].to_numpy(float)[ok]).astype(np.int64)
    out["villages_with_plan"] = (out["planned"] > 0).astype(np.int64)


def _add_checks(out, inputs, pa: PlantingArrays, codes, as_of) -> np.ndarray:
    n = len(codes)
    ch = inputs.checks
    day = _days(ch["checked_on"])
    in_time = (day <= _day(as_of))
    survival = ch[in_time & (ch["kind"] == "survival").to_numpy(dtype=bool, na_value=False)]
    counted = pd.Index(inputs.plantings["id"].to_numpy()[pa.rows])
    if len(survival):
        latest = survival.sort_values("checked_on", kind="stable").drop_duplicates(
            "planting_id", keep="last")
        at = counted.get_indexer(latest["planting_id"])
        ok = at >= 0
        trees = pa.trees[at[ok]]
        alive = np.minimum(np.nan_to_num(latest["alive_count"].to_numpy(float)[ok]), trees)
        out["survival_checked"] = _bincount(pa.credit[at[ok]], n, trees).astype(np.int64)
        out["survival_alive"] = _bincount(pa.credit[at[ok]], n, alive).astype(np.int64)
    else:
        out["survival_checked"] = 0
        out["survival_alive"] = 0
    care_mask = in_time & (day >= _day(campaign_start(as_of))) & \
        (ch["kind"] == "care").to_numpy(dtype=bool, na_value=False)
    pos = positions(ch["village_code"][care_mask], codes)
    ok = pos >= 0
    out["care_checks"] = _bincount(pos[ok], n).astype(np.int64)
    any_check = in_time
    pos_all = positions(ch["village_code"][any_check], codes)
    ok_all = pos_all >= 0
    return _last(pos_all[ok_all], day[any_check][ok_all], n)


def _add_teams(out, teams, codes) -> None:
    n = len(codes)
    t = teams.assign(_pos=positions(teams["village_code"], codes))
    t = t[t["_pos"] >= 0].sort_values(["_pos", "active"], ascending=[True, False], kind="stable")
    first = t.drop_duplicates("_pos")
    pos = first["_pos"].to_numpy()
    out["teams"] = _bincount(t["_pos"].to_numpy(), n).clip(max=1).astype(np.int64)
    active = first["active"].to_numpy(dtype=bool)
    active_teams = np.zeros(n, dtype=np.int64)
    active_teams[pos[active]] = 1
    out["active_teams"] = active_teams
    for col, src in (("team_members", "members"), ("team_party_members", "party_members")):
        vals = np.zeros(n, dtype=np.int64)
        vals[pos[active]] = first[src].to_numpy(dtype=np.float64, na_value=0)[active].astype(np.int64)
        out[col] = vals
    for col, src in (("team_leader", "leader_name"), ("team_leader_phone", "leader_phone")):
        vals = np.full(n, None, dtype=object)
        vals[pos] = first[src].to_numpy(dtype=object)
        out[col] = vals


def _add_roster(out, inputs, codes, as_of) -> None:
    n = len(codes)
    a = inputs.assignments
    pos = positions(a["area_code"], codes)
    role = pd.Categorical(a["role"], categories=ROLES).codes
    ok = (pos >= 0) & (role >= 0)
    per = _bincount(pos[ok] * len(ROLES) + role[ok], n * len(ROLES)).reshape(n, len(ROLES))
    for i, r in enumerate(ROLES):
        out[f"people_{r}"] = per[:, i].astype(np.int64)
    out["villages_with_first_secretary"] = (
        (out["people_first_secretary"] + out["people_instructor"]) > 0).astype(np.int64)
    out["villages_with_cadre"] = (out["people_graded_cadre"] > 0).astype(np.int64)
    experts = a.loc[(a["role"] == "expert").to_numpy(dtype=bool, na_value=False), "area_code"]
    town_has = np.isin(out["town_code"], list(set(experts.astype(str))))
    out["villages_with_expert"] = ((out["people_expert"] > 0) | town_has).astype(np.int64)
    d = inputs.designations
    d = d[d["year"] <= as_of.year]
    pos = positions(d["area_code"], codes)
    kind = pd.Categorical(d["kind"], categories=DESIGNATION_KINDS).codes
    ok = (pos >= 0) & (kind >= 0)
    k = len(DESIGNATION_KINDS)
    per = _bincount(pos[ok] * k + kind[ok], n * k).reshape(n, k)
    for i, kd in enumerate(DESIGNATION_KINDS):
        out[f"des_{kd}"] = per[:, i].astype(np.int64)


def _ratio(num, den) -> pd.Series:
    den = pd.Series(den, dtype="Float64")
    return pd.Series(num, dtype="Float64") / den.where(den > 0)


def derive(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with its ratio columns recomputed from its count columns (after roll-ups)."""
    from greening.greencover.change import derive_cover

    f = frame
    return derive_cover(f.assign(completion=_ratio(f["trees"], f["planned"]).to_numpy(),
                    survival_rate=_ratio(f["survival_alive"], f["survival_checked"]).to_numpy(),
                    verified_share=_ratio(f["trees_verified"], f["trees"]).to_numpy(),
                    trees_per_km2=_ratio(f["trees"], f["area_km2"]).to_numpy()))


def score(frame: pd.DataFrame, weights: ScoreWeights | None = None) -> pd.Series:
    """The composite score (0-100) of each village row; NA when no component is defined."""
    w = weights or ScoreWeights()
    parts = {
        "completion": frame["completion"].clip(upper=1),
        "coverage": frame["coverage"],
        "survival": frame["survival_rate"].clip(upper=1),
        "verified": frame["verified_share"],
        "activity": pd.Series(frame["activity"], dtype="Float64"),
    }
    num = pd.Series(0.0, index=frame.index, dtype="Float64")
    den = pd.Series(0.0, index=frame.index, dtype="Float64")
    for name, values in parts.items():
        weight = getattr(w, name)
        values = pd.Series(values, dtype="Float64")
        num = num + (values * weight).fillna(0)
        den = den + values.notna().astype(float) * weight
    return (100 * num / den.where(den > 0)).round(1)
