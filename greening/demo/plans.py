"""Village planting plans (定地点、定树种、定数量) and each village's planted total.

The trees planted add up to a seed-chosen total just over 1.5 million (the article's
"more than 1.5 million"), split among villages by plan and completion, independently of how
many planting records are generated.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from greening.demo.draw import apportion, points_in_polygon, rng_for

__all__ = ["SITE_MIX", "SITE_NAMES", "SITE_SPECIES", "tree_total", "generate_plans"]

#: Share of plan lines by site type, for villages and for urban communities.
SITE_MIX = {
    "village": {"village_side": .18, "house_side": .12, "road_side": .20, "water_side": .10,
                "courtyard": .10, "idle_land": .12, "village_park": .06, "theme_forest": .05,
                "other": .07},
    "community": {"village_side": .05, "house_side": .15, "road_side": .25, "water_side": .05,
                  "courtyard": .20, "idle_land": .05, "village_park": .20, "theme_forest": .03,
                  "other": .02},
}
SITE_NAMES = {
    "village_side": ["村口", "村头风水林旁", "村委会周边", "村边绿地"],
    "house_side": ["房前屋后", "宅旁空地", "新村住宅区"],
    "road_side": ["村道两旁", "进村道路", "机耕路旁", "县道沿线"],
    "water_side": ["池塘边", "河堤", "水库周边", "沟渠两旁"],
    "courtyard": ["农户庭院", "美丽庭院", "小院"],
    "idle_land": ["闲置地", "撂荒地", "拆旧复绿地块", "边角地", "退桉还果地块"],
    "village_park": ["村级公园", "文化广场", "休闲小公园"],
    "theme_forest": ["党建共建林", "青年林", "巾帼林", "乡贤林", "喜事林"],
    "other": ["学校周边", "祠堂周边", "果园"],
}
#: Species (catalogue Chinese names) and relative weights for each site type.
SITE_SPECIES = {
    "road_side": {"小叶榄仁": 3, "黄花风铃木": 3, "红花羊蹄甲": 2, "宫粉紫荆": 1.5, "木棉": 1.5,
                  "大叶紫薇": 1, "火焰木": .5, "凤凰木": .5, "秋枫": 1},
    "village_side": {"榕树": 2, "樟树": 1.5, "木棉": 1.5, "海南红豆": 1.5, "秋枫": 1,
                     "黄花风铃木": 1, "小叶榄仁": 1},
    "house_side": {"荔枝": 2, "龙眼": 2, "黄皮": 1.5, "芒果": 1.5, "菠萝蜜": 1, "杨桃": .5,
                   "番石榴": .5, "三角梅": .5},
    "water_side": {"榕树": 2, "秋枫": 1.5, "木麻黄": 1, "粉单竹": 1.5, "海南红豆": 1},
    "courtyard": {"荔枝": 1.5, "龙眼": 1.5, "黄皮": 1.5, "芒果": 1, "黄金山竹": 1, "菠萝蜜": 1,
                  "桂花": 1, "三角梅": 1},
    "idle_land": {"荔枝": 2, "龙眼": 1.5, "芒果": 1.5, "菠萝蜜": 1, "沉香": 1.5, "油茶": 1,
                  "橄榄": .5, "黄金山竹": 1},
    "village_park": {"黄花风铃木": 2, "宫粉紫荆": 1.5, "红花羊蹄甲": 1.5, "桂花": 1, "海南红豆": 1,
                     "凤凰木": 1},
    "theme_forest": {"海南红豆": 2, "沉香": 1.5, "樟树": 1.5, "木棉": 1, "黄花风铃木": 1, "荔枝": 1},
    "other": {"木麻黄": 1.5, "樟树": 1, "榕树": 1, "荔枝": 1, "龙眼": 1},
}

_COMPLETION = {  # (low, high) share of the plan planted by the reporting date
    None: (0.86, 1.08), "behind_plan": (0.15, 0.40), "no_recent_planting": (0.70, 0.90),
    "team_inactive": (0.75, 0.95),
}
_SURVIVAL = {None: (0.86, 0.98), "low_survival": (0.55, 0.72)}


def tree_total(seed: int) -> int:
    """The campaign's trees planted by the reporting date: just over 1.5 million, fixed by seed."""
    return 1_500_000 + int(rng_for(seed, "tree-total").integers(8_000, 60_000))


def generate_plans(seed: int, villages: pd.DataFrame, laggards: dict[str, str],
                   species: set[str], year: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(targets, plan lines) for ``villages`` (columns code, kind, geometry).

    ``targets`` has one row per village: code, planned, planted (the trees its accepted
    plantings add up to), survival (the survival rate its checks will show), reason (lagging
    reason or None). ``plan lines`` has village_code, year, site_type, site_name, species,
    planned_count, seedlings_secured, site_lon, site_lat (where the site is; not stored).
    """
    rng = rng_for(seed, "plans")
    n = len(villages)
    codes = villages["code"].to_numpy()
    community = villages["kind"].to_numpy() == "community"
    reason = np.array([laggards.get(c) for c in codes], dtype=object)
    raw = np.where(community, rng.lognormal(np.log(250), 0.5, n), rng.lognormal(np.log(1000), 0.45, n))
    completion = _uniform_by(rng, reason, _COMPLETION)
    total = tree_total(seed)
    planned = np.maximum(np.round(raw * total / (raw * completion).sum()), 40).astype(np.int64)
    planted = apportion(total, planned * completion, floor=12)
    targets = pd.DataFrame({"code": codes, "kind": villages["kind"].to_numpy(), "planned": planned,
                            "planted": planted, "survival": _uniform_by(rng, reason, _SURVIVAL),
                            "reason": reason})
    lines = _plan_lines(rng, villages, planned, species, year)
    return targets, lines


def _uniform_by(rng, reason, bounds) -> np.ndarray:
    lo = np.array([bounds.get(r, bounds[None])[0] for r in reason])
    hi = np.array([bounds.get(r, bounds[None])[1] for r in reason])
    return rng.uniform(lo, hi)


def _plan_lines(rng, villages, planned, species: set[str], year: int) -> pd.DataFrame:
    rows = []
    for v, total in zip(villages.itertuples(), planned, strict=False):
        mix = SITE_MIX["community" if v.kind == "community" else "village"]
        k = int(rng.integers(1, 4)) if v.kind == "community" else int(rng.integers(2, 7))
        sites = rng.choice(list(mix), size=k, p=np.array(list(mix.values())) / sum(mix.values()))
        counts = apportion(int(total), rng.dirichlet(np.full(k, 2.0)), floor=1)
        spots = points_in_polygon(v.geometry, k, rng)
        for site, count, (x, y) in zip(sites, counts, spots, strict=False):
            options = {s: w for s, w in SITE_SPECIES[site].items() if s in species}
            names, weights = list(options), np.array(list(options.values()))
            pick = names[int(rng.choice(len(names), p=weights / weights.sum()))]
            site_names = SITE_NAMES[site]
            rows.append(dict(village_code=v.code, year=year, site_type=site,
                             site_name=site_names[int(rng.integers(len(site_names)))], species=pick,
                             planned_count=int(count),
                             seedlings_secured=int(round(count * rng.uniform(0.95, 1.05))),
                             site_lon=float(x), site_lat=float(y)))
    return pd.DataFrame(rows)
