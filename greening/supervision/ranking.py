"""The monthly ranking (红黑榜): a frozen snapshot of towns and counties per month.

:func:`freeze_month` computes, once, for the month's last day (or the report date when the
month is not over): each county's and town's composite score (the mean village score of
:mod:`greening.coverage`) and its supervision record for notices due that month (due, closed
on time, overdue, on-time rate; a notice counts once its deadline has come by the snapshot's
day), with a rank by each. The snapshot is written once and never
recomputed: later corrections do not rewrite a published ranking. Downloads: Excel
(:func:`ranking_xlsx`) and PDF (:func:`greening.supervision.pdf.ranking_pdf`).
"""
from __future__ import annotations

import calendar
import dataclasses
import datetime as dt
import io
import re

import numpy as np
import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from greening.actor import CITY_PREFIX, Actor
from greening.area_codes import parent_codes
from greening.audit import record
from greening.models import RankingSnapshot, SupervisionNotice
from greening.permissions import require
from greening.supervision.states import WAITING_FOR_VILLAGE, closed_on_time
from greening.validation import Refusal

__all__ = ["freeze_month", "snapshot", "ranking_xlsx", "months_frozen", "month_end", "rows_frozen"]

_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
COLUMNS = {"score_rank": ("排名", "rank"), "area_name": ("名称", "name"), "parent_name": ("所属", "in"),
           "score": ("综合得分", "score"), "notices": ("本月到期督办", "notices due"),
           "closed_on_time": ("按期办结", "closed on time"), "overdue": ("逾期未报", "overdue"),
           "on_time_rate": ("按期办结率", "on-time rate"), "on_time_rank": ("按期办结排名", "on-time rank"),
           "area_code": ("代码", "code")}
#: a score is shown with one decimal everywhere (the table, Excel, the PDF): scores are rounded to
#: one decimal, and 90 beside 90.1 read unevenly. Streamlit's printf format and Excel's number format.
SCORE_FORMAT = "%.1f"
SCORE_XLSX_FORMAT = "0.0"


def month_end(month: str) -> dt.date:
    m = _MONTH.match(month or "")
    if not m:
        raise Refusal.of("ranking_month_bad", month=month)
    year, mon = int(m[1]), int(m[2])
    return dt.date(year, mon, calendar.monthrange(year, mon)[1])


def _notice_stats(session: Session, start: dt.date, as_of: dt.date) -> pd.DataFrame:
    """The month's notices as they stood on ``as_of`` (its last day, or the report date when the
    month is not over): those whose deadline has come by then (from ``start``), closed on time or
    overdue. A notice due later in the month is neither due nor late yet."""
    rows = session.execute(select(SupervisionNotice.village_code, SupervisionNotice.status,
                                  SupervisionNotice.deadline, SupervisionNotice.reported_on,
                                  SupervisionNotice.closed_on)
                           .where(SupervisionNotice.deleted_at.is_(None), SupervisionNotice.deadline >= start,
                                  SupervisionNotice.deadline <= as_of)).all()
    out = []
    for code, status, deadline, reported, closed in rows:
        # as the month stood on as_of: a notice closed later was not closed yet
        status_then = status if closed is None or closed <= as_of else "reported"
        reported_then = reported if reported is not None and reported <= as_of else None
        if reported_then is None and status_then not in WAITING_FOR_VILLAGE:
            status_then = "acknowledged"  # reported after as_of: still waiting for the village then
        ok = closed_on_time(status_then, deadline, reported_then)
        late = status_then in WAITING_FOR_VILLAGE or (reported_then is not None and reported_then > deadline)
        out.append((code, 1, int(ok), int(late and deadline < as_of)))
    return pd.DataFrame(out, columns=["village_code", "notices", "closed_on_time", "overdue"])


def _rank(values: pd.Series, ascending: bool = False) -> np.ndarray:
    return values.rank(method="min", ascending=ascending, na_option="bottom").astype(int).to_numpy()


def _level_rows(frame: pd.DataFrame, level: str, stats: pd.DataFrame, names: dict) -> pd.DataFrame:
    n = {"town": 9, "county": 6}[level]
    out = pd.DataFrame({"area_code": frame["code"].astype(str), "area_name": frame["name"].astype(str),
                        "score": pd.to_numeric(frame["score"], errors="coerce").round(1)
                        if "score" in frame else np.nan})
    out["parent_name"] = parent_codes(out["area_code"], "county").map(names) if level == "town" else "湛江市"
    key = out["area_code"].str[:n]
    if len(stats):
        agg = stats.assign(k=stats["village_code"].str[:n]).groupby("k")[["notices", "closed_on_time", "overdue"]].sum()
    else:
        agg = pd.DataFrame(columns=["notices", "closed_on_time", "overdue"])
    for col in ("notices", "closed_on_time", "overdue"):
        out[col] = key.map(agg[col]).fillna(0).astype(int).to_numpy() if len(agg) else 0
    out["on_time_rate"] = np.where(out["notices"] > 0, out["closed_on_time"] / out["notices"].clip(lower=1), np.nan)
    out["score_rank"] = _rank(out["score"])
    # no notices due counts as a clean record: rank by rate with those at the top
    out["on_time_rank"] = _rank(out["on_time_rate"].fillna(1.0))
    return out.sort_values(["score_rank", "area_code"]).reset_index(drop=True)


