"""Issuing notices to several villages at once, and the rule of one open notice per village.

A village that already has an open notice (issued, acknowledged, reported or returned: not yet
closed) is not issued a second one by default: :func:`issue_batch` skips it and says so, and
:func:`open_notices` tells the issue form which villages those are, so the picker can mark them.
The issuer may still choose to issue a second notice (``reissue_open=True``).

A press of 下发 handled again (a double press whose second run comes after the first was saved)
finds every village with the notice it just got: those are reported as ``repeated`` (the same
reasons, issued by the same user the same day), with their numbers, not as skipped: the page names
the open notice each of them already has and says that nothing new was issued to them (not
「已下发」, which read as a new notice), counted apart from the notices the batch did issue.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from greening.actor import Actor
from greening.models import SupervisionNotice
from greening.permissions import require, scope_clause
from greening.supervision.notices import NoticeDraft, display_number, issue_notice
from greening.supervision.states import OPEN

__all__ = ["IssueOutcome", "open_notices", "issue_batch"]


@dataclass
class IssueOutcome:
    """What a batch did: the notices issued, and the villages skipped with their open notices."""

    issued: list[SupervisionNotice] = field(default_factory=list)
    #: village code -> display numbers of the notices still open there (湛绿督〔2024〕7号)
    skipped: dict[str, list[str]] = field(default_factory=dict)
    #: village code -> the number of the notice this same draft got earlier the same day from the
    #: same user (the batch was submitted again): issued already, not skipped
    repeated: dict[str, str] = field(default_factory=dict)


def _open(session: Session, actor: Actor, codes: Iterable[str] | None = None) -> dict[str, list[SupervisionNotice]]:
    require(actor, "notice.view")
    n = SupervisionNotice
    wanted = None if codes is None else {str(c) for c in codes}
    stmt = (select(n)
            .where(n.deleted_at.is_(None), n.status.in_(sorted(OPEN)), scope_clause(actor, n.village_code))
            .order_by(n.year, n.seq))
    out: dict[str, list[SupervisionNotice]] = {}
    for notice in session.scalars(stmt):
        if wanted is None or notice.village_code in wanted:
            out.setdefault(notice.village_code, []).append(notice)
    return out


def open_notices(session: Session, actor: Actor, codes: Iterable[str] | None = None) -> dict[str, list[str]]:
    """Village code -> display numbers of its open notices, for the villages of the actor's area
    (only those in ``codes`` when given); a village with none is absent."""
    return {code: [display_number(x) for x in found] for code, found in _open(session, actor, codes).items()}


def _same_press(notice: SupervisionNotice, actor: Actor, draft: NoticeDraft, issued_on: dt.date) -> bool:
    return (notice.issuer_name == actor.username and notice.issued_on == issued_on
            and (notice.reasons or "").strip() == (draft.reasons or "").strip())


def issue_batch(session: Session, actor: Actor, drafts: Iterable[NoticeDraft], *, issued_on: dt.date,
                deadline: dt.date | None = None, reissue_open: bool = False,
                before_each: Callable[[NoticeDraft], None] | None = None) -> IssueOutcome:
    """Issue one notice per draft, skipping villages with an open notice unless ``reissue_open``.

    ``before_each`` is called with each draft about to be issued (the form uses it to name the
    village whose draft is refused). Flushes; the caller commits (all or nothing)."""
    drafts = list(drafts)
    already = {} if reissue_open else _open(session, actor, [d.village_code for d in drafts])
    outcome = IssueOutcome()
    for d in drafts:
        code = str(d.village_code)
        if code in already:
            same = [x for x in already[code] if _same_press(x, actor, d, issued_on)]
            if same:
                outcome.repeated[code] = display_number(same[-1])
            else:
                outcome.skipped[code] = [display_number(x) for x in already[code]]
            continue
        if before_each is not None:
            before_each(d)
        outcome.issued.append(issue_notice(session, actor, d, deadline=deadline, issued_on=issued_on))
    return outcome

