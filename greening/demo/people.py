"""Greening teams, institutions and the people sent down, with their assignments (all demo).

Figures are the article's: 1,722 teams (one per village-level unit), 1,857 graded cadres,
514 first secretaries and Party-building instructors, 122 experts from 28 institutions.
The article's "more than 43,000 local worthies mobilised" is a count of people taking part,
not a register: the demo stores :data:`WORTHIES_NAMED` named worthies as a sample and reports
the 43,000 as a figure only.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd

from greening.area_codes import county_prefix
from greening.demo.draw import apportion, rng_for
from greening.demo.names import INSTITUTIONS, mark, person_names, unmark

__all__ = ["FIGURES", "WORTHIES_NAMED", "WORTHIES_MOBILISED", "generate_teams",
           "generate_institutions", "generate_people"]

FIGURES = {"graded_cadre": 1857, "first_secretary": 300, "instructor": 214, "expert": 122}
WORTHIES_NAMED = 500
WORTHIES_MOBILISED = 43_000

_CADRE_TITLES = ["副处级干部", "正科级干部", "副科级干部", "一级主任科员", "二级主任科员", "四级调研员"]
_EXPERT_TITLES = ["教授", "副教授", "研究员", "副研究员", "高级农艺师", "高级工程师（林业）"]
_WORTHY_TITLES = ["乡贤（企业家）", "乡贤（退休教师）", "乡贤（返乡创业青年）", "乡贤（华侨）",
                  "乡贤（退役军人）", "能人（种植大户）"]
_CITY_TITLES = ["市委副书记", "市委常委、组织部部长", "市委常委、秘书长", "副市长", "副市长",
                "副市长", "市委常委、宣传部部长", "市人大常委会副主任", "市人大常委会副主任",
                "市政协副主席", "市政协副主席"]


def generate_teams(seed: int, villages: pd.DataFrame, inactive: set[str], year: int) -> pd.DataFrame:
    """One greening team per village: code, name, leader, members, Party members, founded, active."""
    rng = rng_for(seed, "teams")
    n = len(villages)
    community = villages["kind"].to_numpy() == "community"
    members = np.where(community, rng.integers(8, 19, n), rng.integers(10, 31, n))
    party = np.minimum(rng.integers(3, 16, n), members - 3)
    founded = _dates_from(dt.date(year, 1, 3), np.minimum(rng.gamma(2.0, 10.0, n), 66))
    return pd.DataFrame({
        "village_code": villages["code"].to_numpy(),
        "name": [mark(unmark(v) + "党员护绿队") for v in villages["name"]],
        "leader_name": person_names(rng, n),
        "members": members,
        "party_members": party,
        "founded_on": founded,
        "active": ~villages["code"].isin(inactive).to_numpy(),
    })


def generate_institutions(seed: int) -> pd.DataFrame:
    """The 28 invented institutions and how many of the 122 experts each sends."""
    rng = rng_for(seed, "institutions")
    experts = apportion(FIGURES["expert"], rng.lognormal(0.0, 0.7, len(INSTITUTIONS)), floor=1)
    return pd.DataFrame({"name": [n for n, _ in INSTITUTIONS], "kind": [k for _, k in INSTITUTIONS],
                         "experts": experts})


def generate_people(seed: int, areas: pd.DataFrame, institutions: pd.DataFrame,
                    no_cadre: set[str], leader_towns: dict[str, list[str]],
                    year: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(people, assignments). People have a ``key``; assignments refer to it as ``person_key``.

    Villages in ``no_cadre`` get nobody sent down. City leaders are put in charge of a county
    and of one town in it, preferring the towns in ``leader_towns[county]`` (lagging ones), so
    the lagging list can name who answers for them.
    """
    rng = rng_for(seed, "people")
    villages = areas[areas["level"] == "village"]
    towns = areas[areas["level"] == "town"]
    counties = areas[areas["level"] == "county"]
    eligible = villages[~villages["code"].isin(no_cadre)]
    rural = np.where(eligible["kind"].to_numpy() == "community", 0.3, 1.0)
    batches: list[tuple[Any, ...]] = []  # (kind, title list or titles, area codes, start dates, institution)
    codes = eligible["code"].to_numpy()

    # Graded cadres: one in every eligible village, the rest as second cadres in rural villages.
    extra = FIGURES["graded_cadre"] - len(codes)
    second = rng.choice(codes, size=extra, replace=False, p=rural / rural.sum())
    batches.append(("graded_cadre", _CADRE_TITLES, np.concatenate([codes, second]),
                    _dates(rng, dt.date(year, 1, 8), 60, FIGURES["graded_cadre"]), None))
    for kind, title, start in (("first_secretary", "驻村第一书记", dt.date(year - 1, 5, 15)),
                               ("instructor", "党建指导员", dt.date(year, 1, 10))):
        n = FIGURES[kind]
        picked = rng.choice(codes, size=n, replace=False, p=rural / rural.sum())
        batches.append((kind, [title], np.sort(picked), _dates(rng, start, 45, n), None))

    # Experts: each paired with a different town, streets last.
    town_order = towns.sort_values("kind", key=lambda k: k.eq("street"), kind="stable")["code"]
    expert_towns = town_order.to_numpy()[:FIGURES["expert"]]
    inst = np.repeat(institutions["name"].to_numpy(), institutions["experts"].to_numpy())
    batches.append(("expert", _EXPERT_TITLES, expert_towns,
                    _dates(rng, dt.date(year, 2, 1), 40, len(inst)), inst))

    worthy_areas = rng.choice(villages["code"].to_numpy(), size=WORTHIES_NAMED, replace=False)
    batches.append(("local_worthy", _WORTHY_TITLES, np.sort(worthy_areas),
                    _dates(rng, dt.date(year, 1, 15), 90, WORTHIES_NAMED), None))

    # Leaders in charge: two per county, one per town, and the city leaders (包抓县镇).
    county_codes = counties["code"].to_numpy()
    county_titles = [_county_titles(name) for name in counties["name"]]
    batches.append(("county_leader", None, np.repeat(county_codes, 2),
                    [dt.date(year, 1, 2)] * (2 * len(county_codes)),
                    [t for pair in county_titles for t in pair]))
    batches.append(("town_leader", None, towns["code"].to_numpy(), [dt.date(year, 1, 2)] * len(towns),
                    ["街道党工委书记" if k == "street" else "镇党委书记" for k in towns["kind"]]))
    people, assignments = _assemble(rng, batches)
    return _add_city_leaders(rng, people, assignments, county_codes, towns, leader_towns, year)


