"""Lagging villages: which villages are behind, why (in Chinese and English), and who answers.

A village is flagged for each of these reasons (thresholds from :func:`greening.config.get_settings`):

=================  ==========================================================================
code               when
=================  ==========================================================================
behind_pace        planned > 0 and completion < seasonal pace × ``lag_pace_ratio``
no_plan            nothing planned for the year
low_coverage       measure coverage < ``lag_min_coverage``
inactive           no planting or care for ``lag_inactive_days`` days (or none ever)
low_survival       survival rate < ``lag_min_survival`` (only once survival was checked)
no_team            no Party-member greening team
team_inactive      the team exists but is marked inactive
no_first_secretary no first secretary, Party-building instructor or graded cadre assigned
outside_village    plantings claimed for the village whose point lies elsewhere
not_visible        reported plantings not visible from above (:mod:`greening.greencover.change`)
care_overdue       more care and survival checks overdue than ``lag_max_overdue_care``
                   (the care schedule, :mod:`greening.supervision.care_schedule`)
=================  ==========================================================================

Seasonal pace. Zhanjiang plants in the cool dry spring and the start of the rainy season
(Arbor Day 12 March, the article's tally is "as of early June"), so the expected share of the
year's plan done by the end of each month is :data:`SEASONAL_PACE` (Jan 10 %, Feb 30 %, Mar
55 %, Apr 75 %, May 90 %, Jun onwards 100 %), interpolated by day within a month.

Severity ranks the list: each reason adds its weight (:data:`REASON_WEIGHTS`) times
(0.5 + 0.5 × how far past the threshold the village is, 0-1); fixed reasons add their full weight.

Each row: rank, code, name, town and county (code and name), severity, ``reasons`` (codes),
``reason_list`` ((code, Chinese, English) per reason), ``reasons_zh`` / ``reasons_en`` (joined
with "；" / "; "), completion, expected_pace, coverage, days_inactive, survival_rate, score,
``unmet_measures`` (ids, comma-separated), ``care_overdue`` and ``care_oldest_due`` (checks overdue
on the care schedule, the oldest due date) and the people below.

Responsible people: the team leader, the village's first secretaries / instructors, and the
nearest town leader, county leader and city leader in charge (Assignment roles town_leader,
county_leader, city_leader on the village's town, county or city; a city leader in charge of a
town wins over one in charge of its county).
"""
from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from greening.area_codes import parent_codes
from greening.coverage.inputs import CoverageInputs
from greening.coverage.reason_text import PHRASES, reason_texts

__all__ = ["SEASONAL_PACE", "REASON_WEIGHTS", "Reason", "seasonal_pace", "lagging_villages",
           "responsible_people"]

#: Cumulative share of the annual plan expected by the end of each month (Jan..Dec).
SEASONAL_PACE = (0.10, 0.30, 0.55, 0.75, 0.90, 1.00, 1.00, 1.00, 1.00, 1.00, 1.00, 1.00)

REASON_WEIGHTS = {
    "behind_pace": 30.0, "no_plan": 25.0, "inactive": 20.0, "low_coverage": 20.0,
    "low_survival": 15.0, "no_team": 15.0, "team_inactive": 10.0, "no_first_secretary": 10.0,
    "outside_village": 10.0, "not_visible": 20.0, "care_overdue": 15.0,
}


@dataclass(frozen=True)
class Reason:
    code: str
    zh: str
    en: str
    severity: float


def seasonal_pace(day: dt.date) -> float:
    """Expected share (0-1) of the year's plan done by ``day`` (see :data:`SEASONAL_PACE`)."""
    before = SEASONAL_PACE[day.month - 2] if day.month > 1 else 0.0
    end = SEASONAL_PACE[day.month - 1]
    length = calendar.monthrange(day.year, day.month)[1]
    return before + (end - before) * day.day / length


def _graded(weight: float, magnitude: float) -> float:
    return weight * (0.5 + 0.5 * min(max(float(magnitude), 0.0), 1.0))


def _pct(x) -> str:
    return f"{100 * float(x):.0f}%"


