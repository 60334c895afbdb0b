"""Idempotent inserts by a client-generated ``submission_id`` (docs/reliability.md case 19-20).

A replay of a stored submission returns the stored row (or is refused when its content differs);
two concurrent inserts of one id leave one row: the loser's INSERT fails on the unique constraint
inside a SAVEPOINT and it answers with the winner's row, as a replay.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from greening import audit

__all__ = ["stored_submission", "insert_once"]

Row = TypeVar("Row")


def stored_submission(session: Session, model: type[Row], submission_id: str) -> Row | None:
    """The row of ``model`` stored under ``submission_id`` (whoever may see it), or None."""
    column = cast(Any, model).submission_id  # every model passed here has the column
    return session.scalars(select(model).where(column == submission_id)
                           .execution_options(skip_scope=True, populate_existing=True)).one_or_none()


def insert_once(session: Session, model: type[Row], submission_id: str, build: Callable[[], Row],
                check_replay: Callable[[Row], None]) -> tuple[Row, bool]:
    """``(row, created)``: the new row ``build()`` makes, or the row stored under ``submission_id``.

    ``build`` is only called when nothing is stored yet; ``check_replay(stored)`` raises when the
    stored row is not the same submission (a conflict), and is called for a replay and for a lost
    race alike. Flushes the new row in a SAVEPOINT; the caller commits.
    """
    stored = stored_submission(session, model, submission_id)
    if stored is None:
        row = build()
        try:
            with session.begin_nested():
                session.add(row)
        except IntegrityError:
            # Lost a race with a concurrent insert of the same id: the audit entries queued by the
            # failed flush describe a row that was never written.
            audit.discard_pending(session)
            stored = stored_submission(session, model, submission_id)
            if stored is None:
                raise
        else:
            return row, True
    check_replay(stored)
    return stored, False
