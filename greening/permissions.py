"""The one permission check: which role may do which action, and on which area.

Actions are declared once, as data (name -> roles allowed). ``allowed`` is the single entry
point; ``require`` raises :class:`PermissionDenied` with a message for the user. Area scope is
a code-prefix test (see :class:`greening.actor.Actor`). Reads are scoped in one place too: a
session carrying an actor only ever loads rows of scoped models inside the actor's area
(:func:`install_scope`), and set-based queries use :func:`scope_clause`. Writes are guarded the
same way: flushing a scoped record outside the actor's area raises :class:`PermissionDenied`.
"""
from __future__ import annotations

import functools
from typing import Self

from sqlalchemy import and_, event, inspect, true
from sqlalchemy.orm import Session, with_loader_criteria

from greening import audit
from greening.actor import Actor
from greening.area_codes import prefix_upper_bound
from greening.models.enums import Role
from greening.validation.catalogue import message
from greening.validation.errors import Refused

__all__ = ["ACTIONS", "PermissionDenied", "allowed", "require", "scope_clause", "install_scope",
           "SCOPED_MODELS"]

T, TL, CL, C, A = Role.TEAM, Role.TOWN_LEAD, Role.COUNTY_LEAD, Role.CITY, Role.ADMIN

#: Every action is checked where it is done (tests/test_permissions.py looks). Plans, teams,
#: designations and assignments are written by the demo loader and the imports (under their own
#: actions), not edited in the app; a backup is a command run on the server (`python -m greening
#: backup`), by whoever operates it, not an action of an app role.
ACTIONS: dict[str, frozenset[Role]] = {
    # reading
    "dashboard.view": frozenset({TL, CL, C, A}),
    "village.view": frozenset({T, TL, CL, C, A}),
    "lagging.view": frozenset({TL, CL, C, A}),
    "audit.view": frozenset({A}),
    "export.run": frozenset({TL, CL, C, A}),
    # greening teams' own work
    "planting.create": frozenset({T, TL, CL, A}),
    "planting.edit": frozenset({T, TL, CL, A}),
    "planting.delete": frozenset({T, TL, CL, A}),
    "photo.upload": frozenset({T, TL, CL, A}),
    "care.create": frozenset({T, TL, CL, A}),
    # review and verification
    "planting.review": frozenset({TL, CL, A}),
    "spotcheck.view": frozenset({TL, CL, C, A}),
    "attestation.create": frozenset({T, TL, CL, A}),
    "attestation.review": frozenset({TL, CL, C, A}),
    # campaign records and administration
    "import.boundaries": frozenset({A}),
    "import.ledger": frozenset({T, TL, CL, A}),
    "user.manage": frozenset({A}),
    "measures.replace": frozenset({A}),
    "raster.import": frozenset({A}),
    # supervision notices (督办单), the inbox, notifications and the monthly ranking
    "notice.view": frozenset({T, TL, CL, C, A}),
    "notice.issue": frozenset({CL, C, A}),
    "notice.acknowledge": frozenset({T, TL}),
    "notice.report": frozenset({T, TL}),
    "notice.verify": frozenset({CL, C, A}),
    "ranking.view": frozenset({TL, CL, C, A}),
    "ranking.freeze": frozenset({C, A}),
    "outbox.view": frozenset({A}),
    "outbox.requeue": frozenset({A}),
}


class PermissionDenied(Refused, PermissionError):
    """Refused: the message names the action and, where relevant, the area.

    It has the project's one error style (``code``, ``zh``, ``en``, ``params``: see
    :mod:`greening.validation.errors`) but stays a ``PermissionError``, not a ``ValueError``.
    """

    def __init__(self, zh: str, en: str):
        super().__init__(en)
        self._fill("permission_denied", zh, en, None)

    @classmethod
    def of(cls, code: str, /, **params) -> Self:
        """A refusal of catalogue ``code`` filled with ``params`` (as :meth:`Refusal.of`)."""
        zh, en = message(code, **params)
        denied = cls(zh, en)
        denied._fill(code, zh, en, params)
        return denied


