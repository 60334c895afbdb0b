"""Care (管护) and survival checks (成活率核查) of the demo plantings, following the care schedule.

Each verified planting is due a check at every month of ``GREENING_CARE_MONTHS`` after planting
(:mod:`greening.supervision.care_schedule`); the demo logs the checks already due by the report
date :data:`greening.demo.calendar.AS_OF`:

- most (:data:`ON_TIME_SHARE`) within a week before to three days after the due date, some late
  (four to 35 days after, still before the next check's window opens), a few never (missed);
- a check that would fall on or after the report date is not done yet: overdue. An ordinary
  village has at most :data:`ORDINARY_OVERDUE` of those (the rest are logged just before the
  report date), so it stays under ``GREENING_LAG_MAX_OVERDUE_CARE``;
- :data:`CARE_LAGGARDS` villages (the ``care_overdue`` laggards, chosen among the ordinary
  villages with enough checks due, never a demonstration village) have every check whose window
  is still open left undone: several overdue checks, a lagging reason of its own;
- villages that stopped planting were not checked after March either (their later checks are
  overdue too).

The first check is a survival check for :data:`SURVIVAL_SHARE` of the plantings (all of them in
the ``low_survival`` laggards), a care visit otherwise; later checks are survival checks. The
alive counts at each planting's latest survival check make each village's survival rate what its
target says (86-98 %, 55-72 % for the ``low_survival`` laggards), whatever the number of records.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from greening.demo import calendar as cal
from greening.demo.draw import apportion_groups, rng_for

__all__ = ["SURVIVAL_SHARE", "ON_TIME_SHARE", "LATE_SHARE", "ORDINARY_OVERDUE", "CARE_LAGGARDS",
           "CARE_NOTES", "generate_checks", "care_laggards"]

SURVIVAL_SHARE = 0.5
ON_TIME_SHARE = 0.85
LATE_SHARE = 0.12  # the rest (3 %) are missed
ORDINARY_OVERDUE = 1
CARE_LAGGARDS = 20
CARE_NOTES = ["浇水", "施肥", "除草", "扶正加固", "病虫害防治", "修剪", "补植"]
_COLUMNS = ["planting_index", "village_code", "kind", "checked_on", "alive_count", "responsible", "note",
            "submission_id"]


def _schedule(planted: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(k, due date, window end) per planting and scheduled check, as flat arrays of the
    planting's row, its due dates and where its window closes (NaT for the last check)."""
    from greening.config import get_settings

    s = get_settings()
    months, early = s.care_due_months, np.timedelta64(s.care_early_days, "D")
    stamps = pd.DatetimeIndex(planted.astype("datetime64[ns]"))
    dues = np.stack([(stamps + pd.DateOffset(months=m)).to_numpy().astype("datetime64[D]") for m in months])
    ends = np.concatenate([dues[1:] - early, np.full((1, len(planted)), np.datetime64("NaT"), "datetime64[D]")])
    k = np.repeat(np.arange(len(months)), len(planted))
    return k, dues.reshape(-1), ends.reshape(-1)