def _county_titles(name: str) -> tuple[str, str]:
    unit = name[-1]  # 区 / 县 / 市
    return f"{unit}委书记", f"分管副{unit}长"


def _dates(rng, start: dt.date, span_days: int, n: int) -> list[dt.date]:
    return _dates_from(start, rng.integers(0, span_days, n))


def _dates_from(start: dt.date, offsets) -> list[dt.date]:
    return [start + dt.timedelta(days=int(o)) for o in offsets]


def _assemble(rng, batches) -> tuple[pd.DataFrame, pd.DataFrame]:
    people: list[dict] = []
    assignments: list[dict] = []
    for kind, titles, area_codes, starts, extra in batches:
        names = person_names(rng, len(area_codes))
        for i, (code, start, name) in enumerate(zip(area_codes, starts, names, strict=False)):
            key = len(people)
            title = (extra[i] if kind in {"county_leader", "town_leader"}
                     else titles[int(rng.integers(len(titles)))])
            institution = extra[i] if kind == "expert" else None
            people.append(dict(key=key, kind=kind, name=name, title=title, institution=institution))
            assignments.append(dict(person_key=key, area_code=str(code), role=kind, start_on=start))
    return pd.DataFrame(people), pd.DataFrame(assignments)


def _add_city_leaders(rng, people, assignments, county_codes, towns, leader_towns, year):
    n = len(_CITY_TITLES)
    # Every county gets one city leader; the two largest rural counties a second one.
    charge = list(county_codes) + ["440882000000", "440881000000"][: n - len(county_codes)]
    names = person_names(rng, n)
    new_people, new_assign = [], []
    start = dt.date(year, 1, 2)
    for i, (county, title, name) in enumerate(zip(charge, _CITY_TITLES, names, strict=False)):
        key = len(people) + i
        new_people.append(dict(key=key, kind="city_leader", name=name, title=title, institution=None))
        new_assign.append(dict(person_key=key, area_code=county, role="city_leader", start_on=start))
        options = list(leader_towns.get(county_prefix(county), [])) or \
            towns.loc[towns["code"].str.startswith(county_prefix(county)), "code"].tolist()
        town = options[(i // len(county_codes)) % len(options)]
        new_assign.append(dict(person_key=key, area_code=town, role="city_leader", start_on=start))
    return (pd.concat([people, pd.DataFrame(new_people)], ignore_index=True),
            pd.concat([assignments, pd.DataFrame(new_assign)], ignore_index=True))
