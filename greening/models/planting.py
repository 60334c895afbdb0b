"""Species, planting plans, plantings, photos, and care/survival checks."""
from __future__ import annotations

import datetime as dt

from geoalchemy2 import Geometry
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from greening.models.area import AdminArea
from greening.models.base import WGS84, Base, Tracked

__all__ = ["Species", "PlantingPlan", "Planting", "Photo", "CareCheck"]


class Species(Tracked, Base):
    __tablename__ = "species"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name_zh: Mapped[str] = mapped_column(String(60), unique=True, nullable=False)
    name_latin: Mapped[str | None] = mapped_column(String(120))
    name_en: Mapped[str | None] = mapped_column(String(120))
    category: Mapped[str] = mapped_column(String(10), nullable=False)
    native: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)


class PlantingPlan(Tracked, Base):
    """One line of a village's plan: place, species, number (定地点、定树种、定数量)."""

    __tablename__ = "planting_plans"
    __table_args__ = (
        CheckConstraint("planned_count >= 0", name="planned_nonneg"),
        CheckConstraint("seedlings_secured >= 0", name="secured_nonneg"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("admin_areas.id"), nullable=False, index=True)
    village_code: Mapped[str] = mapped_column(String(12), nullable=False, index=True)
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    site_type: Mapped[str] = mapped_column(String(20), nullable=False)
    site_name: Mapped[str | None] = mapped_column(String(200))
    species_id: Mapped[int] = mapped_column(ForeignKey("species.id"), nullable=False)
    planned_count: Mapped[int] = mapped_column(Integer, nullable=False)
    seedlings_secured: Mapped[int] = mapped_column(Integer, default=0, nullable=False)

    species: Mapped[Species] = relationship()


class Planting(Tracked, Base):
    """A planting record: where (point, optional block polygon), what, how many, who, when.

    On PostGIS the table is partitioned by county (``claimed_village_code``, migration 0006): the
    unique submission id and the id that photos and checks reference are kept there by the table
    ``planting_submissions``, written by a trigger in the same statement (docs/database.md).
    """

    __tablename__ = "plantings"
    __table_args__ = (
        UniqueConstraint("submission_id"),
        CheckConstraint("tree_count > 0", name="count_positive"),
        CheckConstraint("party_members >= 0 AND villagers >= 0", name="participants_nonneg"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Client-generated id: a replayed submission is recognised, never stored twice.
    submission_id: Mapped[str] = mapped_column(String(64), nullable=False)
    content_hash: Mapped[str | None] = mapped_column(String(64))
    # The village the point falls in (computed on write) and the one it was claimed for.
    village_id: Mapped[int | None] = mapped_column(ForeignKey("admin_areas.id"), index=True)
    village_code: Mapped[str | None] = mapped_column(String(12), index=True)
    claimed_village_id: Mapped[int] = mapped_column(ForeignKey("admin_areas.id"), nullable=False, index=True)
    claimed_village_code: Mapped[str] = mapped_column(String(12), nullable=False, index=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("greening_teams.id"), index=True)
    planted_on: Mapped[dt.date] = mapped_column(Date, nullable=False, index=True)
    species_id: Mapped[int] = mapped_column(ForeignKey("species.id"), nullable=False, index=True)
    tree_count: Mapped[int] = mapped_column(Integer, nullable=False)
    area_m2: Mapped[float | None] = mapped_column(Float)
    site_type: Mapped[str] = mapped_column(String(20), nullable=False)
    site_name: Mapped[str | None] = mapped_column(String(200))
    party_members: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    villagers: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    status: Mapped[str] = mapped_column(String(12), default="submitted", nullable=False, index=True)
    reject_reason: Mapped[str | None] = mapped_column(Text)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    source: Mapped[str] = mapped_column(String(10), default="form", nullable=False)
    note: Mapped[str | None] = mapped_column(Text)
    # Problems found on validation that do not block the record (e.g. outside claimed village).
    flags: Mapped[list] = mapped_column(default=list, nullable=False)
    lon: Mapped[float] = mapped_column(Float, nullable=False)
    lat: Mapped[float] = mapped_column(Float, nullable=False)
    location = mapped_column(Geometry("POINT", srid=WGS84, spatial_index=True), nullable=False)
    block = mapped_column(Geometry("MULTIPOLYGON", srid=WGS84, spatial_index=False), nullable=True)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)

    village: Mapped[AdminArea | None] = relationship(foreign_keys=[village_id])
    claimed_village: Mapped[AdminArea] = relationship(foreign_keys=[claimed_village_id])
    species: Mapped[Species] = relationship()
    photos: Mapped[list[Photo]] = relationship(back_populates="planting")
    checks: Mapped[list[CareCheck]] = relationship(back_populates="planting")


class Photo(Tracked, Base):
    """A photo of a planting, stored under a generated name, with what its EXIF says."""

    __tablename__ = "photos"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    planting_id: Mapped[int] = mapped_column(ForeignKey("plantings.id"), nullable=False, index=True)
    stored_name: Mapped[str] = mapped_column(String(80), unique=True, nullable=False)
    thumb_name: Mapped[str | None] = mapped_column(String(80))
    content_type: Mapped[str] = mapped_column(String(30), nullable=False)
    size_bytes: Mapped[int] = mapped_column(Integer, nullable=False)
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    phash: Mapped[str | None] = mapped_column(String(32), index=True)
    exif_lon: Mapped[float | None] = mapped_column(Float)
    exif_lat: Mapped[float | None] = mapped_column(Float)
    exif_time: Mapped[dt.datetime | None] = mapped_column(DateTime)
    flags: Mapped[list] = mapped_column(default=list, nullable=False)

    planting: Mapped[Planting] = relationship(back_populates="photos")


#: the survival checks of which one per planting and day is kept (uq_care_checks_survival_day)
SURVIVAL_DAY_WHERE = "kind = 'survival' AND deleted_at IS NULL"


class CareCheck(Tracked, Base):
    """Care (管护) or a survival check (成活率核查) of a planting.

    One survival check per planting and day (a count of the trees alive at a visit: a second one
    that day is the same visit sent again), kept by a partial unique index (migration 0007);
    care visits are not limited."""

    __tablename__ = "care_checks"
    __table_args__ = (
        CheckConstraint("alive_count >= 0", name="alive_nonneg"),
        Index("uq_care_checks_survival_day", "planting_id", "checked_on", unique=True,
              sqlite_where=text(SURVIVAL_DAY_WHERE), postgresql_where=text(SURVIVAL_DAY_WHERE)),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    planting_id: Mapped[int] = mapped_column(ForeignKey("plantings.id"), nullable=False, index=True)
    village_code: Mapped[str] = mapped_column(String(12), nullable=False, index=True)
    kind: Mapped[str] = mapped_column(String(10), nullable=False)
    checked_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    alive_count: Mapped[int | None] = mapped_column(Integer)
    responsible: Mapped[str | None] = mapped_column(String(60))
    note: Mapped[str | None] = mapped_column(Text)
    submission_id: Mapped[str | None] = mapped_column(String(64), unique=True)

    planting: Mapped[Planting] = relationship(back_populates="checks")