def freeze_month(session: Session, actor: Actor, month: str, *, report_day: dt.date) -> int:
    """Write the month's snapshot unless it exists; returns the number of rows written (0 if frozen)."""
    require(actor, "ranking.freeze")
    end = month_end(month)
    if session.scalar(select(RankingSnapshot.id).where(RankingSnapshot.month == month).limit(1)):
        return 0
    as_of = min(end, report_day)
    if as_of < end.replace(day=1):
        raise Refusal.of("ranking_month_not_started", month=month, report_day=report_day)
    from greening.coverage import coverage_for

    city = dataclasses.replace(actor, scope_prefix=CITY_PREFIX)
    result = coverage_for(session.connection(), city, as_of)
    names = dict(zip(result.counties["code"].astype(str), result.counties["name"].astype(str), strict=True))
    stats = _notice_stats(session, end.replace(day=1), as_of)
    now = dt.datetime.now(dt.UTC)
    written = 0
    for level, frame in (("county", result.counties), ("town", result.towns)):
        for r in _level_rows(frame, level, stats, names).to_dict("records"):
            rate = r["on_time_rate"]
            session.add(RankingSnapshot(
                month=month, level=level, area_code=r["area_code"], area_name=r["area_name"],
                parent_name=r["parent_name"], score=None if pd.isna(r["score"]) else float(r["score"]),
                score_rank=int(r["score_rank"]), notices=int(r["notices"]), closed_on_time=int(r["closed_on_time"]),
                overdue=int(r["overdue"]), on_time_rate=None if pd.isna(rate) else float(rate),
                on_time_rank=int(r["on_time_rank"]), as_of=as_of, frozen_at=now, frozen_by=actor.username, extra={}))
            written += 1
    record(session, actor, "freeze", "ranking_snapshots", month, note=f"{written} rows as of {as_of}")
    session.flush()
    return written


def rows_frozen(session: Session, actor: Actor, month: str) -> int:
    """The number of rows of ``month``'s stored snapshot (counties and towns, city-wide; 0 if not
    frozen): what a press of 冻结 that found the month frozen says was frozen."""
    require(actor, "ranking.view")
    month_end(month)
    return int(session.scalar(select(func.count(RankingSnapshot.id)).where(RankingSnapshot.month == month)) or 0)


def months_frozen(session: Session) -> list[str]:
    return list(session.scalars(select(RankingSnapshot.month).distinct().order_by(RankingSnapshot.month.desc())))


def snapshot(session: Session, actor: Actor, month: str) -> dict[str, pd.DataFrame]:
    """The frozen rows of ``month`` by level (``county``, ``town``); a lead sees the lines of its area
    (with their city-wide ranks)."""
    require(actor, "ranking.view")
    month_end(month)
    rows = session.scalars(select(RankingSnapshot).where(RankingSnapshot.month == month)
                           .order_by(RankingSnapshot.level, RankingSnapshot.score_rank, RankingSnapshot.area_code)).all()
    out = {}
    for level in ("county", "town"):
        data = [{c: getattr(r, c) for c in (*COLUMNS, "as_of", "frozen_at", "frozen_by")}
                for r in rows if r.level == level and _visible(actor, r)]
        out[level] = pd.DataFrame(data, columns=[*COLUMNS, "as_of", "frozen_at", "frozen_by"])
    return out


def _visible(actor: Actor, r: RankingSnapshot) -> bool:
    if actor.is_citywide:
        return True
    if r.level == "county":
        return actor.scope_prefix.startswith(r.area_code[:6])
    return r.area_code.startswith(actor.scope_prefix)


def ranking_xlsx(month: str, levels: dict[str, pd.DataFrame]) -> bytes:
    """The month's ranking as an Excel workbook: one sheet per level, Chinese headers."""
    from openpyxl import Workbook

    from greening.exports import _write_sheet

    wb = Workbook()
    wb.remove(wb.active)
    for level, title in (("county", "县区榜"), ("town", "镇街榜")):
        frame = levels.get(level)
        if frame is None:
            continue
        shown = frame[list(COLUMNS)].rename(columns={k: v[0] for k, v in COLUMNS.items()})
        ws = wb.create_sheet(f"{month} {title}")
        _write_sheet(ws, shown, chinese=False)
        rate_col = list(COLUMNS).index("on_time_rate") + 1
        for (cell,) in ws.iter_rows(min_row=2, min_col=rate_col, max_col=rate_col):
            cell.number_format = "0%"
        score_col = list(COLUMNS).index("score") + 1
        for (cell,) in ws.iter_rows(min_row=2, min_col=score_col, max_col=score_col):
            cell.number_format = SCORE_XLSX_FORMAT  # 90.0 beside 90.1, not 90
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