def _care_reason(overdue, oldest, s) -> Reason | None:
    """``care_overdue``: more checks overdue than ``lag_max_overdue_care``; the count and the oldest due date."""
    if pd.isna(overdue) or int(overdue) <= s.lag_max_overdue_care:
        return None
    n, day = int(overdue), pd.Timestamp(oldest).date()
    return _reason("care_overdue", _graded(REASON_WEIGHTS["care_overdue"],
                                           (n - s.lag_max_overdue_care) / (3 * max(s.lag_max_overdue_care, 1))),
                   n=n, due=day)


def _reason(name: str, severity: float, **params) -> Reason:
    """The reason worded by :data:`greening.coverage.reason_text.PHRASES` ``name``."""
    zh, en = reason_texts(name, **params)
    return Reason(PHRASES[name].code, zh, en, severity)


def _care_columns(overdue: Any, oldest: Any) -> dict:
    return {"care_overdue": 0 if pd.isna(overdue) else int(overdue),
            "care_oldest_due": None if pd.isna(oldest) else pd.Timestamp(oldest).date()}


def _reasons(row, pace: float, s) -> list[Reason]:
    w, out = REASON_WEIGHTS, []
    planned, completion = int(row.planned), row.completion
    if planned > 0 and not pd.isna(completion) and completion < pace * s.lag_pace_ratio:
        out.append(_reason("behind_pace", _graded(w["behind_pace"], 1 - completion / pace), done=_pct(completion),
                           trees=f"{int(row.trees):,}", planned=f"{planned:,}", pace=_pct(pace)))
    if planned == 0:
        out.append(_reason("no_plan", w["no_plan"]))
    cov = row.coverage
    if not pd.isna(cov) and cov < s.lag_min_coverage:
        out.append(_reason("low_coverage", _graded(w["low_coverage"], 1 - cov / s.lag_min_coverage),
                           met=int(row.measures_satisfied), applicable=int(row.measures_applicable),
                           share=_pct(cov), floor=_pct(s.lag_min_coverage)))
    days = row.days_inactive
    if pd.isna(days):
        out.append(_reason("never_active", w["inactive"]))
    elif days >= s.lag_inactive_days:
        out.append(_reason("inactive", _graded(w["inactive"], days / (2 * s.lag_inactive_days)), days=int(days)))
    rate = row.survival_rate
    if not pd.isna(rate) and rate < s.lag_min_survival:
        out.append(_reason("low_survival", _graded(w["low_survival"], 1 - rate / s.lag_min_survival),
                           rate=_pct(rate), floor=_pct(s.lag_min_survival)))
    if int(row.teams) == 0:
        out.append(_reason("no_team", w["no_team"]))
    elif int(row.active_teams) == 0:
        out.append(_reason("team_inactive", w["team_inactive"]))
    if int(row.villages_with_first_secretary) == 0 and int(row.villages_with_cadre) == 0:
        out.append(_reason("no_first_secretary", w["no_first_secretary"]))
    if int(row.outside_plantings) > 0:
        share = row.outside_trees / max(int(row.trees), 1)
        out.append(_reason("outside_village", _graded(w["outside_village"], share * 5),
                           plantings=int(row.outside_plantings), trees=int(row.outside_trees)))
    if pd.notna(row.not_visible) and bool(row.not_visible):
        from greening.greencover.change import not_visible_text

        zh, en = not_visible_text(float(row.trees_since_prev_per_ha), 100 * float(row.green_change))
        out.append(Reason("not_visible", zh, en, w["not_visible"]))
    care = _care_reason(row.care_overdue, row.care_oldest_due, s)
    if care:
        out.append(care)
    return out