def allowed(actor: Actor | None, action: str, area_code: str | None = None) -> bool:
    """May ``actor`` do ``action`` (on the area ``area_code``, when the action targets one)?"""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    if actor is None or actor.role not in ACTIONS[action]:
        return False
    return area_code is None or actor.covers(area_code)


def require(actor: Actor | None, action: str, area_code: str | None = None) -> None:
    """Raise :class:`PermissionDenied` unless :func:`allowed`, saying which condition failed."""
    if allowed(actor, action, area_code):
        return
    if actor is None:
        raise PermissionDenied.of("login_required")
    if actor.role not in ACTIONS[action]:
        raise PermissionDenied.of("role_may_not", action=action)
    raise PermissionDenied.of("area_out_of_scope", code=area_code)


def scope_clause(actor: Actor, column):
    """A SQL condition keeping rows whose area code column lies in the actor's area."""
    if actor.is_citywide:
        return true()
    return prefix_clause(column, actor.scope_prefix)


def prefix_clause(column, prefix: str):
    """``column`` starts with ``prefix``: the LIKE, and for a digit prefix the same test as a range,
    which an index can use and which prunes the county partitions of plantings on PostGIS."""
    like = column.like(prefix + "%")
    upper = prefix_upper_bound(prefix)
    if upper is None:
        return like
    return and_(column >= prefix, column < upper, like)


def _scoped_models():
    from greening.models import (
        Assignment,
        Attestation,
        CareCheck,
        GreeningTeam,
        Planting,
        PlantingPlan,
        SupervisionNotice,
    )

    # model -> the column holding the area code that decides who may see the row
    return {
        Planting: "claimed_village_code",
        PlantingPlan: "village_code",
        CareCheck: "village_code",
        GreeningTeam: "village_code",
        Attestation: "area_code",
        Assignment: "area_code",
        SupervisionNotice: "village_code",
    }


SCOPED_MODELS = _scoped_models


@event.listens_for(Session, "do_orm_execute")
def _apply_scope(state) -> None:
    """Every ORM SELECT, UPDATE and DELETE in a session with a non-citywide actor only reaches
    that actor's area (a bulk ``update(Planting)`` cannot touch another county's rows)."""
    actor = state.session.info.get("actor")
    if actor is None or actor.is_citywide or not (state.is_select or state.is_update or state.is_delete):
        return
    if state.execution_options.get("skip_scope"):
        return
    state.statement = state.statement.options(*_scope_options(actor.scope_prefix))


@functools.lru_cache(maxsize=4096)
def _scope_options(prefix: str) -> tuple:
    """The loader criteria keeping every scoped model inside ``prefix``, built once per area (a
    page run executes dozens of statements; each built seven criteria, cloning the statement each
    time). Options are immutable, so one tuple serves every statement of the area."""
    return tuple(with_loader_criteria(model, prefix_clause(getattr(model, column), prefix), include_aliases=True)
                 for model, column in _scoped_models().items())


@event.listens_for(Session, "before_flush")
def _guard_writes(session: Session, _ctx, _instances) -> None:
    """A non-citywide actor can neither create nor change a scoped record outside its area,
    nor move one out of it, even through a service that forgot to call :func:`require`."""
    actor = session.info.get("actor")
    if actor is None or actor.is_citywide:
        return
    scoped = _scoped_models()
    for obj in (*session.new, *session.dirty):
        column = scoped.get(type(obj))
        if column is None:
            continue
        codes = {getattr(obj, column)}
        if obj not in session.new:
            codes.update(inspect(obj).attrs[column].history.deleted)
        for code in codes:
            if not actor.covers(code):
                raise PermissionDenied.of("area_out_of_scope", code=code)


def install_scope(session: Session, actor: Actor) -> Session:
    """Bind ``actor`` to ``session``: its reads are scoped and its writes audited as the actor."""
    audit.install()
    session.info["actor"] = actor
    return session