def generate_checks(seed: int, plantings: pd.DataFrame, targets: pd.DataFrame, leaders: pd.Series,
                    exclude: frozenset[str] | set[str] = frozenset()) -> tuple[pd.DataFrame, dict[str, str]]:
    """Checks for ``plantings`` and the ``care_overdue`` laggards ``{village code: reason}``.

    Checks: planting_index (row of ``plantings``), village_code, kind, checked_on
    (datetime64[D]), alive_count (survival checks only), responsible, note, submission_id.
    ``leaders`` maps village code to the team leader who answers for care; ``exclude``: villages
    that must not be made care laggards (other laggards, demonstration villages).
    """
    if plantings.empty:
        return pd.DataFrame(columns=_COLUMNS), {}
    rng = rng_for(seed, "checks", len(plantings))
    info = targets.set_index("code")
    verified = np.flatnonzero(plantings["status"].to_numpy() == "verified")
    villages = plantings["claimed_village_code"].to_numpy()
    planted = plantings["planted_on"].to_numpy().astype("datetime64[D]")[verified]
    k, due, end = _schedule(planted)
    row = np.tile(verified, int(k.max()) + 1)
    code = villages[row]
    as_of = np.datetime64(cal.AS_OF, "D")
    early = due - np.timedelta64(7, "D")
    keep = early < as_of  # due, or nearly: the window opened
    row, code, k, due, end = row[keep], code[keep], k[keep], due[keep], end[keep]
    n = len(row)

    # when each check was (or would be) done
    draw = rng.random(n)
    day = due + rng.integers(-7, 4, n).astype("timedelta64[D]")
    late = (draw >= ON_TIME_SHARE) & (draw < ON_TIME_SHARE + LATE_SHARE)
    day[late] = due[late] + rng.integers(4, 36, int(late.sum())).astype("timedelta64[D]")
    closes = ~np.isnat(end)
    day = np.where(closes & (day >= end), end - np.timedelta64(1, "D"), day)
    done = draw < ON_TIME_SHARE + LATE_SHARE
    reason = info["reason"].reindex(code).to_numpy()
    low = reason == "low_survival"
    done |= low  # their survival must be measured
    day = np.where(low, np.minimum(day, as_of - np.timedelta64(1, "D")), day)
    stale = reason == "no_recent_planting"
    done &= ~(stale & (day > np.datetime64(cal.STALE_CHECK_LAST, "D")))
    done &= day < as_of

    # overdue: due before the report date, not done, window still open
    open_ = (due < as_of) & (~closes | (end > as_of))
    laggards = care_laggards(seed, code, open_ & ~stale & ~low, set(exclude) | set(info.index[info["reason"].notna()]))
    lagging = np.isin(code, list(laggards))
    done &= ~(lagging & open_)
    overdue = open_ & ~done & ~lagging & ~stale
    # an ordinary village leaves at most ORDINARY_OVERDUE undone; the rest come in just in time
    pending = np.flatnonzero(overdue)[rng.permutation(int(overdue.sum()))]
    nth = pd.Series(code[pending]).groupby(code[pending]).cumcount().to_numpy()
    catch_up = np.zeros(n, dtype=bool)
    catch_up[pending[nth >= ORDINARY_OVERDUE]] = True
    back = rng.integers(1, 4, int(catch_up.sum())).astype("timedelta64[D]")
    day[catch_up] = np.maximum(due[catch_up], as_of - back)
    done |= catch_up

    row, code, k, day, reason = row[done], code[done], k[done], day[done], reason[done]
    surv = (k > 0) | (reason == "low_survival") | (rng.random(len(row)) < SURVIVAL_SHARE)
    frame = pd.DataFrame({"planting_index": row, "village_code": code, "kind": np.where(surv, "survival", "care"),
                          "checked_on": day})
    frame["note"] = [CARE_NOTES[i] if not s else None
                     for i, s in zip(rng.integers(len(CARE_NOTES), size=len(frame)), surv, strict=True)]
    frame["alive_count"] = _alive(plantings, frame, info)
    frame["responsible"] = leaders.reindex(frame["village_code"]).to_numpy()
    frame = frame.sort_values(["checked_on", "planting_index", "kind"], kind="stable").reset_index(drop=True)
    frame["submission_id"] = [f"demo-{seed}-c{i:07d}" for i in range(len(frame))]
    return frame[_COLUMNS], laggards


def care_laggards(seed: int, codes: np.ndarray, open_: np.ndarray, exclude: frozenset[str] | set[str]) -> dict[str, str]:
    """:data:`CARE_LAGGARDS` villages (fewer if not enough qualify) among those with more open
    checks than ``GREENING_LAG_MAX_OVERDUE_CARE`` and not in ``exclude``."""
    from greening.config import get_settings

    counts = pd.Series(open_, index=codes).groupby(level=0).sum()
    eligible = sorted(str(c) for c, n in counts.items() if n > get_settings().lag_max_overdue_care and c not in exclude)
    if not eligible:
        return {}
    rng = rng_for(seed, "care_laggards", len(eligible))
    picked = rng.choice(len(eligible), size=min(CARE_LAGGARDS, len(eligible)), replace=False)
    return {eligible[i]: "care_overdue" for i in sorted(picked)}


def _alive(plantings: pd.DataFrame, frame: pd.DataFrame, info: pd.DataFrame) -> pd.Series:
    """Alive counts so that each village's trees at their latest survival check survive at its
    target rate; an earlier survival check of the same planting found at least as many alive."""
    surv = frame[frame["kind"] == "survival"]
    latest = surv.sort_values("checked_on", kind="stable").drop_duplicates("planting_index", keep="last")
    idx = latest["planting_index"].to_numpy()
    villages = plantings["claimed_village_code"].to_numpy()[idx]
    counts = plantings["tree_count"].to_numpy()[idx]
    codes, group = np.unique(villages, return_inverse=True)
    checked = np.bincount(group, weights=counts).astype(np.int64)
    rate = info["survival"].reindex(codes).to_numpy()
    low = info["reason"].reindex(codes).to_numpy() == "low_survival"
    alive = np.floor(rate * checked + 0.5).astype(np.int64)
    # Rounding small numbers must not carry a village across the 80 % line either way.
    alive = np.where(low, np.minimum(alive, np.floor(0.75 * checked)),
                     np.maximum(alive, np.ceil(0.85 * checked))).astype(np.int64)
    at_latest = pd.Series(apportion_groups(group, counts, alive), index=idx)
    trees = plantings["tree_count"].to_numpy()[surv["planting_index"].to_numpy()]
    last = at_latest.reindex(surv["planting_index"]).to_numpy()
    earlier = np.where(surv.index.isin(latest.index), last, last + (trees - last + 1) // 2)
    out = pd.Series(pd.NA, index=frame.index, dtype="Int64")
    out[surv.index] = earlier
    return out
