"""Which demo villages lag on purpose, and why: the answer key for the coverage engine's tests.

About 9 % of the village-level units are made to lag, each in exactly one way; every other
village is generated to pass every lagging check (recent activity, pace, survival, an active
team, someone sent down, plantings inside the village). Demonstration villages never lag.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from greening.demo.draw import rng_for

__all__ = ["REASONS", "LAGGARD_COUNTS", "intended_laggards", "choose_laggards"]

#: reason code -> (Chinese, English) description.
REASONS: dict[str, tuple[str, str]] = {
    "no_recent_planting": ("长期未植树（最后一次植树在2月下旬以前）",
                           "no planting for a long time (last one before late February)"),
    "behind_plan": ("植树进度严重落后于计划（完成15%–40%）", "far behind plan (15-40 % planted)"),
    "low_survival": ("成活率低（55%–72%）", "low survival (55-72 %)"),
    "team_inactive": ("党员护绿队未开展活动", "the greening team is inactive"),
    "no_cadre": ("没有下沉干部、第一书记或党建指导员", "no cadre, first secretary or instructor sent down"),
    "outside_village": ("部分上报植树点位不在本村",
                        "some plantings reported for it lie in a neighbouring village"),
}

#: How many villages lag for each reason (155 of 1,722, 9.0 %).
LAGGARD_COUNTS: dict[str, int] = {
    "no_recent_planting": 30,
    "behind_plan": 35,
    "low_survival": 30,
    "team_inactive": 20,
    "no_cadre": 20,
    "outside_village": 20,
}


def intended_laggards(seed: int) -> dict[str, str]:
    """``{village_code: reason}`` for the demo campaign generated with ``seed``.

    Reasons are the keys of :data:`REASONS`. The same seed always gives the same answer, whatever
    the number of planting records or the database.
    """
    from greening.demo.geography import generate_geography

    areas = generate_geography(seed)
    return choose_laggards(seed, areas[areas["level"] == "village"])


def choose_laggards(seed: int, villages: pd.DataFrame) -> dict[str, str]:
    """Pick the lagging villages among ``villages`` (columns code, kind); see :func:`intended_laggards`.

    Villages proper are four times as likely to be picked as urban communities.
    """
    rng = rng_for(seed, "laggards")
    codes = villages["code"].to_numpy()
    weight = np.where(villages["kind"].to_numpy() == "community", 0.25, 1.0)
    total = sum(LAGGARD_COUNTS.values())
    picked = rng.choice(len(codes), size=total, replace=False, p=weight / weight.sum())
    reasons = np.repeat(list(LAGGARD_COUNTS), list(LAGGARD_COUNTS.values()))
    return dict(sorted(zip(codes[picked].tolist(), reasons.tolist(), strict=False)))
