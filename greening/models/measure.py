"""The 56 measures of the guideline and attestations of a measure for an area."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from greening.models.area import AdminArea
from greening.models.base import Base, Tracked

__all__ = ["Measure", "Attestation"]


class Measure(Base):
    """One measure of the catalogue (synchronised from the catalogue file)."""

    __tablename__ = "measures"

    id: Mapped[str] = mapped_column(String(12), primary_key=True)  # e.g. "M01"
    plan: Mapped[int] = mapped_column(Integer, nullable=False)
    title_zh: Mapped[str] = mapped_column(String(300), nullable=False)
    title_en: Mapped[str | None] = mapped_column(String(300))
    level: Mapped[str] = mapped_column(String(8), nullable=False)
    evaluation: Mapped[str] = mapped_column(String(12), nullable=False)  # rule | attestation
    rule: Mapped[str | None] = mapped_column(String(40))
    params: Mapped[dict] = mapped_column(default=dict, nullable=False)


class Attestation(Tracked, Base):
    """A claim, with evidence, that an area has carried out a measure."""

    __tablename__ = "attestations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    measure_id: Mapped[str] = mapped_column(ForeignKey("measures.id"), nullable=False, index=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("admin_areas.id"), nullable=False, index=True)
    area_code: Mapped[str] = mapped_column(String(12), nullable=False, index=True)
    status: Mapped[str] = mapped_column(String(10), nullable=False, default="claimed")
    evidence: Mapped[str | None] = mapped_column(Text)
    evidence_photo: Mapped[str | None] = mapped_column(String(80))
    attested_on: Mapped[dt.date | None] = mapped_column()
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

    measure: Mapped[Measure] = relationship()
    area: Mapped[AdminArea] = relationship()
