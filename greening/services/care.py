"""Care (管护) and survival checks (成活率核查) of plantings: "three parts planting, seven parts care".

A check is idempotent by its client-generated ``submission_id`` like a planting: a replay with the
same content returns the stored check, different content is a
:class:`~greening.services.plantings.SubmissionConflict`. The number alive can never exceed the
number planted.

A planting has at most one survival check a day: it counts the trees alive at a visit, and a
second one that day under another submission id (another phone, the form sent again after its
page was drawn anew) is the same visit twice, which the survival figures would count as two
measurements. It is refused (``survival_check_same_day``, naming the check stored) and nothing is
written; the database's partial unique index ``uq_care_checks_survival_day`` keeps the rule for
writers racing each other. Care visits (管护) may be logged several times a day.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from greening.actor import Actor
from greening.models import CareCheck
from greening.models.enums import CheckKind
from greening.services._idempotent import insert_once
from greening.services.plantings import (
    Conflict,
    CreateResult,
    PlantingError,
    SubmissionConflict,
    clean_submission_id,
    load_planting,
)
from greening.validation import records
from greening.validation import values as F

__all__ = ["record_check", "MAX_RESPONSIBLE", "MAX_NOTE"]

MAX_RESPONSIBLE = 60
MAX_NOTE = records.MAX_NOTE  # the same limit as a planting's note (greening.validation.records)
_KIND_NAMES = {"管护": CheckKind.CARE.value, "养护": CheckKind.CARE.value, "成活率核查": CheckKind.SURVIVAL.value,
               "成活核查": CheckKind.SURVIVAL.value, "成活率": CheckKind.SURVIVAL.value}


def _kind(value) -> str:
    text = F.clean_text(value) or ""
    kind = _KIND_NAMES.get(text, text.lower())
    if kind not in {k.value for k in CheckKind}:
        raise PlantingError("check_kind_unknown", "kind", value=value, choices="care（管护）、survival（成活率核查）",
                           choices_en="care, survival")
    return kind


def _alive(value, kind: str, tree_count: int):
    if F.is_blank(value):
        if kind == CheckKind.SURVIVAL.value:
            raise PlantingError("alive_required", "alive_count")
        return None
    alive = F.parse_people(value, "alive_count") if not isinstance(value, int) else value
    if alive < 0:
        raise PlantingError("negative_number", "alive_count", value=value)
    if alive > tree_count:
        raise PlantingError("alive_exceeds_count", "alive_count", value=alive, count=tree_count)
    return alive


def record_check(session: Session, actor: Actor, planting_id: int, kind: str, checked_on: dt.date | str,
                 alive_count: int | None, responsible: str | None, note: str | None,
                 submission_id: str) -> CreateResult:
    """Record a care visit or survival check of a planting; returns ``(check, created)``.

    Raises :class:`~greening.services.plantings.PlantingError` naming the bad value (unknown
    kind, date in the future or before the planting, more alive than planted), or
    :class:`~greening.services.plantings.SubmissionConflict`. Flushes; the caller commits.
    """
    planting = load_planting(session, actor, planting_id, "care.create", "planting_id")
    sid = clean_submission_id(submission_id)
    try:
        kind_value = _kind(kind)
        day = F.check_date(F.parse_date(checked_on, "checked_on"), "checked_on")
        values = {
            "planting_id": planting.id, "kind": kind_value, "checked_on": day,
            "alive_count": _alive(alive_count, kind_value, planting.tree_count),
            # a person's name, kept as typed (李四（队长）): only the space around it is trimmed
            "responsible": F.keep_text(responsible, MAX_RESPONSIBLE, "responsible"),
            "note": F.clean_text(note, MAX_NOTE, "note"),
        }
    except F.FieldError as exc:
        raise PlantingError(exc.code, exc.field, **exc.params) from None
    if day < planting.planted_on:
        raise PlantingError("check_before_planting", "checked_on", value=day.isoformat(),
                            planted_on=planting.planted_on.isoformat())

    def same(name: str, stored, given) -> bool:
        # a check stored while names were folded (李四(队长)) is the same check sent again as typed
        return stored == given or (name == "responsible" and F.clean_text(stored) == F.clean_text(given))

    def check_replay(stored: CareCheck) -> None:
        if not all(same(k, getattr(stored, k), v) for k, v in values.items()):
            raise SubmissionConflict("id_conflict", "submission_id", value=sid)

    def build() -> CareCheck:
        if kind_value == CheckKind.SURVIVAL.value:
            _refuse_a_second_survival_check(session, planting.id, day)
        return CareCheck(village_code=planting.claimed_village_code, submission_id=sid, **values)

    try:
        check, created = insert_once(session, CareCheck, sid, build, check_replay)
    except IntegrityError:
        # a survival check of the same planting and day stored by another writer meanwhile
        # (uq_care_checks_survival_day); insert_once has rolled its savepoint back
        if kind_value == CheckKind.SURVIVAL.value:
            _refuse_a_second_survival_check(session, planting.id, day)
        raise
    return CreateResult(check, created)


def _refuse_a_second_survival_check(session: Session, planting_id: int, day: dt.date) -> None:
    """Raise :class:`~greening.services.plantings.Conflict` (``survival_check_same_day``) naming
    the survival check of ``planting_id`` stored for ``day``, when there is one."""
    stored = session.scalars(
        select(CareCheck).where(CareCheck.planting_id == planting_id, CareCheck.checked_on == day,
                                CareCheck.kind == CheckKind.SURVIVAL.value, CareCheck.deleted_at.is_(None))
        .order_by(CareCheck.id).limit(1)
        # the planting is the actor's (load_planting); its checks are, whichever village they name
        .execution_options(skip_scope=True, populate_existing=True)).first()
    if stored is not None:
        raise Conflict("survival_check_same_day", "checked_on", planting=planting_id, date=day.isoformat(),
                       id=stored.id, alive=stored.alive_count)
