"""The lagging reasons' wording, written once in Chinese and English, and read back.

:func:`greening.coverage.lagging.lagging_villages` words each reason with :func:`reason_texts`
from :data:`PHRASES`. A 督办单 keeps its reasons as the Chinese text it was issued with (the
official record; the issuer may have edited the pre-filled lines), plus the reason codes, not the
figures in them. :func:`reasons_in_english` reads such a text back: each line (or each part of a
line joined with 「；」) that is one of the phrasings here, with its figures, is given in English
with the same figures; a line written by hand stays as written.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import cache

from greening.i18n import fmt_date

__all__ = ["Phrase", "PHRASES", "reason_texts", "reason_in_english", "reasons_in_english"]


@dataclass(frozen=True)
class Phrase:
    """A reason's wording: ``code`` (the reason code), ``zh`` and ``en`` with the same ``{names}``;
    the names in ``dates`` take a date, written as each language writes one (:func:`fmt_date`)."""

    code: str
    zh: str
    en: str
    dates: tuple[str, ...] = ()


#: phrasing name -> wording (a reason code may have several phrasings: ``inactive``)
PHRASES: dict[str, Phrase] = {
    "behind_pace": Phrase(
        "behind_pace",
        "种植进度落后：完成 {done}（{trees}/{planned} 株），按季节进度此时应达 {pace}",
        "Behind the seasonal pace: {done} of the plan done ({trees}/{planned} trees), {pace} expected by now"),
    "no_plan": Phrase("no_plan", "未制定本年度种植计划（一村一图）", "No planting plan for this year"),
    "low_coverage": Phrase(
        "low_coverage",
        "措施落实率低：{met}/{applicable} 项（{share}），低于 {floor}",
        "Low measure coverage: {met} of {applicable} ({share}), below {floor}"),
    "never_active": Phrase("inactive", "本年度无植绿或管护记录", "No planting or care recorded"),
    "inactive": Phrase("inactive", "已连续 {days} 天无植绿或管护记录", "No planting or care for {days} days"),
    "low_survival": Phrase("low_survival", "成活率 {rate}，低于 {floor}", "Survival {rate}, below {floor}"),
    "no_team": Phrase("no_team", "未建立村级党员护绿队", "No Party-member greening team"),
    "team_inactive": Phrase("team_inactive", "党员护绿队处于停用状态", "The greening team is inactive"),
    "no_first_secretary": Phrase("no_first_secretary", "未派驻第一书记、党建指导员或下沉职级干部",
                                 "No first secretary, instructor or graded cadre assigned"),
    "outside_village": Phrase(
        "outside_village",
        "{plantings} 条植树记录（{trees} 株）点位不在本村范围内",
        "{plantings} planting(s) ({trees} trees) reported outside the village"),
    "not_visible": Phrase(
        "not_visible",
        "上报植树未见成效：上期影像以来每公顷上报 {per_ha} 株，绿化覆盖率变化 {change} 个百分点（低于 {floor}）",
        "Reported plantings not visible: {per_ha} trees/ha reported since the earlier raster, green cover "
        "changed {change} pp (below {floor})"),
    "care_overdue": Phrase(
        "care_overdue",
        "{n} 次管护/成活率核查逾期未做（最早应于 {due} 完成）",
        "{n} care or survival checks overdue (the oldest was due on {due})", dates=("due",)),
}


def reason_texts(name: str, **params) -> tuple[str, str]:
    """The reason ``name`` of :data:`PHRASES` in Chinese and English, ``params`` put in: figures
    as text (the same in both), dates as dates."""
    phrase = PHRASES[name]

    def filled(template: str, lang: str) -> str:
        return template.format(**{k: fmt_date(v, lang) if k in phrase.dates else v for k, v in params.items()})

    return filled(phrase.zh, "zh"), filled(phrase.en, "en")


_FIGURE = r"[-+]?\d[\d,]*(?:\.\d+)?%?"
_ZH_DATE = r"\d{4}年\d{1,2}月\d{1,2}日"
_FIELD = re.compile(r"\{(\w+)\}")


@cache
def _patterns() -> tuple[tuple[re.Pattern[str], Phrase], ...]:
    out = []
    for phrase in PHRASES.values():
        parts, at = [], 0
        for m in _FIELD.finditer(phrase.zh):
            parts.append(re.escape(phrase.zh[at:m.start()]))
            name = m.group(1)
            parts.append(f"(?P<{name}>{_ZH_DATE if name in phrase.dates else _FIGURE})")
            at = m.end()
        parts.append(re.escape(phrase.zh[at:]))
        # the full-width punctuation of a phrase also typed half-width, spaces around figures optional
        pattern = "".join(parts).replace(r"\ ", r"\s*")
        for full, half in (("（", "("), ("）", ")"), ("：", ":"), ("，", ",")):
            pattern = pattern.replace(re.escape(full), f"[{full}{re.escape(half)}]")
        out.append((re.compile(pattern), phrase))
    return tuple(out)


def _zh_date(text: str) -> dt.date:
    y, m, d = (int(x) for x in re.findall(r"\d+", text))
    return dt.date(y, m, d)


def reason_in_english(text: str) -> str | None:
    """One reason as :data:`PHRASES` words it in Chinese, in English with the same figures; None
    when ``text`` is not one of the phrasings (written or changed by hand)."""
    body = str(text).strip().rstrip("。；;.").strip()
    for pattern, phrase in _patterns():
        m = pattern.fullmatch(body)
        if m is None:
            continue
        try:
            values = {k: fmt_date(_zh_date(v), "en") if k in phrase.dates else v for k, v in m.groupdict().items()}
        except ValueError:  # not a date (2024年2月30日)
            return None
        return phrase.en.format(**values)
    return None


_NUMBERED = re.compile(r"^(\s*)(?:(\d+)\s*[.、．)）]|[（(](\d+)[)）])\s*(.*)$")


def reasons_in_english(text: str | None) -> str:
    """A notice's reasons (``1. 种植进度落后：…`` a line each, or joined with 「；」) in English:
    each known phrasing in English, numbered as it was (1.), anything else as written."""
    lines = []
    for line in str(text or "").splitlines():
        m = _NUMBERED.match(line)
        indent, number, body = (m.group(1), m.group(2) or m.group(3), m.group(4)) if m else ("", None, line)
        parts = re.split(r"[；;]", body)
        english = [reason_in_english(p) for p in parts]
        if not any(english):  # typed by hand: as typed, numbering and all
            lines.append(line)
            continue
        body = "; ".join(e if e is not None else p.strip() for p, e in zip(parts, english, strict=True) if p.strip())
        lines.append(f"{indent}{number}. {body}" if number else f"{indent}{body}")
    return "\n".join(lines)
