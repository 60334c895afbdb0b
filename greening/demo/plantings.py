"""Planting records of the demo campaign: where, what, how many, who and when.

However many records are asked for, the accepted (not rejected) ones add up to each village's
planted total from :mod:`greening.demo.plans`, so the campaign's tree total does not depend on
the record count. Points fall near the plan's sites, inside the claimed village, except for
the few that the ``outside_village`` laggards report from a neighbouring village.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import shapely

from greening.area_codes import county_prefix
from greening.demo import calendar as cal
from greening.demo.draw import apportion, apportion_groups, points_in_polygon, rng_for
from greening.validation.errors import Refusal

__all__ = ["REJECTED_SHARE", "OUTSIDE_FLAG", "REJECT_REASONS", "minimum_records", "check_record_count",
           "generate_plantings"]

REJECTED_SHARE = 0.02
OUTSIDE_FLAG = "outside_claimed_village"
OUTSIDE_PER_VILLAGE = 3
REJECT_REASONS = ["照片与现场不符", "与已上报记录重复", "株数与现场核查不符", "定位不在上报地块",
                  "树种与计划不符"]
_LAGGARD_FLOOR = OUTSIDE_PER_VILLAGE + 1
_JITTER_DEG = 0.0012  # about 130 m around the plan's site


def minimum_records(villages: int, laggards: int) -> int:
    """The fewest records that still give every village its planted total."""
    accepted = villages + (_LAGGARD_FLOOR - 1) * laggards
    return int(np.ceil(accepted / (1 - REJECTED_SHARE))) + 1


def check_record_count(n_records: int, villages: int, laggards: int, trees: int) -> None:
    """Raise ValueError unless ``n_records`` is 0 or between the minimum and ``trees``."""
    minimum = minimum_records(villages, laggards)
    if n_records != 0 and not minimum <= n_records <= trees:
        raise Refusal.of("demo_plantings_count_bad", minimum=f"{minimum:,}", maximum=f"{trees:,}",
                         value=f"{n_records:,}")


def generate_plantings(seed: int, villages: pd.DataFrame, targets: pd.DataFrame,
                       lines: pd.DataFrame, n_records: int) -> pd.DataFrame:
    """``n_records`` planting records (0 gives none), sorted by date.

    Columns: submission_id, claimed_village_code, village_code (where the point falls),
    planted_on (datetime64[D]), species, tree_count, site_type, site_name, party_members,
    villagers, status, reject_reason, reviewed_at (UTC, or NaT), lon, lat, flags (list),
    submitted_at (UTC: the evening of the planting day, before any review).
    """
    columns = ["submission_id", "claimed_village_code", "village_code", "planted_on", "species",
               "tree_count", "site_type", "site_name", "party_members", "villagers", "status",
               "reject_reason", "reviewed_at", "lon", "lat", "flags", "submitted_at"]
    if n_records == 0:
        return pd.DataFrame(columns=columns)
    lagging = targets["reason"].notna().to_numpy()
    check_record_count(n_records, len(targets), int(lagging.sum()), int(targets["planted"].sum()))
    rng = rng_for(seed, "plantings", n_records)
    n_rej = round(REJECTED_SHARE * n_records)
    accepted = _accepted(rng, villages, targets, lines, n_records - n_rej, lagging)
    rejected = _rejected(rng, villages, targets, lines, n_rej, lagging)
    out = pd.concat([accepted, rejected], ignore_index=True)
    out = out.sort_values(["planted_on", "claimed_village_code"], kind="stable").reset_index(drop=True)
    out.insert(0, "submission_id", [f"demo-{seed}-{i:07d}" for i in range(len(out))])
    out["submitted_at"] = _submission_time(rng_for(seed, "submitted", n_records), out["planted_on"].to_numpy(),
                                           out["reviewed_at"].to_numpy(dtype="datetime64[s]"))
    return out[columns]


def _accepted(rng, villages, targets, lines, n, lagging) -> pd.DataFrame:
    planted = targets["planted"].to_numpy()
    per_village = apportion(n, planted, floor=np.where(lagging, _LAGGARD_FLOOR, 1), cap=planted)
    v = np.repeat(np.arange(len(targets)), per_village)
    start = np.concatenate([[0], np.cumsum(per_village)[:-1]])
    line = _pick_lines(rng, v, targets, lines)
    site = lines["site_type"].to_numpy()[line]
    weight = rng.lognormal(0.0, 0.9, len(v)) * np.where(np.isin(site, ["courtyard", "house_side"]), 0.4, 1.0)
    counts = 1 + apportion_groups(v, weight, planted - per_village)
    day = _days(rng, v, start, per_village, targets["reason"].to_numpy())
    lon, lat = _locate(rng, v, start, per_village, villages, lines, line)
    frame = _frame(rng, targets, lines, v, line, counts, day, lon, lat)
    frame["village_code"] = frame["claimed_village_code"]
    _move_outside(rng, frame, villages, targets, start)
    return frame


def _pick_lines(rng, v, targets, lines) -> np.ndarray:
    """A plan line for each record, in proportion to the lines' planned counts."""
    code_index = pd.Series(np.arange(len(targets)), index=targets["code"].to_numpy())
    lv = code_index[lines["village_code"].to_numpy()].to_numpy()
    w = lines["planned_count"].to_numpy().astype(float)
    for_v = pd.Series(w).groupby(lv).cumsum().to_numpy() / np.bincount(lv, weights=w)[lv]
    last = np.r_[lv[1:] != lv[:-1], True]
    cum = np.where(last, 1.0, for_v)
    keys = lv + cum
    return np.searchsorted(keys, v + rng.random(len(v)), side="right")


