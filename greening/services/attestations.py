"""Attesting that an area has carried out a measure of the guideline, with evidence.

An attestation starts as "claimed" and is confirmed or rejected by a reviewer (the review
page). Writes go through the ORM, so the audit hook records who attested what.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from greening.actor import Actor
from greening.models import AdminArea, Attestation, Measure
from greening.permissions import require
from greening.validation.errors import Refusal
from greening.validation.text import check_text

__all__ = ["AttestationError", "create_attestation", "MAX_EVIDENCE"]

MAX_EVIDENCE = 2000


#: Area levels as the Chinese messages name them (the English ones use the level itself).
_LEVEL_ZH = {"city": "市", "county": "县区", "town": "镇街", "village": "村"}


class AttestationError(Refusal):
    """A refused attestation: ``AttestationError.of(code, ...)`` with an ``attestation_*`` catalogue code."""


def create_attestation(session: Session, actor: Actor, *, measure_id: str, area_code: str, evidence: str,
                       attested_on: dt.date | None = None, evidence_photo: str | None = None) -> Attestation:
    """Record that ``area_code`` has carried out ``measure_id``; refuses a second open or confirmed claim."""
    require(actor, "attestation.create", area_code)
    evidence = check_text((evidence or "").strip(), "evidence")
    if not evidence:
        raise AttestationError.of("attestation_evidence_missing")
    if len(evidence) > MAX_EVIDENCE:
        raise AttestationError.of("attestation_evidence_too_long", limit=MAX_EVIDENCE)
    measure = session.get(Measure, measure_id)
    if measure is None:
        raise AttestationError.of("attestation_measure_unknown", measure=measure_id)
    area = session.scalar(select(AdminArea).where(AdminArea.code == area_code, AdminArea.deleted_at.is_(None)))
    if area is None:
        raise AttestationError.of("attestation_area_unknown", code=area_code)
    if area.level != measure.level:
        raise AttestationError.of("attestation_level_differs", measure=measure_id, area=area.name,
                                  level=_LEVEL_ZH.get(measure.level, measure.level), level_en=measure.level,
                                  area_level=_LEVEL_ZH.get(area.level, area.level), area_level_en=area.level)
    existing = session.scalar(select(Attestation).where(
        Attestation.measure_id == measure_id, Attestation.area_code == area_code,
        Attestation.deleted_at.is_(None), Attestation.status.in_(("claimed", "confirmed"))))
    if existing is not None:
        raise AttestationError.of("attestation_already_claimed", area=area.name, measure=measure_id,
                                  status=existing.status)
    row = Attestation(measure_id=measure_id, area_id=area.id, area_code=area_code, status="claimed",
                      evidence=evidence, evidence_photo=evidence_photo,
                      attested_on=attested_on or dt.date.today())
    session.add(row)
    session.flush()
    return row