def responsible_people(villages: pd.DataFrame, inputs: CoverageInputs) -> pd.DataFrame:
    """Team leader, first secretaries, town / county / city leaders in charge, per village code."""
    a = inputs.assignments
    names: dict[tuple[str, str], list[str]] = {}
    for role, area, name, title in zip(a["role"].astype(str), a["area_code"].astype(str),
                                       a["name"].astype(str), a["title"], strict=False):
        label = f"{name}（{title}）" if isinstance(title, str) and title else name
        names.setdefault((role, area), []).append(label)
    codes = villages["code"].astype(str)
    town, county = parent_codes(codes, "town"), parent_codes(codes, "county")
    city = parent_codes(codes, "city")

    def lookup(role, where):
        table = {area: "、".join(sorted(v)) for (r, area), v in names.items() if r == role}
        return where.map(table)

    out = pd.DataFrame({"code": codes.to_numpy()})
    out["team_leader"] = villages["team_leader"].to_numpy()
    out["team_leader_phone"] = villages["team_leader_phone"].to_numpy()
    fs = lookup("first_secretary", codes)
    ins = lookup("instructor", codes)
    out["first_secretary"] = fs.combine(ins, lambda x, y: "、".join(
        v for v in (x, y) if isinstance(v, str)) or None).to_numpy()
    out["town_leader"] = lookup("town_leader", town).to_numpy()
    out["county_leader"] = lookup("county_leader", county).to_numpy()
    cl = lookup("city_leader", town)
    cl = cl.fillna(lookup("city_leader", county)).fillna(lookup("city_leader", city))
    out["city_leader"] = cl.to_numpy()
    return out.set_index("code")


def lagging_villages(villages: pd.DataFrame, status: pd.DataFrame, inputs: CoverageInputs,
                     settings, as_of: dt.date) -> pd.DataFrame:
    """Flagged villages, most severe first, with reasons and the people responsible."""
    pace = seasonal_pace(as_of)
    people = responsible_people(villages, inputs)
    unmet = status.eq(False).fillna(False).to_numpy(dtype=bool)
    ids = np.array(status.columns)
    at = pd.Index(status.index).get_indexer(villages["code"])
    rows = []
    cols = ["code", "name", "town_code", "county_code", "planned", "completion", "trees",
            "coverage", "measures_satisfied", "measures_applicable", "days_inactive",
            "survival_rate", "teams", "active_teams", "villages_with_first_secretary",
            "villages_with_cadre", "outside_plantings", "outside_trees", "score", "not_visible",
            "trees_since_prev_per_ha", "green_change"]
    care = inputs.care_overdue.drop_duplicates("village_code").set_index("village_code")
    codes = villages["code"].astype(str)
    villages = villages.assign(care_overdue=care["overdue"].reindex(codes).to_numpy(),
                               care_oldest_due=pd.to_datetime(care["oldest_due"]).reindex(codes).to_numpy())
    cols += ["care_overdue", "care_oldest_due"]
    for i, row in enumerate(villages[cols].itertuples(index=False)):
        reasons = _reasons(row, pace, settings)
        if not reasons:
            continue
        rows.append({
            "code": row.code, "name": row.name, "town_code": row.town_code,
            "county_code": row.county_code,
            "severity": round(sum(r.severity for r in reasons), 1),
            "reasons": [r.code for r in reasons],
            "reason_list": [(r.code, r.zh, r.en) for r in reasons],
            "reasons_zh": "；".join(r.zh for r in reasons),
            "reasons_en": "; ".join(r.en for r in reasons),
            "completion": row.completion, "expected_pace": round(pace, 3),
            "coverage": row.coverage, "days_inactive": row.days_inactive,
            "survival_rate": row.survival_rate, "score": row.score,
            "unmet_measures": ",".join(ids[unmet[at[i]]]) if at[i] >= 0 else "",
            **_care_columns(row.care_overdue, row.care_oldest_due),
        })
    if not rows:
        return _empty_lagging()
    out = pd.DataFrame(rows).sort_values(["severity", "code"], ascending=[False, True],
                                         kind="stable").reset_index(drop=True)
    out = out.join(people, on="code")
    names = inputs.areas.drop_duplicates("code").set_index("code")["name"]
    out.insert(4, "town_name", out["town_code"].map(names))
    out.insert(6, "county_name", out["county_code"].map(names))
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    return out


def _empty_lagging() -> pd.DataFrame:
    cols = ["rank", "code", "name", "town_code", "town_name", "county_code", "county_name",
            "severity", "reasons", "reason_list", "reasons_zh", "reasons_en", "completion", "expected_pace", "coverage",
            "days_inactive", "survival_rate", "score", "unmet_measures", "care_overdue", "care_oldest_due", "team_leader",
            "team_leader_phone", "first_secretary", "town_leader", "county_leader", "city_leader"]
    return pd.DataFrame({c: pd.Series([], dtype=object) for c in cols})
