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


class AttestationError(Refusal):
    """A refused attestation; ``zh``/``en`` say why (the project's one error style, code ``attestation_refused``)."""

    def __init__(self, zh: str, en: str):
        super().__init__("attestation_refused", zh, en)


def create_attestation(session: Session, actor: Actor, *, measure_id: str, area_code: str, evidence: str,
                       attested_on: dt.date | None = None, evidence_photo: str | None = None) -> Attestation:
    """Record that ``area_code`` has carried out ``measure_id``; refuses a second open or confirmed claim."""
    require(actor, "attestation.create", area_code)
    evidence = check_text((evidence or "").strip(), "evidence")
    if not evidence:
        raise AttestationError("请填写佐证说明。", "Please describe the evidence.")
    if len(evidence) > MAX_EVIDENCE:
        raise AttestationError(f"佐证说明过长（最多 {MAX_EVIDENCE} 字）。",
                               f"The evidence is too long (at most {MAX_EVIDENCE} characters).")
    measure = session.get(Measure, measure_id)
    if measure is None:
        raise AttestationError(f"未知措施 {measure_id!r}。", f"Unknown measure {measure_id!r}.")
    area = session.scalar(select(AdminArea).where(AdminArea.code == area_code, AdminArea.deleted_at.is_(None)))
    if area is None:
        raise AttestationError(f"未知区域 {area_code!r}。", f"Unknown area {area_code!r}.")
    if area.level != measure.level:
        raise AttestationError(f"措施 {measure_id} 适用于{measure.level}级，{area.name} 是{area.level}级。",
                               f"Measure {measure_id} applies to a {measure.level}; {area.name} is a {area.level}.")
    existing = session.scalar(select(Attestation).where(
        Attestation.measure_id == measure_id, Attestation.area_code == area_code,
        Attestation.deleted_at.is_(None), Attestation.status.in_(("claimed", "confirmed"))))
    if existing is not None:
        raise AttestationError(f"{area.name} 已申报措施 {measure_id}（{existing.status}）。",
                               f"{area.name} has already attested {measure_id} ({existing.status}).")
    row = Attestation(measure_id=measure_id, area_id=area.id, area_code=area_code, status="claimed",
                      evidence=evidence, evidence_photo=evidence_photo,
                      attested_on=attested_on or dt.date.today())
    session.add(row)
    session.flush()
    return row
