"""Plausible Chinese names for generated towns, villages and people, all marked as demo data.

Every generated name ends with :data:`DEMO_MARK` so nobody mistakes a demo village, team or
person for a real one. Names are built from syllable lists in the style of Leizhou peninsula
place names (塘, 坡, 岭, 仔, 寮, 埚 ...) and common Guangdong surnames.
"""
from __future__ import annotations

import numpy as np

__all__ = ["DEMO_MARK", "mark", "unmark", "place_names", "town_stems", "person_names", "INSTITUTIONS"]

DEMO_MARK = "（示例）"

_PLACE_FIRST = list("东西南北上下前后新旧大小中高龙凤金银石水田山福安平和乐丰兴文洋青黄红白沙茂永"
                    "长德仁英盛湖河溪港湾塘林竹桥")
_PLACE_SECOND = list("塘岭坡田山港湾头尾角园寮埚墩仔村圩坑岗洋溪湖桥屯庄坎井湾岸埠")
_TOWN_FIRST = list("东西南北新太长乐安城河海洋沙港湖龙凤金英兴和平丰文调覃客唐杨纪")
_TOWN_SECOND = list("安平丰兴和乐宁华盛岭塘港湾田山湖坡浦头川江林城溪洋海桥")

_SURNAMES = list("陈李黄林吴王梁张何邓杨莫庞谢许苏罗周钟冯蔡刘郑全揭符邹骆曾詹戚潘韩洪卢薛宋"
                 "柯")
_GIVEN = list("志伟强明华国建文军海平东荣德春秀英玉兰芳丽娟敏静婷雪梅红霞永浩杰宇鹏飞宏达")


def mark(name: str) -> str:
    """``name`` with the demo mark appended."""
    return name + DEMO_MARK


def unmark(name: str) -> str:
    """``name`` without the demo mark (to build a longer name that ends with the mark)."""
    return name.removesuffix(DEMO_MARK)


def place_names(rng: np.random.Generator, n: int, *, first=None, second=None,
                taken: set[str] | None = None, three_share: float = 0.15) -> list[str]:
    """``n`` distinct two- or three-character place stems (without 村/镇/社区 or the mark)."""
    first = first or _PLACE_FIRST
    second = second or _PLACE_SECOND
    taken = set() if taken is None else taken
    out: list[str] = []
    while len(out) < n:
        a = first[rng.integers(len(first))]
        b = second[rng.integers(len(second))]
        stem = a + b
        if rng.random() < three_share:  # some three-character names, e.g. 下洋仔, 东岭头
            stem += second[rng.integers(len(second))]
        if stem in taken or len(set(stem)) < len(stem):
            continue
        taken.add(stem)
        out.append(stem)
    return out


def town_stems(rng: np.random.Generator, n: int, taken: set[str] | None = None) -> list[str]:
    """``n`` distinct stems for towns and streets (each becomes 某某镇 or 某某街道)."""
    return place_names(rng, n, first=_TOWN_FIRST, second=_TOWN_SECOND, taken=taken, three_share=0.0)


def person_names(rng: np.random.Generator, n: int) -> list[str]:
    """``n`` demo person names such as 陈志强（示例）; repeats are possible, as in life."""
    sur = rng.integers(len(_SURNAMES), size=n)
    g1 = rng.integers(len(_GIVEN), size=n)
    g2 = rng.integers(len(_GIVEN), size=n)
    two = rng.random(n) < 0.8
    return [mark(_SURNAMES[s] + _GIVEN[a] + (_GIVEN[b] if t else ""))
            for s, a, b, t in zip(sur, g1, g2, two, strict=False)]


#: 28 invented institutions (name, kind) for expert pairing; none of them is a real body.
INSTITUTIONS: list[tuple[str, str]] = [
    (mark(n), k) for n, k in [
        ("岭南农林学院", "university"), ("椰风热带作物研究所", "institute"),
        ("粤西林业科学研究院", "institute"), ("雷州半岛生态学院", "university"),
        ("湛海职业技术学院", "college"), ("南粤园林设计研究院", "institute"),
        ("北部湾海洋农业大学", "university"), ("粤西果树研究中心", "institute"),
        ("南方乡村规划研究院", "institute"), ("热带林木种苗中心", "institute"),
        ("红土地农业职业学院", "college"), ("滨海防护林研究站", "institute"),
        ("粤港澳园艺学院", "university"), ("北部湾植物研究所", "institute"),
        ("岭南生态环境学院", "university"), ("湾区城乡建设学院", "college"),
        ("红壤农业科学研究院", "institute"), ("海滨师范学院", "university"),
        ("雷州半岛水土保持站", "institute"), ("岭西林业职业技术学院", "college"),
        ("热带经济林研究中心", "institute"), ("南国花卉研究所", "institute"),
        ("粤西乡村振兴学院", "college"), ("滨海湿地研究中心", "institute"),
        ("岭南古树名木保护中心", "institute"), ("南方现代农业学院", "university"),
        ("粤西生态修复研究所", "institute"), ("琼州海峡农林科技学院", "college"),
    ]
]
