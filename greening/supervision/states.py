"""The state machine of a supervision notice, and overdue / escalation computed when read.

States (stored): ``issued`` (下发) -> ``acknowledged`` (已签收) -> ``reported`` (已报整改) ->
``closed`` (核验办结); from ``reported`` the issuing level may also ``return`` the notice
(``returned``, 退回重改), after which the village reports again.

Overdue and escalation are never stored, so no scheduler is needed for them to be right: a notice
is overdue on day D when D is after its deadline and it is still waiting for the village
(issued, acknowledged or returned). It is then escalated from the town to the county; after
``notice_escalate_days`` more days overdue, to the city.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from greening.validation import Refusal

__all__ = ["STATES", "TRANSITIONS", "WAITING_FOR_VILLAGE", "OPEN", "IllegalTransition", "next_state",
           "is_overdue", "escalation_level", "days_overdue", "closed_on_time", "NoticeClock"]

STATES = ("issued", "acknowledged", "reported", "returned", "closed")
#: (from state, verb) -> to state
TRANSITIONS: dict[tuple[str, str], str] = {
    ("issued", "acknowledge"): "acknowledged",
    ("acknowledged", "report"): "reported",
    ("returned", "report"): "reported",
    ("reported", "close"): "closed",
    ("reported", "return"): "returned",
}
WAITING_FOR_VILLAGE = frozenset({"issued", "acknowledged", "returned"})
OPEN = frozenset({"issued", "acknowledged", "reported", "returned"})

_STATE_ZH = {"issued": "已下发", "acknowledged": "已签收", "reported": "已报整改", "returned": "已退回",
             "closed": "已办结"}
_VERB_ZH = {"acknowledge": "签收", "report": "上报整改", "close": "核验办结", "return": "退回"}


class IllegalTransition(Refusal):
    """The verb is not allowed in the notice's current state (``notice_step_not_allowed``)."""


def next_state(state: str, verb: str) -> str:
    """The state after ``verb``; raises :class:`IllegalTransition` when it is not allowed."""
    try:
        return TRANSITIONS[(state, verb)]
    except KeyError:
        raise IllegalTransition.of("notice_step_not_allowed", state=state, verb=verb,
                                   state_zh=_STATE_ZH.get(state, state), verb_zh=_VERB_ZH.get(verb, verb)) from None


def days_overdue(status: str, deadline: dt.date, on: dt.date) -> int:
    """Days past the deadline while the notice waits for the village; 0 when not overdue."""
    if status not in WAITING_FOR_VILLAGE:
        return 0
    return max((on - deadline).days, 0)


def is_overdue(status: str, deadline: dt.date, on: dt.date) -> bool:
    return days_overdue(status, deadline, on) > 0


def escalation_level(status: str, deadline: dt.date, on: dt.date, escalate_days: int) -> str:
    """Who must act on the notice on day ``on``: ``town`` (not overdue), ``county``, ``city``.

    Escalation stops at the level that issued the notice's superior: a city notice overdue goes
    to the county and then to the city, which is where it ends."""
    late = days_overdue(status, deadline, on)
    if late == 0:
        return "town"
    return "city" if late > escalate_days else "county"


def closed_on_time(status: str, deadline: dt.date, reported_on: dt.date | None) -> bool:
    """Closed, with the accepted report made on or before the deadline."""
    return status == "closed" and reported_on is not None and reported_on <= deadline


@dataclass(frozen=True)
class NoticeClock:
    """A notice's read-time status on one day."""

    status: str
    overdue_days: int
    level: str
    on_time: bool

    @classmethod
    def of(cls, status: str, deadline: dt.date, reported_on: dt.date | None, on: dt.date,
           escalate_days: int) -> NoticeClock:
        return cls(status, days_overdue(status, deadline, on),
                   escalation_level(status, deadline, on, escalate_days),
                   closed_on_time(status, deadline, reported_on))