def _days(rng, v, start, per_village, reason) -> np.ndarray:
    """Planting day offsets: the seasonal curve, with each lagging pattern imposed."""
    day = rng.choice(len(cal.season_weights()), size=len(v), p=cal.season_weights())
    r = reason[v]
    stale = r == "no_recent_planting"
    day[stale] = rng.integers(cal.offset(cal.SEASON_START), cal.offset(cal.STALE_LAST) + 1, stale.sum())
    low = (r == "low_survival") & (day > cal.offset(cal.AS_OF) - 41)
    day[low] = rng.integers(cal.offset(cal.STALE_LAST), cal.offset(cal.AS_OF) - 40, low.sum())
    # Every village still at work reported a planting in the last 40 days.
    last = (start + per_village - 1)[reason != "no_recent_planting"]
    day[last] = rng.integers(cal.offset(cal.AS_OF) - 40, cal.offset(cal.LAST_PLANTING) + 1, len(last))
    return day


def _locate(rng, v, start, per_village, villages, lines, line):
    """Points near each record's plan site, inside the claimed village."""
    lon = lines["site_lon"].to_numpy()[line].copy()
    lat = lines["site_lat"].to_numpy()[line].copy()
    sx, sy = _JITTER_DEG / np.cos(np.radians(21.2)), _JITTER_DEG
    geoms = villages.geometry.to_numpy()
    for i, (s, n) in enumerate(zip(start, per_village, strict=False)):
        x0, y0 = lon[s:s + n].copy(), lat[s:s + n].copy()
        x, y = x0 + rng.normal(0, sx, n), y0 + rng.normal(0, sy, n)
        for _retry in range(4):
            miss = ~shapely.contains_xy(geoms[i], x, y)
            if not miss.any():
                break
            x[miss] = x0[miss] + rng.normal(0, sx, miss.sum())
            y[miss] = y0[miss] + rng.normal(0, sy, miss.sum())
        miss = ~shapely.contains_xy(geoms[i], x, y)
        if miss.any():
            x[miss], y[miss] = points_in_polygon(geoms[i], int(miss.sum()), rng).T
        lon[s:s + n], lat[s:s + n] = x, y
    return lon, lat


