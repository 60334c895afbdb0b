"""Reading and exporting the audit trail (administrators only), and formula-safe export cells.

The trail itself is written by :mod:`greening.audit` and cannot be changed afterwards: the
database refuses UPDATE and DELETE on ``audit_log`` (migration 0002).
"""
from __future__ import annotations

import datetime as dt
import io
import json
import numbers
import re

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from greening.actor import Actor
from greening.audit import record
from greening.models import AuditLog
from greening.permissions import require
from greening.validation.values import LOCAL_TZ

__all__ = ["safe_cell", "safe_frame", "audit_trail", "audit_filter_options", "audit_csv",
           "export_audit_csv", "AUDIT_COLUMNS", "FORMULA_PREFIXES"]

# A spreadsheet treats a cell starting with one of these as a formula (OWASP "CSV injection");
# full-width forms are included because some spreadsheet programs normalise them.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")
_PLAIN_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
AUDIT_COLUMNS = ["id", "at", "username", "user_id", "action", "table_name", "record_id",
                 "scope_code", "before", "after", "note"]
MAX_ROWS = 50_000


def safe_cell(value):
    """A value safe to put in an exported cell.

    Text starting with ``= + - @``, tab, CR or LF gets a leading ``'`` so no spreadsheet runs
    it as a formula. Numbers stay numbers, and so does text that is just a number (``-5``).

    >>> safe_cell("=HYPERLINK(\\"http://x\\")"), safe_cell("-3.5"), safe_cell(-3.5), safe_cell("村")
    ('\\'=HYPERLINK("http://x")', '-3.5', -3.5, '村')
    """
    if value is None or isinstance(value, (numbers.Number, dt.date, dt.datetime, pd.Timestamp)):
        return value
    text = value if isinstance(value, str) else str(value)
    if text.startswith(FORMULA_PREFIXES) and not _PLAIN_NUMBER.match(text):
        return "'" + text
    return text


def safe_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` with every text cell passed through :func:`safe_cell`."""
    out = df.copy()
    for col in out.columns:
        if not (pd.api.types.is_numeric_dtype(out[col]) or pd.api.types.is_datetime64_any_dtype(out[col])):
            out[col] = out[col].map(safe_cell)
    out.columns = [safe_cell(str(c)) for c in out.columns]
    return out


def _json(value) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def _day_start(value) -> dt.datetime:
    """A date is a day in Zhanjiang (UTC+8), the day its users mean; a datetime without a zone is UTC."""
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    return dt.datetime.combine(value, dt.time(), tzinfo=LOCAL_TZ).astimezone(dt.UTC)


def _local(at: dt.datetime | None) -> dt.datetime | None:
    """When it happened, in Zhanjiang's time (the database keeps UTC)."""
    if at is None:
        return None
    return (at if at.tzinfo else at.replace(tzinfo=dt.UTC)).astimezone(LOCAL_TZ)


def _query(*, username=None, table=None, action=None, since=None, until=None, record_id=None):
    stmt = select(AuditLog)
    if username:
        stmt = stmt.where(AuditLog.username.contains(username.strip(), autoescape=True))
    if table:
        stmt = stmt.where(AuditLog.table_name == table)
    if action:
        stmt = stmt.where(AuditLog.action == action)
    if record_id not in (None, ""):
        stmt = stmt.where(AuditLog.record_id == str(record_id).strip())
    if since:
        stmt = stmt.where(AuditLog.at >= _day_start(since))
    if until:
        # A date is inclusive: the whole of that day.
        end = _day_start(until) + (dt.timedelta(days=1) if not isinstance(until, dt.datetime) else dt.timedelta())
        stmt = stmt.where(AuditLog.at < end)
    return stmt


def audit_trail(session: Session, actor: Actor, *, username: str | None = None,
                table: str | None = None, action: str | None = None,
                since: dt.date | dt.datetime | None = None, until: dt.date | dt.datetime | None = None,
                record_id: str | int | None = None, limit: int = 1000) -> pd.DataFrame:
    """Audit rows, newest first, filtered by user name (part of it), table, action, date range
    (``until`` as a date includes that day) and record id. Administrators only."""
    require(actor, "audit.view")
    limit = max(1, min(int(limit), MAX_ROWS))
    stmt = _query(username=username, table=table, action=action, since=since, until=until,
                  record_id=record_id).order_by(AuditLog.id.desc()).limit(limit)
    rows = [(r.id, _local(r.at), r.username, r.user_id, r.action, r.table_name, r.record_id, r.scope_code,
             _json(r.before), _json(r.after), r.note) for r in session.scalars(stmt)]
    df = pd.DataFrame(rows, columns=AUDIT_COLUMNS)
    df["user_id"] = df["user_id"].astype("Int64")
    return df


def audit_filter_options(session: Session, actor: Actor) -> dict[str, list[str]]:
    """The table names and actions present in the trail, for the filter widgets."""
    require(actor, "audit.view")
    tables = session.scalars(select(AuditLog.table_name).distinct().order_by(AuditLog.table_name)).all()
    actions = session.scalars(select(AuditLog.action).distinct().order_by(AuditLog.action)).all()
    return {"tables": list(tables), "actions": list(actions)}


def audit_csv(df: pd.DataFrame) -> bytes:
    """``df`` as CSV (UTF-8 with BOM, so spreadsheet programs read the Chinese) with safe cells."""
    buf = io.StringIO(newline="")
    # CRLF line ends (RFC 4180): the writer then quotes any cell holding a CR or LF.
    safe_frame(df).to_csv(buf, index=False, lineterminator="\r\n")
    return buf.getvalue().encode("utf-8-sig")


def export_audit_csv(session: Session, actor: Actor, **filters) -> bytes:
    """Export the filtered trail as CSV; the export itself is recorded in the trail."""
    df = audit_trail(session, actor, limit=MAX_ROWS, **filters)
    shown = {k: str(v) for k, v in filters.items() if v not in (None, "")}
    record(session, actor, "export", "audit_log", note=f"{len(df)} rows; filters {json.dumps(shown, ensure_ascii=False)}")
    session.flush()
    return audit_csv(df)
