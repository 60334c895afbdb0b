"""The audit trail: every create, update and delete of a campaign record writes an audit row.

It hooks the ORM once (``before_flush`` / ``after_flush``), so no service can forget it. The hooks
are registered by :func:`install`, which :func:`greening.db.make_engine` and
:func:`greening.permissions.install_scope` call (idempotent); importing the models registers
nothing, so there is no import circle between the models and this module. A flush that changes a
record in a session with no actor raises :class:`MissingActor`: writing without an actor is
impossible. A flush that failed inside a savepoint leaves queued entries for rows never written:
:func:`discard_pending` drops them. Deletes are soft (``deleted_at``) and audited as ``delete``. Bulk writes that bypass
the ORM (demo load, ledger import) call :func:`record` themselves with a summary.

Because every change passes here as an audit row, this is also where the data version of the
changed county is bumped, in the same transaction (:mod:`greening.data_version`): other app
processes see on their next rerun that their cached reads are stale.
"""
from __future__ import annotations

import datetime as dt
import decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session
from sqlalchemy.sql import ClauseElement

from greening import data_version
from greening.models import AuditLog, LoginSession
from greening.models.base import Tracked

if TYPE_CHECKING:
    from greening.actor import Actor

__all__ = ["MissingActor", "record", "snapshot", "install", "installed", "discard_pending"]

# Columns never copied into the audit trail.
_SECRET = {"password_hash", "token_hash"}
_SKIP_TYPES = (LoginSession, AuditLog)


class MissingActor(RuntimeError):
    """A change was about to be written by nobody."""


def _plain(value):
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, (bytes, memoryview, ClauseElement)) or \
            type(value).__name__ in {"WKBElement", "WKTElement"}:
        return "<geometry>"  # a ClauseElement is geodb.to_db's ST_GeomFromWKB(...) before the flush
    return value


def snapshot(obj, *, changed_only: bool = False, old: bool = False) -> dict:
    """The record's column values as plain JSON-able data (``old=True``: values before the flush)."""
    state = inspect(obj)
    out = {}
    for attr in state.mapper.column_attrs:
        key = attr.key
        if key in _SECRET:
            continue
        hist = state.attrs[key].history
        if changed_only and not hist.has_changes():
            continue
        if old:
            value = hist.deleted[0] if hist.deleted else (hist.unchanged[0] if hist.unchanged else None)
        else:
            value = getattr(obj, key)
        out[key] = _plain(value)
    return out


_SCOPE_COLUMNS = ("claimed_village_code", "village_code", "area_code", "code")


def _scope_code(obj) -> str | None:
    for col in _SCOPE_COLUMNS:
        value = getattr(obj, col, None)
        if isinstance(value, str):
            return value
    return None


def record(session: Session, actor: Actor, action: str, table: str, record_id=None, *,
           before: dict | None = None, after: dict | None = None, note: str | None = None,
           scope_code: str | None = None) -> AuditLog:
    """Add an audit row explicitly (for bulk writes, log-ins and other non-ORM events)."""
    row = AuditLog(user_id=actor.user_id, username=actor.username, action=action, table_name=table,
                   record_id=None if record_id is None else str(record_id), before=before,
                   after=after, note=note, scope_code=scope_code)
    session.add(row)
    return row


_PENDING = "greening.audit.pending"


def discard_pending(session: Session) -> None:
    """Forget the entries queued by a flush that did not happen (e.g. a savepoint rolled back on
    an IntegrityError or a stale version): they describe rows that were never written."""
    session.info.pop(_PENDING, None)


def _audit_flush(session: Session, _ctx, _instances) -> None:
    changes = [o for o in (*session.new, *session.dirty, *session.deleted)
               if not isinstance(o, _SKIP_TYPES)]
    if not changes:
        return
    actor: Actor | None = session.info.get("actor")
    if actor is None:
        raise MissingActor("refusing to write: no acting user is bound to this session")
    now = dt.datetime.now(dt.UTC)
    pending: list[tuple[str, Any, dict | None]] = []
    for obj in session.new:
        if isinstance(obj, _SKIP_TYPES):
            continue
        if isinstance(obj, Tracked) and obj.created_by_id is None:
            obj.created_by_id = actor.user_id
        pending.append(("create", obj, None))
    for obj in session.dirty:
        if isinstance(obj, _SKIP_TYPES) or not session.is_modified(obj, include_collections=False):
            continue
        before = snapshot(obj, changed_only=True, old=True)
        if isinstance(obj, Tracked):
            obj.updated_by_id = actor.user_id
            obj.updated_at = now
        action = "delete" if "deleted_at" in before and before["deleted_at"] is None else "update"
        pending.append((action, obj, before))
    for obj in session.deleted:
        if isinstance(obj, _SKIP_TYPES):
            continue
        if isinstance(obj, Tracked):
            raise MissingActor(f"{type(obj).__name__} rows are deleted softly: set deleted_at")
        pending.append(("purge", obj, snapshot(obj, old=True)))
    # Replace, never extend: a flush that failed after this hook must not leave its entries
    # behind to be written as if they had happened.
    session.info[_PENDING] = pending


def _audit_discard(session: Session, _previous_transaction) -> None:
    discard_pending(session)


def _bump_data_versions(session: Session, _ctx) -> None:
    # The audit rows just written name what changed; the next flush writes the rows added by
    # _audit_after_flush (registered after this one).
    scopes: set[str] = set()
    for row in session.new:
        if not isinstance(row, AuditLog):
            continue
        codes = [row.scope_code]
        # Every area the record names, before and after: a record moved to another area changed
        # the old one too, and a planting claimed for one village may lie in another (even in
        # the next county), whose figures count it.
        for values in (row.before, row.after):
            if values:
                codes += [values.get(c) for c in _SCOPE_COLUMNS if c in values]
        scopes |= data_version.scopes_of_change(row.table_name, row.action, codes)
    if scopes:
        data_version.bump(session.connection(), scopes)


def _audit_after_flush(session: Session, _ctx) -> None:
    pending = session.info.pop(_PENDING, [])
    if not pending:
        return
    actor: Actor = session.info["actor"]
    for action, obj, before in pending:
        ident = inspect(obj).mapper.primary_key_from_instance(obj)[0]
        after = None if action == "purge" else (
            snapshot(obj) if action == "create" else {k: _plain(getattr(obj, k)) for k in before})
        session.add(AuditLog(user_id=actor.user_id, username=actor.username, action=action,
                             table_name=obj.__tablename__, record_id=None if ident is None else str(ident),
                             before=before, after=after, scope_code=_scope_code(obj)))


_HOOKS = (("before_flush", _audit_flush), ("after_soft_rollback", _audit_discard),
          ("after_flush", _bump_data_versions), ("after_flush", _audit_after_flush))


def install() -> None:
    """Register the audit hooks on every ORM session (once; calling again does nothing)."""
    for name, fn in _HOOKS:
        if not event.contains(Session, name, fn):
            event.listen(Session, name, fn)


def installed() -> bool:
    """True when the audit hooks are registered."""
    return all(event.contains(Session, name, fn) for name, fn in _HOOKS)