def _frame(rng, targets, lines, v, line, counts, day, lon, lat) -> pd.DataFrame:
    n = len(v)
    age = cal.offset(cal.AS_OF) - day
    submitted = np.where(age <= 14, rng.random(n) < 0.7, rng.random(n) < 0.04)
    submitted &= targets["reason"].to_numpy()[v] != "low_survival"
    party = np.clip(np.round(np.sqrt(counts) * rng.uniform(0.6, 1.6, n)), 1, 80).astype(np.int64)
    villagers = rng.poisson(counts ** 0.7 * 1.2).astype(np.int64)
    planted_on = cal.to_dates(day)
    return pd.DataFrame({
        "claimed_village_code": targets["code"].to_numpy()[v],
        "planted_on": planted_on,
        "species": lines["species"].to_numpy()[line],
        "tree_count": counts.astype(np.int64),
        "site_type": lines["site_type"].to_numpy()[line],
        "site_name": lines["site_name"].to_numpy()[line],
        "party_members": party,
        "villagers": villagers,
        "status": np.where(submitted, "submitted", "verified"),
        "reject_reason": None,
        "reviewed_at": np.where(submitted, np.datetime64("NaT"), _review_time(rng, planted_on)),
        "lon": lon, "lat": lat,
        "flags": [[] for _ in range(n)],
    })


def _submission_time(rng, planted_on, reviewed_at) -> np.ndarray:
    """Submission moments: the evening of the planting day, 17:00-21:00 Beijing (09:00-13:00 UTC),
    before the review (a day or more later in office hours; a record planted on the season's last
    day was reviewed the same day, so it was sent in an hour or two before its review)."""
    day = np.asarray(planted_on, dtype="datetime64[D]").astype("datetime64[s]")
    sent = day + rng.integers(9 * 3600, 13 * 3600, len(day))
    early = reviewed_at - rng.integers(3600, 3 * 3600, len(day))
    late = ~np.isnat(reviewed_at) & (early < sent)
    sent[late] = np.maximum(early[late], day[late])
    return sent


def _review_time(rng, planted_on) -> np.ndarray:
    """Review moments 1-10 days after planting, in office hours (Beijing), never after AS_OF."""
    n = len(planted_on)
    days = np.minimum(planted_on + rng.integers(1, 11, n), np.datetime64(cal.AS_OF) - 1)
    return days.astype("datetime64[s]") + rng.integers(3600, 9 * 3600, n)  # 09:00-17:00 +08:00


def _move_outside(rng, frame, villages, targets, start) -> None:
    """Move three records of each ``outside_village`` laggard into a neighbouring village."""
    codes = targets["code"].to_numpy()
    geoms = villages.geometry.to_numpy()
    tree = shapely.STRtree(geoms)
    for i in np.flatnonzero(targets["reason"].to_numpy() == "outside_village"):
        near = [j for j in tree.query(geoms[i], predicate="intersects")
                if j != i and county_prefix(codes[j]) == county_prefix(codes[i])]
        j = sorted(near)[int(rng.integers(len(near)))]
        rows = np.arange(start[i], start[i] + OUTSIDE_PER_VILLAGE)
        pts = points_in_polygon(geoms[j], OUTSIDE_PER_VILLAGE, rng)
        frame.loc[rows, "lon"], frame.loc[rows, "lat"] = pts[:, 0], pts[:, 1]
        frame.loc[rows, "village_code"] = codes[j]
        frame.loc[rows, "status"] = "submitted"
        frame.loc[rows, "reviewed_at"] = np.datetime64("NaT")
        for r in rows:
            frame.at[r, "flags"] = [OUTSIDE_FLAG]


def _rejected(rng, villages, targets, lines, n, lagging) -> pd.DataFrame:
    """Records a reviewer turned down; their trees are not counted."""
    if n == 0:
        return pd.DataFrame()
    w = np.where(lagging, 0.0, targets["planted"].to_numpy().astype(float))
    v = np.sort(rng.choice(len(targets), size=n, p=w / w.sum()))
    per_village = np.bincount(v, minlength=len(targets))
    start = np.concatenate([[0], np.cumsum(per_village)[:-1]])
    line = _pick_lines(rng, v, targets, lines)
    counts = np.clip(np.round(rng.lognormal(1.5, 0.8, n)), 1, 60).astype(np.int64)
    day = rng.choice(len(cal.season_weights()), size=n, p=cal.season_weights())
    lon, lat = _locate(rng, v, start, per_village, villages, lines, line)
    frame = _frame(rng, targets, lines, v, line, counts, day, lon, lat)
    frame["village_code"] = frame["claimed_village_code"]
    frame["status"] = "rejected"
    frame["reject_reason"] = np.array(REJECT_REASONS)[rng.integers(len(REJECT_REASONS), size=n)]
    frame["reviewed_at"] = _review_time(rng, frame["planted_on"].to_numpy())
    return frame
