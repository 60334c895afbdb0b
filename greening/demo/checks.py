"""Care (管护) and survival checks (成活率核查) of the demo plantings.

Survival checks come 30-80 days after planting; the alive counts make each village's survival
rate what its target says (86-98 %, 55-72 % for the ``low_survival`` laggards), whatever the
number of records. Villages that stopped planting were not checked after March either.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from greening.demo import calendar as cal
from greening.demo.draw import apportion_groups, rng_for

__all__ = ["SURVIVAL_SHARE", "CARE_SHARE", "CARE_NOTES", "generate_checks"]

SURVIVAL_SHARE = 0.5
CARE_SHARE = 0.15
CARE_NOTES = ["浇水", "施肥", "除草", "扶正加固", "病虫害防治", "修剪", "补植"]


def generate_checks(seed: int, plantings: pd.DataFrame, targets: pd.DataFrame,
                    leaders: pd.Series) -> pd.DataFrame:
    """Checks for ``plantings``: planting_index (row of ``plantings``), village_code, kind,
    checked_on (datetime64[D]), alive_count (survival checks only), responsible, note,
    submission_id. ``leaders`` maps village code to the team leader who answers for care.
    """
    columns = ["planting_index", "village_code", "kind", "checked_on", "alive_count",
               "responsible", "note", "submission_id"]
    if plantings.empty:
        return pd.DataFrame(columns=columns)
    rng = rng_for(seed, "checks", len(plantings))
    info = targets.set_index("code")
    reason = info["reason"].reindex(plantings["claimed_village_code"]).to_numpy()
    planted = plantings["planted_on"].to_numpy().astype("datetime64[D]")
    age = (np.datetime64(cal.AS_OF) - planted).astype(int)
    accepted = plantings["status"].to_numpy() != "rejected"
    stale = reason == "no_recent_planting"
    last_day = np.where(stale, np.datetime64(cal.STALE_CHECK_LAST), np.datetime64(cal.AS_OF) - 1)

    share = np.where(reason == "low_survival", 1.0, SURVIVAL_SHARE)
    surv = (plantings["status"].to_numpy() == "verified") & (age >= 30) & (rng.random(len(age)) < share)
    surv_day = np.minimum(planted + rng.integers(30, 81, len(age)), last_day)
    care = accepted & (age >= 5) & (rng.random(len(age)) < CARE_SHARE)
    care_day = np.minimum(planted + rng.integers(3, 41, len(age)), last_day)

    idx_s, idx_c = np.flatnonzero(surv), np.flatnonzero(care)
    frame = pd.DataFrame({
        "planting_index": np.concatenate([idx_s, idx_c]),
        "kind": ["survival"] * len(idx_s) + ["care"] * len(idx_c),
        "checked_on": np.concatenate([surv_day[idx_s], care_day[idx_c]]),
        "alive_count": np.concatenate([_alive(plantings, idx_s, info), np.full(len(idx_c), -1)]),
        "note": [None] * len(idx_s) + [CARE_NOTES[i] for i in rng.integers(len(CARE_NOTES), size=len(idx_c))],
    })
    frame["village_code"] = plantings["claimed_village_code"].to_numpy()[frame["planting_index"]]
    frame["responsible"] = leaders.reindex(frame["village_code"]).to_numpy()
    frame = frame.sort_values(["checked_on", "planting_index", "kind"], kind="stable").reset_index(drop=True)
    frame["alive_count"] = frame["alive_count"].astype("Int64").mask(frame["kind"] == "care")
    frame["submission_id"] = [f"demo-{seed}-c{i:07d}" for i in range(len(frame))]
    return frame[columns]


def _alive(plantings, idx, info) -> np.ndarray:
    """Alive counts so that each village's checked trees survive at its target rate."""
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
    return apportion_groups(group, counts, alive)
